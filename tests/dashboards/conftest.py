"""The panel queries of the committed dashboards, as the tests in this directory read them.

The tests check the committed JSON (what Grafana loads), not the Python that built it: the
generation test separately proves the two agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from dashboards.build import JSON_DIR

# What Grafana substitutes before a query reaches Prometheus, for a test evaluation: every
# label variable at "All" (its allValue), windows long enough to cover a short test run.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


@dataclass(frozen=True, slots=True)
class PanelQuery:
    dashboard: str
    panel: str
    ref: str
    expr: str  # as committed, with Grafana variables

    def __str__(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref}"


def load_dashboards() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(JSON_DIR.glob("*.json"))
    }


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))  # panels inside a collapsed row
    return found


def queries(dashboards: dict[str, dict[str, Any]]) -> list[PanelQuery]:
    return [
        PanelQuery(uid, panel["title"], target.get("refId", ""), target["expr"])
        for uid, dashboard in dashboards.items()
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]


def variable_values(dashboard: dict[str, Any]) -> dict[str, str]:
    """Each template variable's value as Grafana would substitute it at its default."""
    values = dict(BUILTINS)
    for variable in dashboard.get("templating", {}).get("list", []):
        kind, name = variable["type"], variable["name"]
        if kind == "query":
            values[name] = variable["allValue"]
        elif kind == "constant":
            values[name] = variable["query"]
        elif kind == "custom":
            values[name] = variable["current"]["value"]
    return values


def substitute(expr: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"undefined variable ${name} in {expr}")
        return values[name]

    return _VARIABLE.sub(one, expr)


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict[str, Any]]:
    found = load_dashboards()
    assert found, f"no dashboards in {JSON_DIR}; run python -m dashboards.build"
    return found


@pytest.fixture(scope="session")
def panel_queries(dashboards: dict[str, dict[str, Any]]) -> list[PanelQuery]:
    return queries(dashboards)


@pytest.fixture(scope="session")
def all_panels(dashboards: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(dashboard uid, panel) for every panel, rows included."""
    return [(uid, panel) for uid, dashboard in dashboards.items() for panel in panels(dashboard)]


@pytest.fixture(scope="session")
def promql(dashboards: dict[str, dict[str, Any]]) -> list[tuple[PanelQuery, str]]:
    """Every panel query with its dashboard's variables substituted: ready for Prometheus."""
    return [
        (query, substitute(query.expr, variable_values(dashboards[query.dashboard])))
        for query in queries(dashboards)
    ]
