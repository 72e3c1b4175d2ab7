"""The replay report (contract section 7), built from the store so `run` can serve it too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.config import Config
from monitor.store.base import Store

__all__ = ["build_report", "deprovision_item", "finding_item", "iso_ms"]


def iso_ms(ts: float | None) -> str | None:
    """RFC 3339 UTC with milliseconds, as the contract writes every timestamp."""
    if ts is None:
        return None
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def build_report(store: Store, config: Config) -> dict[str, object]:
    now = store.newest_ts()
    requests = {
        app: dict(sorted(classes.items()))
        for app, classes in sorted(store.request_counts().items())
    }
    return {
        "scimwatch_report": 1,
        "now": iso_ms(now),
        "rejected_lines": store.rejected_total(),
        "requests": requests,
        "deprovisions": [deprovision_item(row, config, now) for row in store.deprovision_rows()],
        "findings": [finding_item(row) for row in store.finding_rows()[0]],
    }


def deprovision_item(row: dict[str, Any], config: Config, now: float | None) -> dict[str, object]:
    requested, confirmed = row["requested_at"], row["confirmed_at"]
    lag = round(confirmed - requested, 3) if confirmed is not None else None
    waited = lag if lag is not None else (now or requested) - requested
    return {
        "app": row["app"],
        "user_name": row["user_name"],
        "sp_id": row["sp_id"],
        "requested_at": iso_ms(requested),
        "confirmed_at": iso_ms(confirmed),
        "lag_seconds": lag,
        "status": "confirmed" if confirmed is not None else "pending",
        "overdue": waited > config.slo_seconds(row["app"]),
    }


def finding_item(row: dict[str, Any]) -> dict[str, object]:
    fields = dict(row["fields"])
    out: dict[str, object] = {"type": row["type"], "app": row["app"] or None, **fields}
    if row["type"] == "activity_after_deprovision":
        out["first_at"] = iso_ms(row["first_at"])
    else:
        out["at"] = iso_ms(row["first_at"])
    out["last_at"] = iso_ms(row["last_at"])
    out["count"] = row["count"]
    out["status"] = row["status"]
    return out
