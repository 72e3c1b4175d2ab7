"""The part of the status page that asks for action: zombie risk first, then open findings."""

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


def attention(
    *,
    pending: Iterable[tuple[str, float]],
    open_findings: Mapping[tuple[str, str], int],
    now: float,
    slo: Callable[[str], float],
) -> str:
    return _deprovisions(pending, now, slo) + _findings(open_findings)
