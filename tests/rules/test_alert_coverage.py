"""Every catalog alert has all three: a generated rule, a runbook and a dashboard panel.

The panel rule, label-level: an alert's signal is the first vector selector of its PromQL (the
series its threshold reads; selectors after `and`/`unless` only guard it), e.g.
`scimwatch_findings_open{type="digital_twin"}`. A panel query shows that signal when it
selects the same metric and, for every label the alert's selector pins (`type`, `outcome`):

- the panel's selector pins the same value (`type="digital_twin"`), or
- the panel's selector admits the value (no matcher on the label, or `!=`, `=~`, `!~` matchers
  that let it through) AND the label survives every aggregation around the selector
  (`sum by (type) (...)`, or no aggregation at all), so the value is a series of its own.

So `sum(scimwatch_findings_open)` does not show DigitalTwin (the twins are summed into every
other type), `sum by (type) (scimwatch_findings_open)` does, and `sum by (type)
(scimwatch_findings_open{type!="digital_twin"})` does not. Labels the dashboards filter with
template variables (`app`, `idp`) are not pinned by any alert, so the variables never decide.
Every panel showing an alert's signal also links to its runbook, and no panel links to the
runbook of an alert it does not show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.catalog import CATALOG, RUNBOOKS, RUNBOOKS_URL, AlertRule
from alerts.promrules import OUT as RULES_FILE
from dashboards.build import JSON_DIR

ROOT = Path(__file__).parents[2]
_SELECTOR = re.compile(r"(?<![\w:])(scimwatch_[a-z0-9_]+)(?![\w:])\s*(\{[^}]*\})?")
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_AGGREGATIONS = "sum|min|max|avg|count|group|stddev|stdvar|quantile|count_values"
_GROUPED_BEFORE = re.compile(rf"\b(?:{_AGGREGATIONS})\s*(by|without)\s*\(([^()]*)\)\s*$")
_PLAIN_BEFORE = re.compile(rf"\b(?:{_AGGREGATIONS})\s*$")
_GROUPED_AFTER = re.compile(r"^\s*(by|without)\s*\(([^()]*)\)")


@dataclass(frozen=True, slots=True)
class Selector:
    """One vector selector in a query, and what the aggregations around it keep."""

    metric: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value)
    groupings: tuple[tuple[str, frozenset[str]], ...]  # ("by"|"without"|"all", labels)

    def pins(self, label: str, value: str) -> bool:
        return (label, "=", value) in self.matchers

    def admits(self, label: str, value: str) -> bool:
        for name, op, pattern in self.matchers:
            if name != label:
                continue
            if (op == "=" and value != pattern) or (op == "!=" and value == pattern):
                return False
            full = re.fullmatch(pattern, value) is not None if op in ("=~", "!~") else None
            if (op == "=~" and not full) or (op == "!~" and full):
                return False
        return True

    def keeps(self, label: str) -> bool:
        """Whether `label` is still a series label after every enclosing aggregation."""
        for kind, labels in self.groupings:
            if kind == "all" or (kind == "by") != (label in labels):
                return False
        return True

    def shows(self, signal: Selector) -> bool:
        if self.metric != signal.metric:
            return False
        return all(
            self.pins(label, value) or (self.admits(label, value) and self.keeps(label))
            for label, _op, value in signal.matchers
        )


def _closing(expr: str) -> dict[int, int]:
    """Position of each `(` -> position of its `)`."""
    stack, pairs = [], {}
    for i, char in enumerate(expr):
        if char == "(":
            stack.append(i)
        elif char == ")":
            pairs[stack.pop()] = i
    assert not stack, f"unbalanced parentheses: {expr}"
    return pairs


def _labels(text: str) -> frozenset[str]:
    return frozenset(label.strip() for label in text.split(",") if label.strip())


def _groupings(expr: str, at: int, pairs: dict[int, int]) -> tuple[tuple[str, frozenset[str]], ...]:
    """The aggregations whose argument holds position `at`, innermost first."""
    found = []
    for start, end in sorted(pairs.items(), reverse=True):
        if not start < at < end:
            continue
        before, after = expr[:start], expr[end + 1 :]
        if grouped := _GROUPED_BEFORE.search(before):
            found.append((grouped.group(1), _labels(grouped.group(2))))
        elif _PLAIN_BEFORE.search(before):
            suffix = _GROUPED_AFTER.match(after)
            found.append(
                (suffix.group(1), _labels(suffix.group(2))) if suffix else ("all", _labels(""))
            )
    return tuple(found)


def selectors(expr: str) -> list[Selector]:
    pairs = _closing(expr)
    return [
        Selector(
            metric=match.group(1),
            matchers=tuple(_MATCHER.findall(match.group(2) or "")),
            groupings=_groupings(expr, match.start(), pairs),
        )
        for match in _SELECTOR.finditer(expr)
    ]


def signal(rule: AlertRule) -> Selector:
    lead = selectors(rule.expr)[0]
    assert all(op == "=" for _label, op, _value in lead.matchers), (
        f"{rule.name}: only equality matchers are understood by this test: {rule.expr}"
    )
    return lead


@dataclass(frozen=True, slots=True)
class Panel:
    dashboard: str
    title: str
    exprs: tuple[str, ...]
    links: frozenset[str]

    def shows(self, rule: AlertRule) -> bool:
        wanted = signal(rule)
        return any(s.shows(wanted) for expr in self.exprs for s in selectors(expr))


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # panels inside a collapsed row


@pytest.fixture(scope="module")
def panels() -> list[Panel]:
    found = []
    for path in sorted(JSON_DIR.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in _panels(dashboard):
            exprs = tuple(t["expr"] for t in panel.get("targets", []))
            links = frozenset(link["url"] for link in panel.get("links", []))
            found.append(Panel(path.stem, panel["title"], exprs, links))
    assert found, f"no dashboards in {JSON_DIR}"
    return found


@pytest.fixture(scope="module")
def generated_alerts() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["groups"]
    return {r["alert"]: r for group in groups for r in group["rules"] if "alert" in r}


def runbook_url(rule: AlertRule) -> str:
    return f"{RUNBOOKS_URL}{rule.name}.md"


@pytest.mark.parametrize("rule", CATALOG, ids=lambda rule: rule.name)
def test_alert_has_a_rule_a_runbook_and_a_linked_panel(
    rule: AlertRule, generated_alerts: dict[str, dict[str, Any]], panels: list[Panel]
) -> None:
    generated = generated_alerts.get(rule.name)
    assert generated is not None, f"{rule.name} is not in {RULES_FILE.name}: regenerate it"
    assert generated["expr"] == rule.expr and generated["labels"]["severity"] == rule.severity
    assert generated["annotations"]["runbook_url"].endswith(f"/{rule.name}.md")
    runbook = ROOT / RUNBOOKS / f"{rule.name}.md"
    assert runbook.is_file() and runbook.read_text(encoding="utf-8").startswith(f"# {rule.name}")
    showing = [panel for panel in panels if panel.shows(rule)]
    assert showing, f"no panel shows {signal(rule)}"
    unlinked = [f"{p.dashboard} / {p.title}" for p in showing if runbook_url(rule) not in p.links]
    assert not unlinked, f"panels showing {rule.name} without its runbook link: {unlinked}"


def test_panels_link_only_the_runbooks_of_alerts_they_show(panels: list[Panel]) -> None:
    by_url = {runbook_url(rule): rule for rule in CATALOG}
    stray = {
        f"{panel.dashboard} / {panel.title}": url
        for panel in panels
        for url in panel.links
        if url not in by_url or not panel.shows(by_url[url])
    }
    assert not stray


def _digital_twin() -> AlertRule:
    [rule] = [rule for rule in CATALOG if rule.finding == "digital_twin"]
    return rule


@pytest.mark.parametrize(
    ("expr", "shows"),
    [
        ('sum(scimwatch_findings_open{type="digital_twin"})', True),
        ('scimwatch_findings_open{app=~"$app", type="digital_twin"}', True),
        ("sum by (type) (scimwatch_findings_open)", True),
        ('sum by (app, type) (scimwatch_findings_open{app=~"$app"})', True),
        ("sum(scimwatch_findings_open) by (type)", True),
        ("sum without (app) (scimwatch_findings_open)", True),
        ("scimwatch_findings_open", True),
        ('max by (type) (scimwatch_findings_open{type=~"digital_.*|recreate_churn"})', True),
        ("sum(scimwatch_findings_open)", False),
        ("sum by (app) (scimwatch_findings_open)", False),
        ("sum without (type) (scimwatch_findings_open)", False),
        ("sum(sum by (type) (scimwatch_findings_open))", False),
        ('sum by (type) (scimwatch_findings_open{type!="digital_twin"})', False),
        ('sum by (type) (scimwatch_findings_open{type=~"recreate_.*"})', False),
        ('sum(scimwatch_findings_open{type="recreate_churn"})', False),
        ('sum by (type) (increase(scimwatch_findings_total{type="digital_twin"}[1h]))', False),
    ],
)
def test_the_panel_rule_reads_label_selectors_and_breakdowns(expr: str, shows: bool) -> None:
    panel = Panel("test", "test", (expr,), frozenset())
    assert panel.shows(_digital_twin()) is shows


def test_a_ratio_shows_its_numerator_only_when_broken_down() -> None:
    [auth] = [rule for rule in CATALOG if rule.name == "ScimAuthFailing"]
    failed = 'sum(rate(scimwatch_scim_requests_total{outcome!~"ok|not_found"}[5m]))'
    total = "sum(rate(scimwatch_scim_requests_total[5m]))"
    by_outcome = 'sum by (outcome) (rate(scimwatch_scim_requests_total{outcome!="ok"}[5m]))'
    assert not Panel("t", "t", (f"{failed} / {total}",), frozenset()).shows(auth)
    assert Panel("t", "t", (by_outcome,), frozenset()).shows(auth)
    assert signal(auth).matchers == (("outcome", "=", "auth_error"),)  # not the `unless` guard
