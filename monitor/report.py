"""The replay report (contract section 7), built from the store so `run` can serve it too."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.store.base import Store

__all__ = ["build_report", "iso_ms"]


def iso_ms(ts: float | None) -> str | None:
    """RFC 3339 UTC with milliseconds, as the contract writes every timestamp."""
    if ts is None:
        return None
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def build_report(store: Store) -> dict[str, object]:
    """The report sections this version computes: now, rejected_lines and requests."""
    requests = {
        app: dict(sorted(classes.items()))
        for app, classes in sorted(store.request_counts().items())
    }
    return {
        "scimwatch_report": 1,
        "now": iso_ms(store.newest_ts()),
        "rejected_lines": store.rejected_total(),
        "requests": requests,
    }
