"""The durable outbox: retries with backoff and Retry-After, nothing lost, nothing repeated."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from alert_kit import (
    Recorder,
    config,
    engine,
    open_finding,
    resolve_finding,
    server_error,
    team_and_ops,
)
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from alerts.notifiers import Notification, NotifyError, Reason
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.store.tables_alerting import outbox


def _states(store: SqlStore) -> list[str]:
    with store.transaction() as conn:
        return [r.state for r in conn.execute(select(outbox.c.state).order_by(outbox.c.seq))]


def test_retries_honour_retry_after_and_deliver_once(store: SqlStore, clock: FakeClock) -> None:
    team = Recorder(failures=[server_error(retry_after=120.0), server_error()])
    registry = CollectorRegistry()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0), registry=registry)
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()  # attempt 1: 500 with Retry-After 120
    clock.advance(60)
    eng.tick()  # too early: nothing tried
    assert team.failures and len(team.failures) == 1
    clock.advance(60)
    eng.tick()  # attempt 2: 500, backoff 2 s
    clock.advance(2)
    eng.tick()  # attempt 3: delivered
    clock.advance(300)
    eng.tick()
    assert team.fired() == [["a"]]
    assert _states(store) == ["sent"]
    sample = registry.get_sample_value
    assert sample("scimwatch_notifications_total", {"receiver": "team", "outcome": "retry"}) == 2
    assert sample("scimwatch_notifications_total", {"receiver": "team", "outcome": "success"}) == 1


def test_changes_during_an_outage_arrive_once_each_after_recovery(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder(failures=[server_error() for _ in range(50)])
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0, group_interval=60.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    for subject in ("b", "c"):
        clock.advance(60)
        eng.tick()
        open_finding(store, "digital_twin", "crm", subject, clock.now())
    clock.advance(60)
    eng.tick()
    team.failures.clear()  # the receiver recovers
    for _ in range(10):
        clock.advance(60)
        eng.tick()
    assert team.fired() == [["a", "b", "c"]]  # the queued versions folded into the newest
    assert {
        a.labels["subject"] for a in team.calls[0].firing if a.fingerprint in team.calls[0].new
    } == {"a", "b", "c"}


def test_a_resolve_never_overtakes_its_firing_message(store: SqlStore, clock: FakeClock) -> None:
    team = Recorder(failures=[server_error() for _ in range(5)])
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0, group_interval=60.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(60)
    eng.tick()
    for _ in range(20):
        clock.advance(60)
        eng.tick()
    twins = [n for n in team.calls if n.group_labels["alertname"] == "DigitalTwin"]
    assert [n.status for n in twins] == ["firing", "resolved"]
    assert twins[1].thread == {"ts": "1"}
    # the outage itself was long enough to raise (and then resolve) NotificationsFailing
    assert {n.group_labels["alertname"] for n in team.calls} == {
        "DigitalTwin",
        "NotificationsFailing",
    }


def test_permanent_failure_is_recorded_and_raises_notifications_failing(
    store: SqlStore, clock: FakeClock
) -> None:
    bad = NotifyError("channel_not_found", reason=Reason.CLIENT_ERROR, recoverable=False)
    team, ops = Recorder(failures=[bad]), Recorder()
    cfg = team_and_ops('alertname="NotificationsFailing"')
    eng = engine(store, clock, {"team": [team], "ops": [ops]}, cfg)
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    clock.advance(60)
    eng.tick()
    assert _states(store)[0] == "failed"
    assert [n.group_labels["alertname"] for n in ops.calls] == ["NotificationsFailing"]
    alert = ops.calls[0].firing[0]
    assert alert.labels["receiver"] == "team"
    assert "clientError" in alert.annotations["summary"]


class Reconciler(Recorder):
    """An integration that can look up whether a notification already arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, Mapping[str, str]] = {}

    def delivered(self, notification: Notification) -> Mapping[str, str] | None:
        return self.arrived.get(notification.id)


def test_crash_after_send_before_record_does_not_send_twice(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Reconciler()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())

    class Crash(BaseException):
        pass

    def crash_after_delivery(n: Notification) -> Mapping[str, str]:
        team.arrived[n.id] = {"ts": "171.1"}  # the receiver has it...
        raise Crash  # ...and the process dies before the outbox records it

    team.notify = crash_after_delivery  # type: ignore[method-assign]
    with pytest.raises(Crash):
        eng.tick()
    assert _states(store) == ["sending"]
    restarted_team = Reconciler()
    restarted_team.arrived = team.arrived
    again = engine(store, clock, {"team": [restarted_team]}, registry=CollectorRegistry())
    clock.advance(61)  # the dead process's lease runs out
    again.tick()
    assert restarted_team.calls == []  # found, not re-sent
    assert _states(store) == ["sent"]
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(300)
    again.tick()
    assert [n.thread.get("ts") for n in restarted_team.calls] == ["171.1"]


def test_history_is_pruned_after_a_week(store: SqlStore, clock: FakeClock) -> None:
    bad = NotifyError("channel_not_found", reason=Reason.CLIENT_ERROR, recoverable=False)
    team = Recorder(failures=[bad])
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    open_finding(store, "digital_twin", "wiki", "b", clock.now())
    eng.tick()

    def rows() -> dict[str, str]:
        with store.transaction() as conn:
            return dict(conn.execute(select(outbox.c.id, outbox.c.state)).all())

    first = rows()
    assert sorted(first.values()) == ["failed", "sent"]
    clock.advance(7 * 86400 + 1)
    eng.tick()
    assert not set(first) & set(rows())  # the week-old sent and given-up rows are gone
