"""The ingest pipeline shared by `replay` and `run`: classify a batch, commit it, publish it.

collector batch -> classifier -> summary -> store (one transaction with the checkpoint)
-> metrics. Metrics are published only after the commit, so what Prometheus shows was
durably counted; a crash between the two loses a scrape's worth of increments, never data.
"""

from __future__ import annotations

from collections.abc import Iterable

from collectors.base import Batch
from monitor.classify import classify, scim_type_label, status_label
from monitor.clock import Clock
from monitor.config import Config, SourceSpec
from monitor.events import Idp, Lifecycle, Outcome, RequestKey, ScimEvent, ScimRequest
from monitor.store.base import Store
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.summary import BatchSummary

__all__ = ["Ingestor", "summarize"]

_ERROR_OUTCOMES = frozenset(
    {
        Outcome.AUTH_ERROR,
        Outcome.NOT_FOUND,
        Outcome.CONFLICT,
        Outcome.THROTTLED,
        Outcome.CLIENT_ERROR,
        Outcome.SERVER_ERROR,
    }
)
_DEPROVISION = frozenset({Lifecycle.DISABLE, Lifecycle.DELETE})


class Ingestor:
    """Turns collector batches into stored counts and metric increments."""

    def __init__(self, *, config: Config, store: Store, metrics: Metrics, clock: Clock) -> None:
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._idps = {app.name: Idp(app.idp) if app.idp else None for app in config.apps}

    def ingest(self, source: SourceSpec, batch: Batch) -> BatchSummary:
        """Classify, commit atomically with the batch's checkpoint, then publish."""
        summary = summarize(batch, app=source.app, idp=self._idps.get(source.app or ""))
        self._store.commit_batch(
            source=source.name,
            checkpoint=batch.checkpoint,
            units=summary.units,
            newest_ts=summary.newest_ts,
            rejected=summary.rejected,
            requests=summary.requests,
            now=self._clock.now(),
        )
        self._metrics.apply(source.name, summary)
        return summary


def summarize(batch: Batch, *, app: str | None, idp: Idp | None) -> BatchSummary:
    """Count a batch by metric labels; pure, so replay, run and the benchmark share it."""
    summary = BatchSummary(units=batch.units)
    summary.rejected.update({reason.value: n for reason, n in batch.rejected.items()})
    newest = None
    for record in batch.records:
        ts = record.ts
        if newest is None or ts > newest:
            newest = ts
        if isinstance(record, ScimRequest):
            _count(summary, classify(record, app=app or record.app or "unknown", idp=idp))
    summary.newest_ts = newest
    return summary


def _count(summary: BatchSummary, event: ScimEvent) -> None:
    app, idp, outcome = event.app, event.idp.value, event.outcome
    summary.requests[
        RequestKey(app, idp, event.resource.value, event.operation.value, outcome.value)
    ] += 1
    if event.duration_s is not None:
        summary.durations.setdefault((app, idp, event.operation.value), []).append(event.duration_s)
    if outcome in _ERROR_OUTCOMES:
        summary.errors[
            (app, idp, status_label(event.status), scim_type_label(event.scim_type))
        ] += 1
    if event.retry_after_s is not None:
        summary.retry_after.setdefault((app, idp), []).append(event.retry_after_s)
    if event.lifecycle in _DEPROVISION:
        summary.deprovisions[(app, idp, outcome.value)] += 1
    if event.quirks:
        _count_quirks(summary, app, idp, outcome.value, event.quirks)


def _count_quirks(
    summary: BatchSummary, app: str, idp: str, outcome: str, quirks: Iterable[str]
) -> None:
    for quirk in quirks:
        summary.quirks[(app, idp, str(quirk), outcome)] += 1
