"""The committed Prometheus rules are the catalog's, load in promtool and behave as specified."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.catalog import APP, CATALOG, RUNBOOKS, RUNBOOKS_URL, AlertRule
from alerts.catalog import rule as catalog_rule
from alerts.config import parse_duration
from alerts.promrules import BURN_RUNBOOK, OUT, Params, build, main, render, slo_bucket
from alerts.promtext import translate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.yml"))
_TOKEN = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_IDENTITY = ("app", "collector", "receiver", "kind")


def _rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _alerts() -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for r in _rules(build()) if "alert" in r}


def test_committed_file_is_a_fresh_build() -> None:
    committed = OUT.read_text(encoding="utf-8")
    assert committed == render(), "stale rules: run python -m alerts.promrules"


def test_check_flag_fails_on_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "rules.yml"
    assert main(["--out", str(out)]) == 0
    assert main(["--out", str(out), "--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert main(["--out", str(out), "--check"]) == 1


def test_every_catalog_alert_has_a_rule_with_its_expr_for_and_severity() -> None:
    alerts = _alerts()
    for entry in CATALOG:
        rule = alerts[entry.name]
        assert rule["expr"] == entry.expr
        assert rule["labels"] == {"severity": entry.severity, "source": "scimwatch"}
        assert parse_duration(rule.get("for", "0s")) == parse_duration(entry.for_)


def test_every_alert_is_annotated_and_links_an_existing_runbook() -> None:
    for name, entry in _alerts().items():
        notes = entry["annotations"]
        assert notes["summary"] and notes["description"], name
        assert entry["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert entry["labels"]["source"] == "scimwatch", name
        page = BURN_RUNBOOK if name.startswith("DeprovisionSlo") else f"{name}.md"
        assert notes["runbook_url"] == RUNBOOKS_URL + page, name  # <base><AlertName>.md
        path, _, anchor = page.partition("#")
        runbook = ROOT / RUNBOOKS / path
        assert runbook.is_file(), f"{name}: {runbook} missing"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", runbook.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{name}: no heading for #{anchor} in {runbook}"


def test_no_python_format_field_is_left_in_an_annotation() -> None:
    for name, rule in _alerts().items():
        for text in rule["annotations"].values():
            assert not re.search(r"(?<!\{)\{\w+\}(?!\})", text), (name, text)
            assert "  " not in text, (name, text)


def test_every_metric_in_a_rule_is_exported_or_recorded(exported: set[str]) -> None:
    rules = _rules(build())
    recorded = {r["record"] for r in rules if "record" in r}
    for rule in rules:
        tokens = set(_TOKEN.findall(rule["expr"]))
        unknown = {t for t in tokens if t.startswith("scimwatch_") and t not in exported}
        unknown |= {t for t in tokens if ":" in t and t not in recorded}
        assert not unknown, (rule.get("alert") or rule.get("record"), unknown)


def test_every_metric_in_a_runbook_query_is_exported_or_recorded(exported: set[str]) -> None:
    recorded = {r["record"] for r in _rules(build()) if "record" in r}
    for path in sorted((ROOT / "docs" / "runbooks").glob("*.md")):
        blocks = re.findall(r"```promql\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
        tokens = set(_TOKEN.findall("\n".join(blocks)))
        unknown = {t for t in tokens if t.startswith("scimwatch_") and t not in exported}
        unknown |= {t for t in tokens if ":" in t and t not in recorded}
        assert not unknown, (path.name, unknown)


def test_the_metric_check_sees_an_unknown_name(exported: set[str]) -> None:
    tokens = set(_TOKEN.findall("rate(scimwatch_no_such_total[5m]) / scimwatch_collector_up"))
    assert {t for t in tokens if t.startswith("scimwatch_")} - exported == {
        "scimwatch_no_such_total"
    }


def test_slo_bucket_is_the_largest_bound_within_the_slo() -> None:
    assert slo_bucket(3600) == "3600.0"
    assert slo_bucket(5000) == "3600.0"
    assert slo_bucket(1800) == "1800.0"
    with pytest.raises(ValueError):
        slo_bucket(30)


def test_parameters_reach_the_rules() -> None:
    doc = build(Params(slo_target=0.999, slo_seconds=900, runbook_base_url="https://wiki/rb/"))
    text = yaml.safe_dump(doc)
    assert 'le="900.0"' in text and 'le="3600.0"' not in text
    fast = next(r for r in _rules(doc) if r.get("alert") == "DeprovisionSloFastBurn")
    assert "> 0.0144 " in fast["expr"]  # 14.4 x (1 - 0.999)
    assert fast["annotations"]["runbook_url"].startswith("https://wiki/rb/DeprovisionOverdue.md")
    with pytest.raises(ValueError):
        Params(slo_target=1.0)


def test_an_unknown_template_field_is_refused() -> None:
    entry = AlertRule(
        "X", "warning", "{app} lost {mystery}", "", "finding", "sum by (app) (x)", "", APP
    )
    with pytest.raises(ValueError, match="mystery"):
        translate(entry.summary, entry)


_BY_CLAUSE = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def test_expressions_aggregate_only_by_declared_labels() -> None:
    """Every `by (...)` of a catalog expression lists labels its entry declares, in order, so
    a Prometheus alert never groups on a label the daemon's alert lacks."""
    for entry in CATALOG:
        for clause in _BY_CLAUSE.findall(entry.expr):
            labels = [label.strip() for label in clause.split(",")]
            assert labels == [x for x in entry.labels if x in labels], (entry.name, labels)


