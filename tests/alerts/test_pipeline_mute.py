"""Inhibition and silences: what is muted, and that muted alerts still resolve."""

from __future__ import annotations

import pytest
from alert_kit import Recorder, config, engine, open_finding, resolve_finding

from alerts.config import AlertingConfig, InhibitRuleConfig, ReceiverConfig, RouteConfig
from alerts.matchers import MatcherError
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.store.tables_alerting import app_health


def _auth_failing(store: SqlStore, app: str, streak: int) -> None:
    with store.transaction() as conn:
        conn.execute(
            app_health.insert().values(
                app=app, last_ok_at=None, last_auth_error_at=0.0, auth_streak=streak
            )
        )


def test_auth_failures_inhibit_stalled_provisioning_of_the_same_app(
    store: SqlStore, clock: FakeClock
) -> None:
    from monitor.store.tables import deprovisions

    team = Recorder()
    cfg = AlertingConfig(
        route=RouteConfig(receiver="team", group_wait=0.0, group_by=["alertname", "app"]),
        receivers=[ReceiverConfig(name="team")],
        inhibit_rules=[
            InhibitRuleConfig(
                source_matchers=['alertname="ScimAuthFailing"'],
                target_matchers=['alertname="ProvisioningStalled"'],
                equal=["app"],
            )
        ],
    )
    eng = engine(store, clock, {"team": [team]}, cfg)
    old = clock.now() - 2400  # past stalled_after (30 min), within the SLO (1 h)
    with store.transaction() as conn:
        for app in ("crm", "wiki"):
            conn.execute(deprovisions.insert().values(app=app, person=f"p-{app}", requested_at=old))
    _auth_failing(store, "crm", 9)
    eng.tick()
    names = sorted((n.group_labels["alertname"], n.group_labels["app"]) for n in team.calls)
    assert names == [
        ("ProvisioningStalled", "wiki"),
        ("ScimAuthFailing", "crm"),
    ]
    stalled = [i for i in eng.alert_items() if i["labels"]["alertname"] == "ProvisioningStalled"]  # type: ignore[index]
    states = {i["labels"]["app"]: (i["state"], i["inhibited"]) for i in stalled}  # type: ignore[index]
    assert states == {"crm": ("suppressed", True), "wiki": ("active", False)}


def test_silenced_alert_is_not_sent_but_its_resolve_is_when_it_was_announced(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    assert len(team.calls) == 1
    eng.add_silence(
        matchers=['alertname="DigitalTwin"', "app=crm"],
        created_by="oncall",
        comment="merging the twins",
        duration=86400.0,
    )
    open_finding(store, "digital_twin", "crm", "b", clock.now())
    clock.advance(300)
    eng.tick()
    assert len(team.calls) == 1  # b is silenced: no new message
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    resolve_finding(store, "digital_twin", "crm", "b", clock.now())
    clock.advance(300)
    eng.tick()
    assert [n.status for n in team.calls] == ["firing", "resolved"]
    assert [a.labels["subject"] for a in team.calls[1].resolved] == ["a"]  # b was never announced


@pytest.mark.parametrize("between", ["another alert", "repeat_interval"])
def test_an_announced_alert_silenced_then_resolved_is_announced_resolved_whatever_came_between(
    store: SqlStore, clock: FakeClock, between: str
) -> None:
    """Ack by silencing, then it resolves (Alertmanager #226): the resolve of an alert the
    receiver was told about is sent even when its group was notified while it was silenced."""
    team = Recorder()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0, repeat_interval=600.0))
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    open_finding(store, "digital_twin", "crm", "c", clock.now())
    eng.tick()
    eng.add_silence(matchers=['subject="a"'], created_by="oncall", comment="ack", duration=86400.0)
    if between == "another alert":
        open_finding(store, "digital_twin", "crm", "b", clock.now())
    for _ in range(3):  # past group_interval, and repeat_interval for the other case
        clock.advance(300)
        eng.tick()
    assert len(team.calls) >= 2  # the group was notified while a was silenced
    assert all("a" not in [x.labels["subject"] for x in n.firing] for n in team.calls[1:])
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(300)
    eng.tick()
    resolved = [x.labels["subject"] for n in team.calls for x in n.resolved]
    assert resolved == ["a"]


def test_until_resolved_silence_expires_once_its_alerts_resolve(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0))
    open_finding(store, "recreate_churn", "crm", "a", clock.now())
    item = eng.add_silence(
        matchers=['alertname="RecreateChurn"'],
        created_by="oncall",
        comment="username migration",
        until_resolved=True,
    )
    eng.tick()
    assert team.calls == []
    resolve_finding(store, "recreate_churn", "crm", "a", clock.now())
    clock.advance(60)
    eng.tick()
    assert [s["status"] for s in eng.silence_items()] == ["expired"]
    open_finding(store, "recreate_churn", "crm", "b", clock.now())
    clock.advance(300)
    eng.tick()
    assert team.fired() == [["b"]]  # the silence does not outlive what it was for
    assert item["until_resolved"] is True


def test_expired_silence_lets_the_alert_through(store: SqlStore, clock: FakeClock) -> None:
    team = Recorder()
    eng = engine(store, clock, {"team": [team]}, config(group_wait=0.0))
    silence = eng.add_silence(
        matchers=["app=crm"], created_by="me", comment="maintenance", duration=3600.0
    )
    open_finding(store, "digital_twin", "crm", "a", clock.now())
    eng.tick()
    assert team.calls == []
    assert eng.expire_silence(str(silence["id"])) is True
    assert eng.expire_silence(str(silence["id"])) is False
    clock.advance(300)
    eng.tick()
    assert team.fired() == [["a"]]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"matchers": ["app"]}, "bad matcher"),
        ({"matchers": ["app=~("]}, "bad regular expression"),
        ({"matchers": ["app=crm"], "until_resolved": False}, "end time"),
        ({"matchers": ["app=crm"], "duration": 60.0, "comment": " "}, "author and a comment"),
    ],
)
def test_bad_silences_are_refused_with_a_reason(
    store: SqlStore, clock: FakeClock, fields: dict[str, object], message: str
) -> None:
    eng = engine(store, clock, {})
    args: dict[str, object] = {"created_by": "me", "comment": "why", **fields}
    with pytest.raises((MatcherError, ValueError), match=message):
        eng.add_silence(**args)
    assert eng.silence_items() == []


def test_auth_failures_mute_stalled_provisioning_by_default_unless_turned_off() -> None:
    default = AlertingConfig().inhibit_rules
    assert [r.source_matchers for r in default] == [['alertname="ScimAuthFailing"']]
    assert default[0].equal == ["app"]
    assert AlertingConfig.model_validate({"inhibit_rules": []}).inhibit_rules == []
