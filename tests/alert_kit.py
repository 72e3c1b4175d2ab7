"""Pipeline test kit: an AlertEngine on a real store with a fake clock, findings written the
way the detectors write them, and a recording integration at the notifier boundary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from alerts.conditions import Context
from alerts.config import AlertingConfig, ReceiverConfig, RouteConfig, Thresholds
from alerts.engine import AlertEngine
from alerts.notifiers import Notification, Notifier, NotifyError, Reason
from monitor.clock import FakeClock
from monitor.store import SqlStore
from monitor.store.tables import findings
from monitor.telemetry.metrics import Metrics


@dataclass
class Recorder:
    """An integration that records what it is asked to deliver, or fails as scripted."""

    send_resolved: bool = True
    calls: list[Notification] = field(default_factory=list)
    failures: list[NotifyError] = field(default_factory=list)

    def notify(self, notification: Notification) -> Mapping[str, str]:
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append(notification)
        return {"ts": notification.thread.get("ts", str(len(self.calls)))}

    def close(self) -> None:
        pass

    def fired(self) -> list[list[str]]:
        """Per call: the `subject` labels firing, sorted."""
        return [sorted(a.labels.get("subject", "") for a in n.firing) for n in self.calls]


def server_error(retry_after: float | None = None) -> NotifyError:
    return NotifyError(
        "HTTP 500", reason=Reason.SERVER_ERROR, recoverable=True, retry_after=retry_after
    )


def config(**route: object) -> AlertingConfig:
    timers = {"group_wait": 30.0, "group_interval": 300.0, "repeat_interval": 14400.0}
    timers.update(route)  # type: ignore[arg-type]
    return AlertingConfig(
        route=RouteConfig(receiver="team", **timers),  # type: ignore[arg-type]
        receivers=[ReceiverConfig(name="team")],
        thresholds=Thresholds(),
    )


def team_and_ops(ops_matcher: str) -> AlertingConfig:
    """Every group to receiver `team` at once (no group wait), except those `ops_matcher`
    routes to receiver `ops`: two receivers whose notifications a test tells apart."""
    ops = RouteConfig(receiver="ops", matchers=[ops_matcher])
    return AlertingConfig(
        route=RouteConfig(receiver="team", group_wait=0.0, routes=[ops]),
        receivers=[ReceiverConfig(name="team"), ReceiverConfig(name="ops")],
        thresholds=Thresholds(),
    )


def engine(
    store: SqlStore,
    clock: FakeClock,
    notifiers: Mapping[str, Sequence[Notifier]],
    cfg: AlertingConfig | None = None,
    registry: CollectorRegistry | None = None,
) -> AlertEngine:
    cfg = cfg or config()
    return AlertEngine(
        config=cfg,
        transaction=store.transaction,
        clock=clock,
        metrics=Metrics(registry or CollectorRegistry()),
        notifiers=notifiers,
        context=Context(
            thresholds=cfg.thresholds, slo_of=lambda app: 3600.0, idp_of=lambda app: "okta"
        ),
    )


def open_finding(
    store: SqlStore, kind: str, app: str, subject: str, at: float, **fields: object
) -> None:
    with store.transaction() as conn:
        conn.execute(
            findings.insert().values(
                type=kind,
                app=app,
                subject=subject,
                fields=json.dumps({"app": app, **fields}),
                first_at=at,
                last_at=at,
                count=1,
                status="open",
                resolved_at=None,
            )
        )


def resolve_finding(store: SqlStore, kind: str, app: str, subject: str, at: float) -> None:
    with store.transaction() as conn:
        conn.execute(
            findings.update()
            .where(
                (findings.c.type == kind)
                & (findings.c.app == app)
                & (findings.c.subject == subject)
            )
            .values(status="resolved", resolved_at=at)
        )
