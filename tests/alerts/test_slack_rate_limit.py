"""slack-sdk's rate-limit retry handler, bounded: a short 429 is ridden out in place on the
notifier's clock, a long one is left to the outbox at once. Against the fake Slack over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alert_kit import config, engine, open_finding
from prometheus_client import CollectorRegistry
from slack_sdk.http_retry.response import HttpResponse
from sqlalchemy import select

from alerts.notifiers import NotifyError, Reason
from alerts.notifiers._slack_retry import retry_after_seconds
from alerts.notifiers.slack import Config
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.store.tables_alerting import outbox

Kit = Any


@pytest.fixture
def slack(harness_for: Callable[[str], tuple[Any, str]]) -> tuple[Any, Callable[..., Any]]:
    """(fake, build(**options) -> notifier)."""
    harness, base = harness_for("slack")
    return harness.fake, lambda **options: harness.build(base, **options)


def test_defaults_retry_short_waits_in_place() -> None:
    defaults = Config(type="slack", channel="C0ALERTS", token_env="T")
    assert (defaults.rate_limit_retries, defaults.rate_limit_max_wait) == (2, 5.0)


def test_a_short_retry_after_is_waited_out_and_the_message_posted_once(
    slack: Any, kit: Kit, clock: FakeClock
) -> None:
    fake, build = slack
    fake.fail(429, count=1, retry_after=2)
    started = clock.now()
    thread = build().notify(kit.notification(kit.alert()))
    assert len(fake.calls_to("chat.postMessage")) == 2  # the throttled call, then the retry
    assert [m["ts"] for m in fake.top_level("C0ALERTS")] == [thread["ts"]]
    assert clock.now() - started == 2  # Slack's Retry-After, on the notifier's clock


def test_a_long_retry_after_is_left_to_the_outbox(slack: Any, kit: Kit, clock: FakeClock) -> None:
    fake, build = slack
    fake.fail(429, count=1, retry_after=6)  # above rate_limit_max_wait (5 s)
    started = clock.now()
    with pytest.raises(NotifyError) as caught:
        build().notify(kit.notification(kit.alert()))
    assert (caught.value.reason, caught.value.retry_after) == (Reason.RATE_LIMITED, 6)
    assert len(fake.calls) == 1 and clock.now() == started  # no wait, no retry
    assert fake.top_level("C0ALERTS") == []


def test_retries_are_counted_then_the_429_surfaces(slack: Any, kit: Kit, clock: FakeClock) -> None:
    fake, build = slack
    fake.fail(429, retry_after=1)  # until recovered
    started = clock.now()
    with pytest.raises(NotifyError) as caught:
        build(rate_limit_retries=3).notify(kit.notification(kit.alert()))
    assert caught.value.reason == Reason.RATE_LIMITED
    assert len(fake.calls) == 4 and clock.now() - started == 3
    fake.calls.clear()
    with pytest.raises(NotifyError):
        build(rate_limit_retries=0).notify(kit.notification(kit.alert()))
    assert len(fake.calls) == 1  # 0: every 429 goes to the outbox


def test_through_the_pipeline_one_pass_delivers_once(
    slack: Any, kit: Kit, clock: FakeClock, store: SqlStore
) -> None:
    fake, build = slack
    registry = CollectorRegistry()
    eng = engine(store, clock, {"team": [build()]}, config(group_wait=0.0), registry=registry)
    open_finding(store, "digital_twin", "crm", "a", clock.now(), user_name="ann")
    fake.fail(429, count=1, retry_after=1)
    eng.tick()
    assert len(fake.top_level("C0ALERTS")) == 1
    assert len(fake.calls_to("chat.postMessage")) == 2
    with store.transaction() as conn:
        assert [r.state for r in conn.execute(select(outbox.c.state))] == ["sent"]
    sample = registry.get_sample_value
    assert sample("scimwatch_notifications_total", {"receiver": "team", "outcome": "retry"}) == 0
    assert sample("scimwatch_notifications_total", {"receiver": "team", "outcome": "success"}) == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": ["3"]}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"Retry-After": ["Wed, 21 Oct 2015 07:28:00 GMT"]}, None),  # the SDK's int() fails here
        ({"Retry-After": ["-1"]}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, Any], expected: float | None) -> None:
    assert retry_after_seconds(HttpResponse(status_code=429, headers=headers)) == expected
