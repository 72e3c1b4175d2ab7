"""The part of the status page that asks for action: firing alerts, zombie risk, open findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from html import escape

from monitor.summary import duration

__all__ = ["attention"]


def _deprovisions(
    pending: Iterable[tuple[str, float]], now: float, slo: Callable[[str], float]
) -> str:
    by_app: dict[str, list[float]] = {}
    for app, requested in pending:
        by_app.setdefault(app, []).append(now - requested)
    if not by_app:
        return "<h2>Deprovisions</h2><p class='up'>Nothing pending.</p>"
    rows = []
    for app, ages in sorted(by_app.items(), key=lambda item: -max(item[1])):
        overdue = sum(1 for age in ages if age > slo(app))
        state = f"<span class='down'>{overdue} overdue</span>" if overdue else "within SLO"
        rows.append(
            f"<tr><td>{escape(app)}</td><td>{len(ages)}</td><td>{state}</td>"
            f"<td>{duration(max(ages))}</td>"
            f"<td><a href='/api/v1/deprovisions?app={escape(app)}&amp;status=pending'>"
            f"list</a></td></tr>"
        )
    return (
        "<h2>Deprovisions pending</h2><table><tr><th>app</th><th>pending</th><th>SLO</th>"
        "<th>oldest</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def _findings(open_findings: Mapping[tuple[str, str], int]) -> str:
    if not open_findings:
        return "<h2>Findings</h2><p class='up'>None open.</p>"
    rows = "".join(
        f"<tr><td>{escape(app or '(IdP)')}</td><td>{escape(kind)}</td><td>{n}</td>"
        f"<td><a href='/api/v1/findings?type={escape(kind)}&amp;status=open"
        f"{'&amp;app=' + escape(app) if app else ''}'>list</a></td></tr>"
        for (app, kind), n in sorted(open_findings.items())
    )
    return (
        "<h2>Open findings</h2><table><tr><th>app</th><th>type</th><th>open</th><th></th>"
        "</tr>" + rows + "</table>"
    )


_SEVERITY = {"critical": 0, "warning": 1, "info": 2}


def alerts_section(items: Iterable[Mapping[str, object]]) -> str:
    """Firing alerts, critical first; silenced and inhibited ones say so instead of hiding."""
    rows = []
    ordered = sorted(
        items,
        key=lambda i: (_SEVERITY.get(str(_labels(i).get("severity")), 3), str(i.get("starts_at"))),
    )
    for item in ordered:
        labels = _labels(item)
        notes = item.get("annotations")
        summary = notes.get("summary", "") if isinstance(notes, Mapping) else ""
        state = str(item.get("state"))
        css = "down" if state == "active" and labels.get("severity") == "critical" else ""
        rows.append(
            f"<tr><td class='{css}'>{escape(str(labels.get('severity', '')))}</td>"
            f"<td>{escape(str(labels.get('alertname', '')))}</td>"
            f"<td>{escape(str(labels.get('app', labels.get('collector', ''))))}</td>"
            f"<td>{escape(str(summary))}</td><td>{escape(state)}</td></tr>"
        )
    if not rows:
        return "<h2>Alerts</h2><p class='up'>Nothing firing.</p>"
    return (
        f"<h2>Alerts firing ({len(rows)})</h2><table><tr><th>severity</th><th>alert</th>"
        "<th>app</th><th>summary</th><th>state</th></tr>"
        + "".join(rows)
        + "</table><p><a href='/api/v1/alerts'>all alerts</a> · "
        "<a href='/api/v1/silences'>silences</a></p>"
    )


def _labels(item: Mapping[str, object]) -> Mapping[str, object]:
    labels = item.get("labels")
    return labels if isinstance(labels, Mapping) else {}


def attention(
    *,
    pending: Iterable[tuple[str, float]],
    open_findings: Mapping[tuple[str, str], int],
    now: float,
    slo: Callable[[str], float],
) -> str:
    return _deprovisions(pending, now, slo) + _findings(open_findings)
