"""The few lines `scimwatch replay` prints after writing the report: what needs attention."""

from __future__ import annotations

from collections import Counter
from statistics import median, quantiles

__all__ = ["duration", "summarize_report"]


def duration(seconds: float) -> str:
    """`42s`, `17m`, `3h05m`, `2d04h`: lag as people say it."""
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    return f"{int(seconds // 86400)}d{int(seconds % 86400 // 3600):02d}h"


def summarize_report(report: dict[str, object]) -> str:
    requests = report.get("requests")
    classes = requests if isinstance(requests, dict) else {}
    total = sum(sum(c.values()) for c in classes.values())
    lines = [
        f"scimwatch: {total} SCIM requests in {len(classes)} apps, "
        f"{report.get('rejected_lines')} rejected lines, now={report.get('now')}"
    ]
    deprovisions = [d for d in _list(report.get("deprovisions")) if isinstance(d, dict)]
    if deprovisions:
        lines.append(_deprovisions(deprovisions))
    found = Counter(
        str(f.get("type")) for f in _list(report.get("findings")) if isinstance(f, dict)
    )
    if found:
        lines.append("findings: " + ", ".join(f"{kind} {n}" for kind, n in sorted(found.items())))
    return "\n".join(lines)


def _deprovisions(items: list[dict[str, object]]) -> str:
    pending = sum(1 for d in items if d.get("status") == "pending")
    overdue = sum(1 for d in items if d.get("overdue"))
    lags = sorted(lag for d in items if isinstance(lag := d.get("lag_seconds"), int | float))
    text = (
        f"deprovisions: {len(items)} ({len(items) - pending} confirmed, {pending} pending; "
        f"{overdue} overdue)"
    )
    if len(lags) >= 2:
        p95 = quantiles(lags, n=20)[-1]
        text += f"; lag median {duration(median(lags))}, p95 {duration(p95)}"
    return text


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