def test_exported_alert_labels_are_declared_in_the_catalog() -> None:
    """promtool checks the fixtures' expected labels exactly: those of each catalog alert are
    its declared labels (less `subject`, which no series has) plus severity and source."""
    seen: dict[str, set[str]] = {}
    for case in _cases():
        for check in case.get("alert_rule_test", []):
            for alert in check.get("exp_alerts") or []:
                seen.setdefault(check["alertname"], set()).update(alert["exp_labels"])
    for name, labels in seen.items():
        if name.startswith("DeprovisionSlo"):
            continue  # burn-rate alerts: not catalog entries
        declared = set(catalog_rule(name).labels) - {"subject"}
        assert labels - {"severity", "source"} <= declared, name
        assert "severity" in labels and "source" in labels, name


def test_promtool_check_rules(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "check", "rules", str(OUT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_promtool_unit_tests(promtool: str, fixture: Path) -> None:
    result = subprocess.run(
        [promtool, "test", "rules", fixture.name],
        cwd=fixture.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cases() -> list[dict[str, Any]]:
    return [case for path in FIXTURES for case in yaml.safe_load(path.read_text())["tests"]]


def _series_identities(case: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for series in case.get("input_series", []):
        for key, value in re.findall(r'(\w+)="([^"]*)"', series["series"]):
            if key in _IDENTITY:
                found.add((key, value))
    return found


def test_fixtures_cover_every_alert_firing_and_silent() -> None:
    """Each alert fires in some test whose input also holds a series that must stay silent."""
    covered = set()
    for case in _cases():
        inputs = _series_identities(case)
        for check in case.get("alert_rule_test", []):
            firing = {
                (k, str(v))
                for alert in check.get("exp_alerts") or []
                for k, v in alert["exp_labels"].items()
                if k in _IDENTITY
            }
            if firing and inputs - firing:
                covered.add(check["alertname"])
    assert set(_alerts()) - covered == set()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixtures_evaluate_recordings_before_alerts(fixture: Path) -> None:
    """Without group_eval_order promtool picks a random group order each run, and an alert
    evaluated before its recording reads a sample one interval old: past the 5m lookback at
    a 10m interval, the alert flickers off. Every group is listed, recordings first."""
    groups = [g["name"] for g in yaml.safe_load(OUT.read_text())["groups"]]
    order = yaml.safe_load(fixture.read_text()).get("group_eval_order", [])
    assert sorted(order) == sorted(groups)
    kinds = ["alert" in rule for name in order for rule in _rules_of(name)[:1]]
    assert kinds == sorted(kinds), f"recording groups must come first: {order}"


def _rules_of(group: str) -> list[dict[str, Any]]:
    groups = yaml.safe_load(OUT.read_text())["groups"]
    rules: list[dict[str, Any]] = next(g["rules"] for g in groups if g["name"] == group)
    return rules
