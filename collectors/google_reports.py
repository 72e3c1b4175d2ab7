"""Google Workspace Admin SDK Reports (`type: google_reports`): activities of one application.

API: https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities/list ;
records are keyed by `id.time` + `id.uniqueQualifier` for dedupe. Pages are newest first. This
version reads exported pages (`{"items": [...]}`) or JSON lines from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field

from collectors._config import FileSourceConfig
from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind

__all__ = ["KIND", "Config"]


class Config(FileSourceConfig):
    """Google Reports activities exported to a file."""

    type: Literal["google_reports"]
    application: Literal["admin", "token", "login", "saml", "user_accounts"] = Field(
        description="The Reports application name the activities belong to."
    )


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    ident = raw.get("id")
    if not isinstance(ident, dict):
        return None, None
    time, qualifier = ident.get("time"), ident.get("uniqueQualifier")
    return time, (f"{time}/{qualifier}" if time is not None and qualifier is not None else None)


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector:
    kind = f"google_reports/{config.application}"
    return RecordsFileCollector(
        name=name, path=base_dir / config.path, read=record_reader(kind, _fields)
    )


KIND = CollectorKind(type="google_reports", config=Config, build=build, app_bound=False)
