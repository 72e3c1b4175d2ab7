"""The panel queries of the committed dashboards, as the tests in this directory read them.

The tests check the committed JSON (what Grafana loads), not the Python that built it: the
generation test separately proves the two agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


Options = Callable[[str], list[str]]  # a label_values(...) query -> the values it lists


def variable_values(dashboard: dict[str, Any], options: Options | None = None) -> dict[str, str]:
    """Each template variable's value as Grafana would substitute it at its default.

    A query variable at "All" is its allValue; without one, Grafana substitutes every option it
    lists, as a regex `(a|b)`: `options` answers its query (earlier variables substituted, as
    Grafana resolves chained variables in order). Without `options`, `.*` stands in for them.
    """
    values = dict(BUILTINS)
    for variable in dashboard.get("templating", {}).get("list", []):
        kind, name = variable["type"], variable["name"]
        if kind == "query" and "allValue" in variable:
            values[name] = variable["allValue"]
        elif kind == "query":
            listed = options(substitute(variable["query"], values)) if options else None
            values[name] = ".*" if listed is None else all_of(listed)
        elif kind == "constant":
            values[name] = variable["query"]
        elif kind == "custom":
            values[name] = variable["current"]["value"]
    return values


def all_of(listed: list[str]) -> str:
    """Grafana's "All" of a variable without an allValue, formatted for Prometheus."""
    escaped = [re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", value) for value in listed]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


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


def resolve(
    dashboards: dict[str, dict[str, Any]], options: Options | None = None
) -> list[tuple[PanelQuery, str]]:
    """Every panel query with its dashboard's variables substituted: ready for Prometheus."""
    values = {uid: variable_values(dashboard, options) for uid, dashboard in dashboards.items()}
    return [
        (query, substitute(query.expr, values[query.dashboard])) for query in queries(dashboards)
    ]


@pytest.fixture(scope="session")
def promql(dashboards: dict[str, dict[str, Any]]) -> list[tuple[PanelQuery, str]]:
    """Every panel query, variables at "All" (`.*` standing in for a listed "All")."""
    return resolve(dashboards)


@pytest.fixture(scope="session")
def promql_with(
    dashboards: dict[str, dict[str, Any]],
) -> Callable[[Options], list[tuple[PanelQuery, str]]]:
    """`promql`, with each listed "All" resolved by `options` (a live Prometheus)."""
    return lambda options: resolve(dashboards, options)
