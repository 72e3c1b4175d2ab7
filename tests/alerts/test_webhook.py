"""The generic webhook: Alertmanager's version-4 payload, bearer token, truncation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Kit = Any


@pytest.fixture
def hook(harness_for: Callable[[str], tuple[Any, str]]) -> tuple[Any, Callable[..., Any]]:
    harness, base = harness_for("webhook")
    return harness.fake, lambda **options: harness.build(base, **options)


def test_alertmanager_payload_shape(hook: Any, kit: Kit) -> None:
    fake, build = hook
    firing = kit.alert(generator_url="https://scimwatch.example.com/rules/auth")
    gone = kit.alert(user="bob", resolved_at=1_767_226_000.0, summary="bob is fine")
    n = kit.notification(firing, resolved=(gone,))
    build().notify(n)
    (body,) = fake.posts
    assert set(body) == {
        "version",
        "groupKey",
        "notificationId",
        "truncatedAlerts",
        "status",
        "receiver",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "alerts",
    }
    assert body["version"] == "4"
    assert body["groupKey"] == n.group_key
    assert body["notificationId"] == n.id == fake.headers[0]["idempotency-key"]
    assert (body["status"], body["receiver"], body["truncatedAlerts"]) == (
        "firing",
        "team-identity",
        0,
    )
    assert body["groupLabels"] == {"alertname": "ScimAuthFailing", "app": "acme"}
    assert body["commonLabels"] == {
        "alertname": "ScimAuthFailing",
        "severity": "critical",
        "app": "acme",
        "idp": "okta",
    }
    assert body["commonAnnotations"] == {}
    assert body["externalURL"] == "https://scimwatch.example.com/alerts"
    first, second = body["alerts"]
    assert set(first) == {
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "fingerprint",
    }
    assert (first["status"], first["endsAt"]) == ("firing", "0001-01-01T00:00:00Z")
    assert first["startsAt"] == "2025-12-31T23:50:00.000Z"
    assert first["generatorURL"] == "https://scimwatch.example.com/rules/auth"
    assert first["fingerprint"] == firing.fingerprint
    assert (second["status"], second["endsAt"]) == ("resolved", "2026-01-01T00:06:40.000Z")
    assert fake.headers[0]["authorization"] == f"Bearer {kit.HOOK_TOKEN}"


def test_resolved_group_and_max_alerts(hook: Any, kit: Kit) -> None:
    fake, build = hook
    gone = [kit.alert(user=f"u{i}", resolved_at=1_767_226_000.0) for i in range(5)]
    build(max_alerts=2).notify(kit.notification(resolved=tuple(gone)))
    body = fake.posts[0]
    assert body["status"] == "resolved"
    assert (len(body["alerts"]), body["truncatedAlerts"]) == (2, 3)


def test_masking_keeps_the_real_fingerprint(hook: Any, kit: Kit) -> None:
    fake, build = hook
    leaky = kit.alert(user="jane.doe@example.com", summary="jane.doe@example.com deleted")
    build(mask_emails=True).notify(kit.notification(leaky))
    (sent,) = fake.posts[0]["alerts"]
    assert sent["labels"]["user"] == "j***@example.com"
    assert sent["annotations"]["summary"] == "j***@example.com deleted"
    assert sent["fingerprint"] == leaky.fingerprint


def test_plain_url_without_token(harness_for: Callable[[str], tuple[Any, str]], kit: Kit) -> None:
    harness, base = harness_for("webhook")
    harness.fake.token = None
    harness.config = lambda b: ({"type": "webhook", "url": b + "/hook/s3cr3t-hook-path"}, {})
    harness.build(base).notify(kit.notification(kit.alert()))
    assert "authorization" not in harness.fake.headers[0]
