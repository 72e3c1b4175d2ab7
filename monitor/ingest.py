"""The ingest pipeline shared by `replay` and `run`: classify a batch, commit it, publish it.

collector batch -> classifier -> summary -> store (one transaction with the checkpoint)
-> metrics. Metrics are published only after the commit, so what Prometheus shows was
durably counted; a crash between the two loses a scrape's worth of increments, never data.
"""

from __future__ import annotations

import logging
from collections import Counter

from collectors.base import Batch
from monitor.classify import classify, scim_type_label, status_label
from monitor.clock import Clock
from monitor.config import Config, SourceSpec
from monitor.events import Idp, Lifecycle, Outcome, RequestKey, ScimEvent, ScimRequest
from monitor.store.base import Store
from monitor.telemetry.histogram import BucketTally
from monitor.telemetry.metrics import DURATION_BUCKETS, RETRY_AFTER_BUCKETS, Metrics
from monitor.telemetry.summary import BatchSummary

__all__ = ["Ingestor", "summarize"]

log = logging.getLogger("scimwatch.ingest")

_OK = Outcome.OK
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
        if summary.rejected:
            log.warning(
                "source %s: skipped %d unreadable lines (%s)",
                source.name,
                sum(summary.rejected.values()),
                _describe(batch),
            )
        return summary


def _describe(batch: Batch) -> str:
    """`invalid_json: 3, e.g. not JSON; ...`: details never echo input, which may hold secrets."""
    return "; ".join(
        f"{reason}: {n}"
        + (f", e.g. {batch.examples[reason]}" if batch.examples.get(reason) else "")
        for reason, n in sorted(batch.rejected.items())
    )


def summarize(batch: Batch, *, app: str | None, idp: Idp | None) -> BatchSummary:
    """Count a batch by metric labels; pure, so replay, run and the benchmark share it.

    Records are consumed as they are parsed and counted under enum-valued keys (enum members
    are strings); keys become plain strings once per distinct key at the end.
    """
    counts = _Counts()
    newest = float("-inf")
    for record in batch.records:
        if record.ts > newest:
            newest = record.ts
        if type(record) is ScimRequest:
            counts.add(classify(record, app=app or record.app or "unknown", idp=idp))
    summary = counts.summary()
    summary.units = batch.units
    summary.rejected.update({str(reason): n for reason, n in batch.rejected.items()})
    summary.newest_ts = newest if newest != float("-inf") else None
    return summary


class _Counts:
    """Per-batch tallies on the hot path; `summary()` turns them into label tuples."""

    __slots__ = ("deprovisions", "durations", "errors", "quirks", "requests", "retry_after")

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, ...]] = Counter()
        self.errors: Counter[tuple[str, ...]] = Counter()
        self.deprovisions: Counter[tuple[str, ...]] = Counter()
        self.quirks: Counter[tuple[str, ...]] = Counter()
        self.durations: dict[tuple[str, ...], BucketTally] = {}
        self.retry_after: dict[tuple[str, ...], BucketTally] = {}

    def add(self, event: ScimEvent) -> None:
        app, idp, outcome = event.app, event.idp, event.outcome
        self.requests[(app, idp, event.resource, event.operation, outcome)] += 1
        if event.duration_s is not None:
            key = (app, idp, event.operation)
            tally = self.durations.get(key)
            if tally is None:
                tally = self.durations[key] = BucketTally(DURATION_BUCKETS)
            tally.observe(event.duration_s)
        if outcome is not _OK:
            self.errors[
                (app, idp, status_label(event.status), scim_type_label(event.scim_type))
            ] += 1
        if event.retry_after_s is not None:
            wait = self.retry_after.get((app, idp))
            if wait is None:
                wait = self.retry_after[(app, idp)] = BucketTally(RETRY_AFTER_BUCKETS)
            wait.observe(event.retry_after_s)
        if event.lifecycle in _DEPROVISION:
            self.deprovisions[(app, idp, outcome)] += 1
        for quirk in event.quirks:
            self.quirks[(app, idp, quirk, outcome)] += 1

    def summary(self) -> BatchSummary:
        summary = BatchSummary()
        summary.requests.update({RequestKey(*map(str, k)): n for k, n in self.requests.items()})
        summary.errors.update({_plain4(k): n for k, n in self.errors.items()})
        summary.deprovisions.update({_plain3(k): n for k, n in self.deprovisions.items()})
        summary.quirks.update({_plain4(k): n for k, n in self.quirks.items()})
        summary.durations = {_plain3(k): v for k, v in self.durations.items()}
        summary.retry_after = {(str(k[0]), str(k[1])): v for k, v in self.retry_after.items()}
        return summary


def _plain3(key: tuple[str, ...]) -> tuple[str, str, str]:
    return (str(key[0]), str(key[1]), str(key[2]))


def _plain4(key: tuple[str, ...]) -> tuple[str, str, str, str]:
    return (str(key[0]), str(key[1]), str(key[2]), str(key[3]))
