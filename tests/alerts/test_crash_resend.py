"""A crash between the send and the outbox recording it: the restarted pipeline sends the row
again (only Slack's Web API can look its post up first). Against the real notifiers and their
fakes over HTTP, that resend must be harmless: PagerDuty deduplicates it by `dedup_key`; the
generic webhook and the Slack incoming webhook carry the same notification id both times, so a
receiver that deduplicates on it handles the notification once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from alert_kit import config, engine, open_finding, resolve_finding
from sqlalchemy import select

from alerts.engine import AlertEngine
from alerts.notifiers import Notification, Notifier
from alerts.notifiers.pagerduty import dedup_key
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.store.tables_alerting import outbox

MakeHarness = Callable[[str], tuple[Any, str]]
LEASE_GONE = 61.0  # the dead process's pipeline lease (30 s) has run out


class Crash(BaseException):
    """The process dies: nothing after the send runs, not even `except Exception`."""


class CrashAfterSend:
    """A real notifier whose process dies right after the receiver accepted the notification."""

    def __init__(self, inner: Notifier) -> None:
        self.inner = inner

    @property
    def send_resolved(self) -> bool:
        return self.inner.send_resolved

    def notify(self, notification: Notification) -> Mapping[str, str]:
        self.inner.notify(notification)
        raise Crash

    def close(self) -> None:
        self.inner.close()


def _states(store: SqlStore) -> list[str]:
    with store.transaction() as conn:
        return [r.state for r in conn.execute(select(outbox.c.state).order_by(outbox.c.seq))]


def _rows(store: SqlStore) -> list[tuple[str, str]]:
    """(id, group_key) of every outbox row, oldest first."""
    with store.transaction() as conn:
        rows = conn.execute(select(outbox.c.id, outbox.c.group_key).order_by(outbox.c.seq))
        return [(r.id, r.group_key) for r in rows]


def _process(store: SqlStore, clock: FakeClock, notifier: Notifier) -> AlertEngine:
    """One process's pipeline (its own metrics registry), sending at once to `notifier`."""
    return engine(store, clock, {"team": [notifier]}, config(group_wait=0.0, group_interval=60.0))


def _crash_then_restart(
    harness: Any, base: str, store: SqlStore, clock: FakeClock, change: Callable[[], None]
) -> None:
    """`change` the alerts, let the send crash, restart on the same store and send again."""
    dying = _process(store, clock, CrashAfterSend(harness.build(base)))
    change()
    clock.advance(LEASE_GONE)  # any earlier engine's lease has run out
    with pytest.raises(Crash):
        dying.tick()
    assert _states(store)[-1] == "sending"
    clock.advance(LEASE_GONE)
    _process(store, clock, harness.build(base)).tick()
    assert set(_states(store)) == {"sent"}


def _resent_trigger(
    harness_for: MakeHarness, kind: str, store: SqlStore, clock: FakeClock
) -> tuple[Any, str]:
    """The `kind` harness (with its `base`) after a new alert's send crashed and was resent."""
    harness, base = harness_for(kind)
    _crash_then_restart(
        harness,
        base,
        store,
        clock,
        lambda: open_finding(store, "digital_twin", "crm", "a", clock.now(), user_name="ann"),
    )
    return harness, base


def test_pagerduty_resend_lands_on_the_same_alert(
    harness_for: MakeHarness, store: SqlStore, clock: FakeClock
) -> None:
    harness, base = _resent_trigger(harness_for, "pagerduty", store, clock)
    fake = harness.fake
    keys = {e["dedup_key"] for e in fake.events}
    assert [e["event_action"] for e in fake.events] == ["trigger", "trigger"]
    assert len(keys) == 1 and keys == set(fake.incidents)
    [incident] = fake.incidents.values()
    # One PagerDuty alert, triggered once: the resend was deduplicated into it.
    assert (incident.opened, incident.triggers, incident.deduplicated) == (1, 2, 1)
    assert incident.open

    _crash_then_restart(  # the same crash on the resolve
        harness,
        base,
        store,
        clock,
        lambda: resolve_finding(store, "digital_twin", "crm", "a", clock.now()),
    )
    assert [e["event_action"] for e in fake.events[2:]] == ["resolve", "resolve"]
    assert {e["dedup_key"] for e in fake.events} == keys
    assert (incident.opened, incident.resolved, incident.open) == (1, 1, False)
    assert keys == {dedup_key(group_key) for _, group_key in _rows(store)}


def test_webhook_resend_carries_the_same_notification_id(
    harness_for: MakeHarness, store: SqlStore, clock: FakeClock
) -> None:
    harness, base = _resent_trigger(harness_for, "webhook", store, clock)
    fake = harness.fake
    first, again = fake.posts
    assert again == first  # the same payload, the same key
    assert [(first["notificationId"], first["groupKey"])] == _rows(store)
    assert [h["idempotency-key"] for h in fake.headers] == [first["notificationId"]] * 2
    seen = {(p["groupKey"], p["notificationId"]) for p in fake.posts}
    assert len(seen) == 1  # a receiver deduplicating on the key handles it once

    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    later = _process(store, clock, harness.build(base))
    clock.advance(LEASE_GONE)
    later.tick()
    assert fake.posts[-1]["status"] == "resolved"
    assert fake.posts[-1]["notificationId"] != first["notificationId"]  # a new notification


def test_slack_webhook_resend_carries_the_same_notification_id(
    harness_for: MakeHarness, store: SqlStore, clock: FakeClock
) -> None:
    harness, _ = _resent_trigger(harness_for, "slack_webhook", store, clock)
    fake = harness.fake
    first, again = fake.webhook_posts
    assert again == first
    meta = first["metadata"]
    assert meta["event_type"] == "scimwatch_notification"
    payload = meta["event_payload"]
    assert [(payload["id"], payload["group_key"])] == _rows(store)
