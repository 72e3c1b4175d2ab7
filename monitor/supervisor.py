"""Runs each source in its own worker so one broken source never stops the others.

A worker restores its collector from the store's checkpoint, polls, ingests, and waits when
there is nothing new. Failures are counted by bounded reason, mark the collector down, back
off exponentially, and re-restore from the last committed checkpoint: the collector's
in-memory position may be ahead of what was committed (node_exporter-style isolation).
"""

from __future__ import annotations

import logging
import threading

from opentelemetry import trace
from opentelemetry.trace import Span, StatusCode, Tracer

from collectors.base import Collector, CollectorError
from monitor.clock import Clock
from monitor.config import SourceSpec
from monitor.ingest import Ingestor
from monitor.store.base import Store, StoreError
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.tracing import TRACER_NAME

__all__ = ["SourceWorker", "backoff_seconds"]

log = logging.getLogger("scimwatch.supervisor")


def backoff_seconds(failures: int, *, base: float = 1.0, cap: float = 60.0) -> float:
    """Exponential backoff: 1, 2, 4 ... seconds, capped."""
    return min(cap, base * 2.0 ** max(failures - 1, 0))


class SourceWorker:
    """Polls one collector until stopped."""

    def __init__(
        self,
        *,
        spec: SourceSpec,
        collector: Collector,
        ingestor: Ingestor,
        store: Store,
        metrics: Metrics,
        clock: Clock,
        stop: threading.Event,
        poll_interval: float,
        tracer: Tracer | None = None,
    ) -> None:
        self.spec = spec
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)
        self._collector = collector
        self._ingestor = ingestor
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._stop = stop
        self._poll_interval = poll_interval
        self._failures = 0
        self._restored = False
        self.down_since: float | None = None  # read by the CollectorDown condition
        self.last_reason: str | None = None
        self.thread = threading.Thread(target=self.run, name=f"source:{spec.name}", daemon=True)

    def run(self) -> None:
        while not self._stop.is_set():
            wait = self.step()
            if wait > 0 and self._clock.sleep(wait, self._stop):
                break
        self._collector.close()

    def step(self) -> float:
        """One poll; returns how long to wait before the next one.

        A collector that knows better (a rate-limited API says when it may be called again)
        exposes `wait_hint()`; a number from it replaces the poll interval and the backoff.
        """
        delay = self._poll_once()
        hint = getattr(self._collector, "wait_hint", None)
        wait = hint() if callable(hint) else None
        return delay if wait is None else max(float(wait), 0.0)

    def _poll_once(self) -> float:
        attributes = {"scimwatch.collector": self.spec.name, "scimwatch.type": self.spec.kind.type}
        with self._tracer.start_as_current_span(
            "collector.poll", attributes=attributes, record_exception=False
        ) as span:
            return self._poll_traced(span)

    def _poll_traced(self, span: Span) -> float:
        name = self.spec.name
        try:
            if not self._restored:
                self._collector.restore(self._store.checkpoint(source=name))
                self._restored = True
            batch = self._collector.poll()
            if batch is not None:
                self._ingestor.ingest(self.spec, batch)
        except (CollectorError, StoreError) as err:
            return self._failed(getattr(err, "reason", "store"), str(err), span)
        except Exception as err:
            log.exception("source %s: unexpected error", name)
            return self._failed("internal", type(err).__name__, span)
        span.set_attribute("scimwatch.batch", batch is not None)
        self._failures = 0
        self.down_since, self.last_reason = None, None
        self._metrics.collector_up.labels(name).set(1)
        self._headroom(name)
        self._metrics.collector_last_success.labels(name).set(self._clock.now())
        return 0.0 if batch is not None else self._poll_interval

    def _headroom(self, name: str) -> None:
        """Pollers that know their vendor's rate limit report how much of it is left."""
        report = getattr(self._collector, "headroom", None)
        value = report() if callable(report) else None
        if isinstance(value, int | float):
            self._metrics.collector_headroom.labels(name).set(value)

    def _failed(self, reason: str, message: str, span: Span) -> float:
        span.set_status(StatusCode.ERROR, reason)  # the reason only: messages may name hosts
        span.set_attribute("scimwatch.error.reason", reason)
        self._failures += 1
        self._restored = False
        if self.down_since is None:
            self.down_since = self._clock.now()
        self.last_reason = reason
        self._metrics.collector_up.labels(self.spec.name).set(0)
        self._metrics.collector_errors.labels(self.spec.name, reason).inc()
        delay = backoff_seconds(self._failures)
        log.warning("source %s: %s (%s); retrying in %.0fs", self.spec.name, message, reason, delay)
        return delay
