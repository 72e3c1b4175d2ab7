"""A one-page status view: what an on-call engineer wants to see before reading numbers."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from prometheus_client import CollectorRegistry

from monitor.telemetry.metrics import COLLECTOR_UP, INGEST_LINES, INGEST_REJECTED

__all__ = ["render_status"]

_COLOURS = {
    "ok": "#2e7d32",
    "auth_error": "#6a1b9a",
    "not_found": "#8d6e63",
    "conflict": "#ef6c00",
    "throttled": "#f9a825",
    "client_error": "#c62828",
    "server_error": "#b71c1c",
}
_STYLE = """
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
table{border-collapse:collapse;width:100%;margin-bottom:2em}
td,th{padding:.35em .6em;border-bottom:1px solid #ddd;text-align:left}
.bar{display:flex;height:1.1em;width:24em;background:#eee}
.bar span{display:block;height:100%}
.down{color:#b71c1c;font-weight:600}.up{color:#2e7d32}
.legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
"""


def _bar(classes: dict[str, int]) -> str:
    total = sum(classes.values()) or 1
    parts = "".join(
        f'<span title="{escape(name)}: {n}" style="width:{100 * n / total:.2f}%;'
        f'background:{_COLOURS.get(name, "#555")}"></span>'
        for name, n in sorted(classes.items(), key=lambda item: item[0] != "ok")
        if n
    )
    return f'<div class="bar">{parts}</div>'


def _apps_table(requests: dict[str, dict[str, int]]) -> str:
    rows = []
    for app, classes in sorted(requests.items()):
        total = sum(classes.values())
        failed = total - classes.get("ok", 0)
        share = f"{100 * failed / total:.1f}%" if total else "-"
        rows.append(
            f"<tr><td>{escape(app)}</td><td>{total}</td><td>{share}</td>"
            f"<td>{_bar(classes)}</td></tr>"
        )
    legend = "".join(f'<span><i style="background:{c}"></i>{n}</span>' for n, c in _COLOURS.items())
    return (
        "<h2>SCIM requests by app</h2><table><tr><th>app</th><th>requests</th>"
        "<th>not ok</th><th>outcomes</th></tr>"
        + "".join(rows)
        + f'</table><p class="legend">{legend}</p>'
    )


def _sources_table(registry: CollectorRegistry) -> str:
    rows = []
    names = sorted(
        {
            s.labels["collector"]
            for m in registry.collect()
            if m.name == COLLECTOR_UP
            for s in m.samples
        }
    )
    for name in names:
        up = registry.get_sample_value(COLLECTOR_UP, {"collector": name})
        lines = registry.get_sample_value(INGEST_LINES, {"source": name}) or 0
        rejected = sum(
            s.value
            for m in registry.collect()
            if m.name + "_total" == INGEST_REJECTED
            for s in m.samples
            if s.name == INGEST_REJECTED and s.labels.get("source") == name
        )
        state = '<span class="up">up</span>' if up == 1 else '<span class="down">down</span>'
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{state}</td><td>{lines:.0f}</td>"
            f"<td>{rejected:.0f}</td></tr>"
        )
    return (
        "<h2>Sources</h2><table><tr><th>source</th><th>state</th><th>lines read</th>"
        "<th>rejected</th></tr>" + "".join(rows) + "</table>"
    )


def render_status(
    report: Mapping[str, object],
    checks: dict[str, str],
    registry: CollectorRegistry,
    attention: str = "",
) -> str:
    requests = report.get("requests")
    ready = all(v == "ok" for v in checks.values())
    problems = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in checks.items() if v != "ok")
    head = (
        '<p class="up">Ready.</p>' if ready else f'<p class="down">Not ready</p><ul>{problems}</ul>'
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>scimwatch</title>"
        f"<meta http-equiv='refresh' content='10'><style>{_STYLE}</style></head><body>"
        f"<h1>scimwatch</h1>{head}<p>Newest event: {escape(str(report.get('now')))} · "
        f"rejected lines: {escape(str(report.get('rejected_lines')))} · "
        f"<a href='/metrics'>/metrics</a> · <a href='/api/v1/report'>report</a> · "
        f"<a href='/api/docs'>API</a></p>{attention}"
        f"{_apps_table(requests if isinstance(requests, dict) else {})}"
        f"{_sources_table(registry)}</body></html>"
    )
