"""The committed dashboards are the builders' output and only show metrics scimwatch exports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from alerts.catalog import CATALOG, RUNBOOKS_URL
from dashboards.build import JSON_DIR, build_all, render, write_all
from monitor.store.sql import SqlStore
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.state import StateCollector

_NAME = re.compile(r"\bscimwatch_[a-z0-9_]+")
_USES = re.compile(r"\$\{?(\w+)")
DOCS = Path(__file__).parents[2] / "docs" / "dashboards.md"
# Dashboards without the `app` and `idp` variables, and why (docs/dashboards.md says the same).
NO_APP_IDP = {
    "scimwatch-collectors": "collector metrics carry only `collector`; a source's name is free "
    "text and IdP-wide sources have no app, so no PromQL can tie a collector to an app or IdP",
}
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorRegistry]:
    """What a daemon registers: the event metrics and the scrape-time gauges over a store."""
    registry = CollectorRegistry()
    Metrics(registry)
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('db') / 'state.db'}")
    registry.register(StateCollector(store, apps=["crm"], slo=lambda _app: 3600.0, now=lambda: 0))
    yield registry
    store.close()


@pytest.fixture(scope="module")
def exported(registry: CollectorRegistry) -> dict[str, str]:
    """Series names a scrape can contain, each mapped to its metric family."""
    names = {}
    for family in registry.collect():
        for suffix in _SUFFIXES[family.type]:
            names[family.name + suffix] = family.name
    return names


def referenced(expr: str) -> set[str]:
    return set(_NAME.findall(expr))


def test_committed_json_is_what_the_builders_write(tmp_path: Path) -> None:
    written = {path.name: path.read_text(encoding="utf-8") for path in write_all(tmp_path)}
    committed = {path.name: path.read_text(encoding="utf-8") for path in JSON_DIR.glob("*.json")}
    assert sorted(written) == sorted(committed), "run python -m dashboards.build"
    stale = [name for name, text in written.items() if committed[name] != text]
    assert not stale, f"stale dashboards {stale}: run python -m dashboards.build"


def test_every_queried_metric_is_exported(
    panel_queries: list[Any], exported: dict[str, str]
) -> None:
    unknown = {str(query): referenced(query.expr) - exported.keys() for query in panel_queries}
    assert not {where: names for where, names in unknown.items() if names}


def test_the_check_sees_an_unknown_metric(exported: dict[str, str]) -> None:
    expr = "sum(rate(scimwatch_scim_requests_total[5m])) / sum(scimwatch_no_such_total)"
    assert referenced(expr) - exported.keys() == {"scimwatch_no_such_total"}


def test_every_exported_metric_is_on_a_dashboard(
    panel_queries: list[Any], exported: dict[str, str]
) -> None:
    shown = {exported[name] for query in panel_queries for name in referenced(query.expr)}
    assert set(exported.values()) - shown == set()


def test_template_variables_query_metrics_that_exist(
    dashboards: dict[str, dict[str, Any]], exported: dict[str, str]
) -> None:
    for uid, dashboard in dashboards.items():
        variables = dashboard["templating"]["list"]
        assert variables[0]["name"] == "datasource", uid
        for variable in variables:
            if variable["type"] == "query":
                assert variable["query"].startswith("label_values("), variable
                assert referenced(variable["query"]) <= exported.keys(), variable


def test_every_panel_is_described_and_queries_the_chosen_datasource(
    dashboards: dict[str, dict[str, Any]], all_panels: list[tuple[str, dict[str, Any]]]
) -> None:
    for uid in dashboards:
        ids = [panel["id"] for owner, panel in all_panels if owner == uid]
        assert ids and len(set(ids)) == len(ids), f"{uid}: panel ids {ids}"
    for uid, panel in all_panels:
        where = f"{uid} / {panel['title']}"
        assert panel.get("description", "").strip(), f"{where}: no description"
        assert panel["datasource"]["uid"] == "${datasource}", where
        targets = panel["targets"]
        assert targets, f"{where}: no query"
        refs = [target["refId"] for target in targets]
        assert all(refs) and len(set(refs)) == len(refs), f"{where}: refIds {refs}"
        assert all(t["datasource"]["uid"] == "${datasource}" for t in targets), where


def test_every_query_substitutes_completely(promql: list[tuple[Any, str]]) -> None:
    assert promql
    for query, expr in promql:
        assert "$" not in expr and "scimwatch_" in expr, query


def test_every_dashboard_links_the_runbooks(dashboards: dict[str, dict[str, Any]]) -> None:
    """The folder link is the alerts' own default, so a notification and a dashboard open the
    same runbook."""
    assert RUNBOOKS_URL.endswith("/docs/runbooks/")
    for uid, dashboard in dashboards.items():
        urls = [link.get("url", "") for link in dashboard["links"]]
        assert RUNBOOKS_URL in urls, uid
        assert dashboard["uid"] == uid and "scimwatch" in dashboard["tags"]


def test_panel_links_open_a_catalog_alerts_runbook(
    all_panels: list[tuple[str, dict[str, Any]]],
) -> None:
    """Which panels link which runbook is tests/rules/test_alert_coverage.py's; here, the form."""
    names = {rule.name for rule in CATALOG}
    linked = set()
    for uid, panel in all_panels:
        for link in panel.get("links", []):
            name = link["url"].removeprefix(RUNBOOKS_URL).removesuffix(".md")
            assert link["url"] == f"{RUNBOOKS_URL}{name}.md" and name in names, (uid, link)
            assert link["title"] == f"Runbook: {name}" and link["targetBlank"] is True
            linked.add(name)
    assert linked == names


