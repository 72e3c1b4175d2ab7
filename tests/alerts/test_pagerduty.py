"""PagerDuty Events v2 notifier against the fake Events API (tests/fakes/fake_pagerduty.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from alerts.notifiers import NotifyError, Reason

Kit = Any


@pytest.fixture
def pd(harness_for: Callable[[str], tuple[Any, str]]) -> tuple[Any, Callable[..., Any]]:
    harness, base = harness_for("pagerduty")
    return harness.fake, lambda **options: harness.build(base, **options)


def test_trigger_once_resolve_once_with_one_stable_dedup_key(pd: Any, kit: Kit) -> None:
    fake, build = pd
    notifier = build()
    first = kit.alert()
    opening = kit.notification(first)
    assert notifier.notify(opening) == {}
    second = kit.alert(user="bob")
    notifier.notify(kit.notification(first, second, id="n-2", new=frozenset({second.fingerprint})))
    build().notify(  # a restarted daemon resolves the same incident
        kit.notification(resolved=(kit.alert(resolved_at=1_767_226_000.0),), id="n-3")
    )
    key = hashlib.sha256(opening.group_key.encode()).hexdigest()
    assert [e["dedup_key"] for e in fake.events] == [key, key, key]
    assert [e["event_action"] for e in fake.events] == ["trigger", "trigger", "resolve"]
    incident = fake.incidents[key]
    assert (incident.opened, incident.triggers, incident.resolved, incident.open) == (
        1,
        2,
        1,
        False,
    )
    assert fake.events[2] == {
        "routing_key": kit.PD_KEY,
        "dedup_key": key,
        "event_action": "resolve",
    }


def test_trigger_payload(pd: Any, kit: Kit) -> None:
    fake, build = pd
    alerts = (
        kit.alert(severity="warning", runbook_url="https://runbooks.example.com/a"),
        kit.alert(user="bob", severity="critical", runbook_url="https://runbooks.example.com/a"),
    )
    build().notify(kit.notification(*alerts))
    event = fake.events[0]
    payload = event["payload"]
    assert payload["severity"] == "critical"
    assert payload["source"] == "scimwatch"
    assert payload["summary"].startswith("[FIRING:2] ScimAuthFailing")
    assert payload["component"] == "acme"
    assert payload["timestamp"] == "2025-12-31T23:50:00.000Z"
    details = payload["custom_details"]
    assert (details["num_firing"], details["num_resolved"], details["resolved"]) == (2, 0, [])
    assert [d["labels"].get("user") for d in details["firing"]] == [None, "bob"]
    assert event["links"] == [
        {"href": "https://runbooks.example.com/a", "text": "Runbook: ScimAuthFailing"},
        {"href": "https://scimwatch.example.com/alerts", "text": "Open in scimwatch"},
    ]
    assert event["client_url"] == "https://scimwatch.example.com/alerts"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("critical", "critical"),
        ("page", "critical"),
        ("warn", "warning"),
        ("low", "info"),
        ("whatever", "error"),
    ],
)
def test_severity_mapping(pd: Any, kit: Kit, label: str, expected: str) -> None:
    fake, build = pd
    build().notify(kit.notification(kit.alert(severity=label)))
    assert fake.events[0]["payload"]["severity"] == expected


def test_summary_is_cut_to_the_documented_limit_and_emails_masked(pd: Any, kit: Kit) -> None:
    fake, build = pd
    build(mask_emails=True).notify(
        kit.notification(kit.alert(summary="jane@example.com " + "x" * 2000))
    )
    summary = fake.events[0]["payload"]["summary"]
    assert len(summary) == 1024 and summary.endswith("…")
    assert "jane@" not in str(fake.events[0]) and "j***@example.com" in summary


def test_rejected_event_is_not_recoverable_and_names_no_key(
    harness_for: Callable[[str], tuple[Any, str]], kit: Kit
) -> None:
    harness, base = harness_for("pagerduty")
    harness.fake.routing_keys = {"some-other-key"}
    with pytest.raises(NotifyError) as caught:
        harness.build(base).notify(kit.notification(kit.alert()))
    err = caught.value
    assert (err.reason, err.recoverable) == (Reason.CLIENT_ERROR, False)
    assert "Invalid routing key" in str(err)
    assert kit.PD_KEY not in str(err)
