"""Matchers (Alertmanager syntax) and the routing tree."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.config import AlertingConfig, RouteConfig, parse_duration
from alerts.matchers import MatcherError, parse_matcher
from alerts.route import build_routes


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('app="crm"', {"app": "crm"}, True),
        ("app=crm", {"app": "CRM"}, False),
        ('app!="crm"', {}, True),
        ('severity=~"critical|warning"', {"severity": "warning"}, True),
        ('severity=~"crit"', {"severity": "critical"}, False),  # anchored
        ('app!~"test-.*"', {"app": "test-1"}, False),
        ('team=""', {}, True),  # a missing label is the empty string
        ('user="a \\"quoted\\" name"', {"user": 'a "quoted" name'}, True),
    ],
)
def test_matchers(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["app", "=crm", "1app=x", 'app="open', "app=~(", 'app={"x"}'])
def test_bad_matchers_say_why(text: str) -> None:
    with pytest.raises(MatcherError, match="bad"):
        parse_matcher(text)


@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
    op=st.sampled_from(["=", "!="]),
    value=st.text(max_size=20),
)
def test_printed_matchers_parse_back(name: str, op: str, value: str) -> None:
    matcher = parse_matcher(f"{name}{op}" + json.dumps(value))
    assert parse_matcher(str(matcher)) == matcher


@given(st.text(max_size=30))
def test_any_text_parses_to_a_stable_matcher_or_a_matcher_error(text: str) -> None:
    try:
        matcher = parse_matcher(text)
    except MatcherError as err:
        assert str(err).startswith("bad")
        return
    assert parse_matcher(str(matcher)) == matcher


def _tree() -> RouteConfig:
    return AlertingConfig.model_validate(
        {
            "route": {
                "receiver": "chat",
                "group_by": ["alertname", "app"],
                "group_wait": "10s",
                "routes": [
                    {
                        "matchers": ['severity="critical"'],
                        "receiver": "pager",
                        "group_wait": "0s",
                        "continue": True,
                    },
                    {"matchers": ["app=~hr-.*"], "receiver": "hr", "group_by": ["..."]},
                    {"matchers": ["app=~.*"], "receiver": "apps"},
                ],
            },
            "receivers": [{"name": n} for n in ("chat", "pager", "hr", "apps")],
        }
    ).route


def test_first_match_wins_unless_continue() -> None:
    root = build_routes(_tree())
    critical = {"alertname": "ScimAuthFailing", "severity": "critical", "app": "crm"}
    assert [r.receiver for r in root.match(critical)] == ["pager", "apps"]
    assert [r.receiver for r in root.match({"app": "hr-payroll"})] == ["hr"]
    assert [r.receiver for r in root.match({"collector": "okta"})] == ["apps"]  # app="" matches .*


def test_children_inherit_unset_options() -> None:
    root = build_routes(_tree())
    pager, hr, apps = root.children
    assert (pager.group_wait, pager.group_interval, pager.group_by) == (
        0.0,
        300.0,
        ("alertname", "app"),
    )
    assert (apps.group_wait, apps.repeat_interval) == (10.0, 14400.0)
    labels = {"alertname": "DigitalTwin", "app": "hr-x", "subject": "u1"}
    assert hr.group_labels(labels) == labels  # "..." groups by every label: no aggregation
    assert apps.group_key(labels) != hr.group_key(labels)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), (12, 12)]
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m5", "5 m", "-1s", "1h-", True, -3])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