def test_the_runbooks_url_option_moves_every_link() -> None:
    mirror = "https://git.example.com/scimwatch/-/blob/main/docs/runbooks"  # no trailing slash
    for dashboard in build_all(runbooks_url=mirror):
        text = render(dashboard)
        assert RUNBOOKS_URL not in text
        assert f'"url": "{mirror}/"' in text
        for name in re.findall(r'"title": "Runbook: (\w+)"', text):
            assert f'"url": "{mirror}/{name}.md"' in text


def _variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def test_every_dashboard_has_app_and_idp_variables_or_a_documented_exception(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for uid, dashboard in dashboards.items():
        names = set(_variables(dashboard))
        if uid in NO_APP_IDP:
            assert not names & {"app", "idp"}, f"{uid} has them now: drop the exception"
            assert f"`{uid}`" in docs.split("## Variables and links")[1], f"document {uid}"
        else:
            assert {"app", "idp"} <= names, uid


def test_variables_are_chained_in_order_and_used(
    dashboards: dict[str, dict[str, Any]], all_panels: list[tuple[str, dict[str, Any]]]
) -> None:
    """A variable only narrows another when Grafana resolves it first, and a variable no
    query reads is a filter that filters nothing."""
    for uid, dashboard in dashboards.items():
        seen: set[str] = set()
        exprs = [t["expr"] for owner, panel in all_panels if owner == uid for t in panel["targets"]]
        used = {name for expr in exprs for name in _USES.findall(expr)}
        for name, variable in _variables(dashboard).items():
            if variable["type"] == "query":
                refs = set(_USES.findall(variable["query"]))
                assert refs <= seen, f"{uid}: ${name} reads {refs - seen} before they exist"
                used |= refs
            seen.add(name)
        assert {n for n, v in _variables(dashboard).items() if v["type"] == "query"} <= used, uid


def test_an_app_variable_narrowed_by_the_idp_narrows_all_too(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    """With allValue `.*`, "All" apps would ignore the chosen IdP: Grafana substitutes the
    allValue, not the options. Findings' panels must follow the IdP, so "All" is the options."""
    chained = []
    for uid, dashboard in dashboards.items():
        variables = _variables(dashboard)
        app = variables.get("app")
        if app is not None and "$idp" in app["query"]:
            chained.append(uid)
            assert "allValue" not in app and app["includeAll"] is True, uid
            assert list(variables).index("idp") < list(variables).index("app"), uid
            assert "$app" not in variables["idp"]["query"], uid
    assert chained == ["scimwatch-findings"]


def test_every_catalog_alert_has_its_signal_on_a_dashboard(panel_queries: list[Any]) -> None:
    """An alert fired: the dashboards must show the series its rule looks at."""
    shown = {name for query in panel_queries for name in referenced(query.expr)}
    missing = {rule.name: referenced(rule.expr) - shown for rule in CATALOG}
    assert not {name: metrics for name, metrics in missing.items() if metrics}
