"""The alert pipeline on a real store: grouping timers, dedup, repeat, resolve, restarts."""

from __future__ import annotations

from alert_kit import Recorder, config, engine, open_finding, resolve_finding
from prometheus_client import CollectorRegistry

from monitor.clock import FakeClock
from monitor.store import SqlStore


def test_group_waits_then_sends_one_message_per_app_and_alertname(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]})
    now = clock.now()
    open_finding(store, "digital_twin", "crm", "a", now, user_name="ann", sp_ids=["1", "2"])
    open_finding(store, "digital_twin", "crm", "b", now, user_name="bob", sp_ids=["3", "4"])
    open_finding(store, "digital_twin", "wiki", "c", now, user_name="cy", sp_ids=["5", "6"])
    eng.tick()
    assert team.calls == []  # group_wait: related alerts may still arrive
    clock.advance(29)
    eng.tick()
    assert team.calls == []
    clock.advance(1)
    eng.tick()
    groups = sorted((dict(n.group_labels)["app"], len(n.firing)) for n in team.calls)
    assert groups == [("crm", 2), ("wiki", 1)]
    assert all(n.reason == "first_notification" for n in team.calls)
    assert all(
        a.annotations["summary"].startswith(("ann", "bob", "cy"))
        for n in team.calls
        for a in n.firing
    )


def test_nothing_is_repeated_until_something_changes_or_repeat_interval(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]}, config(repeat_interval=3600.0))
    open_finding(store, "silent_attribute_loss", "crm", "u1", clock.now(), sp_id="u1")
    for _ in range(12):  # an hour of passes, every group_interval
        eng.tick()
        clock.advance(300)
    assert len(team.calls) == 1
    clock.advance(300)
    eng.tick()
    assert [n.reason for n in team.calls] == ["first_notification", "repeat_interval"]


def test_new_alert_in_a_group_waits_for_group_interval_and_is_marked_new(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]})
    open_finding(store, "digital_twin", "crm", "a", clock.now(), user_name="ann")
    eng.tick()
    clock.advance(30)
    eng.tick()
    open_finding(store, "digital_twin", "crm", "b", clock.now(), user_name="bob")
    clock.advance(100)
    eng.tick()
    assert len(team.calls) == 1
    clock.advance(200)
    eng.tick()
    assert team.fired() == [["a"], ["a", "b"]]
    second = team.calls[1]
    assert second.reason == "new_alerts"
    assert {a.labels["subject"] for a in second.firing if a.fingerprint in second.new} == {"b"}


def test_resolve_is_sent_once_and_a_new_episode_starts_a_new_message(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]})
    open_finding(store, "recreate_churn", "crm", "x", clock.now(), external_id="x")
    eng.tick()
    clock.advance(30)
    eng.tick()
    resolve_finding(store, "recreate_churn", "crm", "x", clock.now())
    for _ in range(3):
        clock.advance(300)
        eng.tick()
    assert [n.status for n in team.calls] == ["firing", "resolved"]
    assert team.calls[1].thread.get("ts") == "1"  # the resolve updates the first message
    open_finding(store, "recreate_churn", "crm", "y", clock.now(), external_id="y")
    clock.advance(300)
    eng.tick()
    assert team.calls[2].status == "firing"
    assert team.calls[2].thread == {}  # new episode: a new message, not an edit of the old one


def test_resolved_within_group_wait_sends_nothing(store: SqlStore, clock: FakeClock) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]})
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(10)
    eng.tick()
    clock.advance(600)
    eng.tick()
    assert team.calls == []


def test_integration_without_send_resolved_hears_only_firing(
    store: SqlStore, clock: FakeClock
) -> None:
    quiet = Recorder(send_resolved=False)
    eng = engine(store, clock, {"team": [quiet]})
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    clock.advance(30)
    eng.tick()
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(300)
    eng.tick()
    assert [n.status for n in quiet.calls] == ["firing"]


def test_a_restarted_engine_sends_nothing_already_sent(store: SqlStore, clock: FakeClock) -> None:
    team = Recorder()
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    first = engine(store, clock, {"team": [team]})
    first.tick()
    clock.advance(30)
    first.tick()
    assert len(team.calls) == 1
    again = engine(store, clock, {"team": [team]}, registry=CollectorRegistry())
    for _ in range(5):
        clock.advance(300)
        again.tick()
    assert len(team.calls) == 1
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(300)
    again.tick()
    assert [n.status for n in team.calls] == ["firing", "resolved"]


def test_only_the_lease_holder_notifies(store: SqlStore, clock: FakeClock) -> None:
    a, b = Recorder(), Recorder()
    one = engine(store, clock, {"team": [a]})
    two = engine(store, clock, {"team": [b]}, registry=CollectorRegistry())
    open_finding(store, "digital_twin", "crm", "x", clock.now())
    assert one.tick() is True
    assert two.tick() is False
    clock.advance(30)
    one.tick()
    two.tick()
    assert (len(a.calls), len(b.calls)) == (1, 0)
    clock.advance(600)  # the holder died: its lease runs out and the other replica takes over
    assert two.tick() is True
    resolve_finding(store, "digital_twin", "crm", "x", clock.now())
    clock.advance(300)
    two.tick()
    assert [n.status for n in b.calls] == ["resolved"]
