"""`scimwatch_alerts_firing{alertname,severity}` and
`scimwatch_notification_latency_seconds{receiver}` on a pipeline driven by a fake clock: the
gauge follows alerts as they fire, are muted and resolve; the histogram gets one observation per
attempt, as long as the receiver took (on the fake clock, which the receivers advance)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alert_kit import Recorder, config, open_finding, resolve_finding, server_error, team_and_ops
from prometheus_client import CollectorRegistry

from alerts.catalog import CATALOG
from alerts.conditions import Context
from alerts.config import AlertingConfig
from alerts.engine import AlertEngine
from alerts.notifiers import Notification, Notifier
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.telemetry.metrics import ALERTS_FIRING, NOTIFICATION_LATENCY, Metrics


@dataclass
class Slow(Recorder):
    """A receiver that takes `seconds` (on the fake clock) to answer, or to fail."""

    clock: FakeClock | None = None
    seconds: float = 0.0

    def notify(self, notification: Notification) -> Mapping[str, str]:
        assert self.clock is not None
        self.clock.advance(self.seconds)
        return super().notify(notification)


def _engine(
    store: SqlStore,
    clock: FakeClock,
    registry: CollectorRegistry,
    notifiers: Mapping[str, Sequence[Notifier]],
    cfg: AlertingConfig,
) -> AlertEngine:
    return AlertEngine(
        config=cfg,
        transaction=store.transaction,
        clock=clock,
        metrics=Metrics(registry),
        notifiers=notifiers,
        context=Context(thresholds=cfg.thresholds, slo_of=lambda _: 3600.0, idp_of=lambda _: ""),
        timer=clock.now,
    )


def _firing(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    """Every series of the gauge: (alertname, severity) -> value."""
    return {
        (s.labels["alertname"], s.labels["severity"]): s.value
        for family in registry.collect()
        if family.name == ALERTS_FIRING
        for s in family.samples
    }


def test_alerts_firing_follows_firing_muted_and_resolved_alerts(
    store: SqlStore, clock: FakeClock
) -> None:
    registry = CollectorRegistry()
    eng = _engine(store, clock, registry, {"team": [Recorder()]}, config())
    quiet = {(r.name, r.severity): 0.0 for r in CATALOG}
    assert _firing(registry) == quiet  # every catalog alert is exported, 0 before any pass
    now = clock.now()
    for subject in ("a", "b"):
        open_finding(store, "digital_twin", "crm", subject, now, user_name=subject)
    open_finding(store, "activity_after_deprovision", "crm", "c", now, user_name="c")
    eng.tick()
    assert _firing(registry) == {
        **quiet,
        ("DigitalTwin", "warning"): 2,
        ("ActivityAfterDeprovision", "critical"): 1,
    }
    eng.add_silence(
        matchers=['alertname="DigitalTwin"'], created_by="oncall", comment="t", duration=3600
    )
    clock.advance(60)
    eng.tick()
    assert _firing(registry)[("DigitalTwin", "warning")] == 2  # muted alerts still fire
    resolve_finding(store, "digital_twin", "crm", "a", clock.now())
    clock.advance(60)
    eng.tick()
    assert _firing(registry)[("DigitalTwin", "warning")] == 1
    resolve_finding(store, "digital_twin", "crm", "b", clock.now())
    clock.advance(86400)  # and a day without activity after the deprovision
    eng.tick()
    assert _firing(registry) == quiet


def test_notification_latency_observes_each_attempt_per_receiver(
    store: SqlStore, clock: FakeClock
) -> None:
    team = Slow(clock=clock, seconds=2.0, failures=[server_error()])
    ops = Slow(clock=clock, seconds=0.125)
    cfg = team_and_ops('app="wiki"')
    registry = CollectorRegistry()
    eng = _engine(store, clock, registry, {"team": [team], "ops": [ops]}, cfg)
    sample = registry.get_sample_value

    def latency(receiver: str, suffix: str, **labels: str) -> float | None:
        return sample(NOTIFICATION_LATENCY + suffix, {"receiver": receiver, **labels})

    assert latency("team", "_count") == 0  # declared up front, nothing observed yet
    open_finding(store, "digital_twin", "crm", "a", clock.now(), user_name="ann")
    open_finding(store, "digital_twin", "wiki", "b", clock.now(), user_name="bo")
    eng.tick()  # team fails after 2 s (500); ops delivers in 0.125 s
    assert (latency("team", "_count"), latency("team", "_sum")) == (1, 2.0)
    assert (latency("ops", "_count"), latency("ops", "_sum")) == (1, 0.125)
    assert latency("ops", "_bucket", le="0.25") == 1 and latency("ops", "_bucket", le="0.1") == 0
    assert latency("team", "_bucket", le="2.5") == 1 and latency("team", "_bucket", le="1.0") == 0
    assert team.calls == [] and len(ops.calls) == 1
    clock.advance(1)  # the retry is due (backoff 1 s)
    eng.tick()
    assert len(team.calls) == 1
    assert (latency("team", "_count"), latency("team", "_sum")) == (2, 4.0)
    assert latency("ops", "_count") == 1  # nothing more to tell ops
    outcomes = {
        o: sample("scimwatch_notifications_total", {"receiver": "team", "outcome": o})
        for o in ("success", "retry", "failure")
    }
    assert outcomes == {"success": 1, "retry": 1, "failure": 0}
