"""App activity logs (`type: app_activity_log`): who did what in the app, and how they signed in.

JSON lines with `ts`, `app`, `user` (the app's userName), `auth`, `action`, `status`
(contract section 3). Used to spot activity by accounts that were deprovisioned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import orjson
from pydantic import Field

from collectors._config import FileSourceConfig
from collectors._lines import LineFileCollector
from collectors.base import BuildContext, CollectorKind
from collectors.scimlog.timestamps import parse_json_ts as parse_timestamp
from monitor.events import ActivityRecord, Record, Rejected, RejectReason

__all__ = ["KIND", "Config", "parse_activity"]


class Config(FileSourceConfig):
    """The activity log of one app."""

    type: Literal["app_activity_log"]
    app: str = Field(description="The app (from `apps`) this log belongs to.")
    start_at: Literal["beginning", "end"] = "beginning"


def parse_activity(line: bytes) -> ActivityRecord | Rejected:
    """One activity line, or why it cannot be used."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return Rejected(RejectReason.INVALID_JSON, "not JSON")
    if not isinstance(obj, dict):
        return Rejected(RejectReason.UNKNOWN_FORMAT, "not a JSON object")
    user = obj.get("user")
    if not isinstance(user, str) or not user or "ts" not in obj:
        return Rejected(RejectReason.MISSING_FIELD, "ts and user are required")
    ts = parse_timestamp(obj["ts"])
    if ts is None:
        return Rejected(RejectReason.BAD_TIMESTAMP, "ts is not RFC 3339")
    status = obj.get("status")
    return ActivityRecord(
        ts=ts,
        app=_text(obj.get("app")),
        user=user,
        auth=_text(obj.get("auth")) or "unknown",
        action=_text(obj.get("action")) or "",
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def build(config: Config, *, name: str, base_dir: Path, context: BuildContext) -> LineFileCollector:
    app = config.app

    def parse(line: bytes) -> Record | Rejected:
        record = parse_activity(line)
        if isinstance(record, ActivityRecord) and record.app != app:
            record = ActivityRecord(
                record.ts, app, record.user, record.auth, record.action, record.status
            )
        return record

    return LineFileCollector(
        name=name, path=base_dir / config.path, parse=parse, start_at=config.start_at
    )


KIND = CollectorKind(type="app_activity_log", config=Config, build=build, app_bound=True)
