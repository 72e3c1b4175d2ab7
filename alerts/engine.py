"""The alert pipeline's driver: evaluate -> record states -> mute -> group and dedup ->
outbox -> send, once per `evaluation_interval`, on the replica holding the lease.

In: the store (findings, deprovisions, traffic windows) and collector states. Out:
notifications through the configured notifiers, alert states and silences in the store, and
`scimwatch_alerts_firing`. Clock, store and notifiers are injected, so tests drive `tick()`
with a fake clock against real fake receivers.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Tracer
from sqlalchemy import Connection, delete

from alerts import lease, outbox
from alerts.alert import Alert
from alerts.catalog import CATALOG
from alerts.conditions import Context, evaluate
from alerts.config import AlertingConfig
from alerts.dispatch import Dispatcher, Integration
from alerts.inhibit import InhibitRule, build_rules, inhibited
from alerts.notifiers.base import Notifier
from alerts.route import build_routes
from alerts.sender import Sender, Timer, Transaction
from alerts.silences import Silence, expire, expire_resolved, listing
from alerts.silences import add as add_silence
from alerts.snapshot import CollectorStatus, read_snapshot
from alerts.state import current_alerts, sync
from monitor.clock import Clock
from monitor.store.base import StoreError
from monitor.store.tables_alerting import detection_skips, scim_traffic
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.tracing import TRACER_NAME

__all__ = ["AlertEngine", "muted_alerts"]

log = logging.getLogger("scimwatch.alerts")

LEASE = "alert-pipeline"
TRAFFIC_KEEP = 2 * 86400.0
PRUNE_EVERY = 3600.0


def muted_alerts(
    alerts: Sequence[Alert],
    silences: Sequence[Silence],
    rules: Sequence[InhibitRule],
    now: float,
) -> dict[str, str]:
    """Fingerprint -> why it is muted ('inhibited' or 'silenced:<id>'), inhibition first."""
    firing = [a for a in alerts if not a.resolved]
    out: dict[str, str] = {}
    for alert in firing:
        if inhibited(rules, alert, firing):
            out[alert.fingerprint] = "inhibited"
            continue
        for silence in silences:
            if silence.mutes(alert, now):
                out[alert.fingerprint] = f"silenced:{silence.id}"
                break
    return out


class AlertEngine:
    def __init__(
        self,
        *,
        config: AlertingConfig,
        transaction: Transaction,
        clock: Clock,
        metrics: Metrics,
        notifiers: Mapping[str, Sequence[Notifier]],
        context: Context,
        collectors: Callable[[], Sequence[CollectorStatus]] = tuple,
        holder: str | None = None,
        tracer: Tracer | None = None,
        timer: Timer = time.perf_counter,
    ) -> None:
        self.config = config
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)
        self._transaction = transaction
        self._clock = clock
        self._metrics = metrics
        self._context = context
        self._collectors = collectors
        self._holder = holder or uuid.uuid4().hex
        self._notifiers = notifiers
        self._pruned_at = float("-inf")
        self._rules = build_rules(config.inhibit_rules)
        self.root = build_routes(config.route)
        integrations = {
            name: [Integration(name, i, n.send_resolved) for i, n in enumerate(found)]
            for name, found in notifiers.items()
        }
        self._dispatcher = Dispatcher(self.root, integrations, external_url=config.external_url)
        self._sender = Sender(
            transaction=transaction,
            notifiers=notifiers,
            clock=clock,
            observe=metrics.observe_notification,
            max_interval=config.retry_max_interval,
            tracer=self._tracer,
            timer=timer,
        )
        metrics.declare_receivers(notifiers)
        for rule in CATALOG:
            metrics.alerts_firing.labels(rule.name, rule.severity).set(0)

    def _prune(self, conn: Connection, now: float) -> None:
        """History the conditions and the outbox no longer need; hourly, not every pass."""
        cutoff = (now - TRAFFIC_KEEP) // 60
        conn.execute(delete(scim_traffic).where(scim_traffic.c.minute < cutoff))
        conn.execute(delete(detection_skips).where(detection_skips.c.minute < cutoff))
        outbox.prune(conn, now)
        self._pruned_at = now

    def close(self) -> None:
        for found in self._notifiers.values():
            for notifier in found:
                notifier.close()

    def tick(self) -> bool:
        """One pass; False when another replica holds the lease (nothing was done)."""
        with self._tracer.start_as_current_span("alerts.evaluate") as span:
            done = self._tick(span)
            span.set_attribute("scimwatch.lease_held", done)
            return done

    def _tick(self, span: trace.Span) -> bool:
        now = self._clock.now()
        ttl = max(self.config.lease_ttl, self.config.evaluation_interval * 2)
        with self._transaction() as conn:
            if not lease.acquire(conn, LEASE, self._holder, now=now, ttl=ttl):
                return False
            snap = read_snapshot(
                conn,
                now=now,
                error_window=self.config.thresholds.error_window,
                mass_window=self.config.thresholds.mass_deprovision_window,
                collectors=self._collectors(),
                skip_window=self.config.thresholds.detection_skipped_window,
            )
        candidates = evaluate(snap, self._context)
        with self._transaction() as conn:
            sync(conn, candidates, now)
            alerts = current_alerts(conn)
            expire_resolved(conn, alerts, now)
            muted = muted_alerts(alerts, listing(conn), self._rules, now)
            queued = self._dispatcher.flush(conn, alerts, set(muted), now)
            if now - self._pruned_at >= PRUNE_EVERY:
                self._prune(conn, now)
        self._publish(alerts)
        span.set_attribute("scimwatch.alerts.firing", sum(1 for a in alerts if not a.resolved))
        span.set_attribute("scimwatch.alerts.muted", len(muted))
        span.set_attribute("scimwatch.notifications.queued", len(queued))
        self._sender.send_due()
        self._metrics.alerts_last_evaluation.set(now)
        return True

    def _publish(self, alerts: Sequence[Alert]) -> None:
        firing = Counter((a.name, a.severity) for a in alerts if not a.resolved)
        for rule in CATALOG:
            self._metrics.alerts_firing.labels(rule.name, rule.severity).set(
                firing.get((rule.name, rule.severity), 0)
            )

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop`; a failing pass is logged and retried, never fatal."""
        while not stop.is_set():
            try:
                self.tick()
            except StoreError as err:  # busy or unreachable store: the next pass tries again
                log.warning("alert pipeline pass skipped: %s", err)
            except Exception:
                log.exception("alert pipeline pass failed")
            if self._clock.sleep(self.config.evaluation_interval, stop):
                return

    # The read and write side used by the API and the CLI.

    def alert_items(self, *, include_resolved: bool = False) -> list[dict[str, object]]:
        """Alerts with their state: active, or suppressed (silenced or inhibited), or resolved."""
        now = self._clock.now()
        with self._transaction() as conn:
            alerts = current_alerts(conn)
            muted = muted_alerts(alerts, listing(conn), self._rules, now)
        items = []
        for alert in alerts:
            if alert.resolved and not include_resolved:
                continue
            why = muted.get(alert.fingerprint)
            state = "resolved" if alert.resolved else ("suppressed" if why else "active")
            items.append(
                {
                    **alert.to_json(),
                    "fingerprint": alert.fingerprint,
                    "state": state,
                    "inhibited": why == "inhibited",
                    "silenced_by": [why.split(":", 1)[1]] if why and ":" in why else [],
                    "receivers": sorted({r.receiver for r in self.root.match(alert.labels)}),
                }
            )
        return items

    def silence_items(self) -> list[dict[str, object]]:
        now = self._clock.now()
        with self._transaction() as conn:
            return [s.to_json(now) for s in listing(conn)]

    def add_silence(self, *, duration: float | None = None, **fields: Any) -> dict[str, object]:
        """Store a silence (see `alerts.silences.add`); `duration` counts from its start.
        MatcherError or ValueError on bad input."""
        now = self._clock.now()
        if duration is not None:
            if fields.get("ends_at") is not None:
                raise ValueError("give ends_at or duration, not both")
            fields["ends_at"] = (fields.get("starts_at") or now) + duration
        with self._transaction() as conn:
            return add_silence(conn, now=now, **fields).to_json(now)

    def expire_silence(self, silence_id: str) -> bool:
        with self._transaction() as conn:
            return expire(conn, silence_id, self._clock.now())
