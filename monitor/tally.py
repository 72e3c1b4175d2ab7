"""Per-batch tallies by metric labels: the hot path between the classifier and the store.

Records are consumed as they are parsed and counted under enum-valued keys (enum members are
strings); keys become plain strings once per distinct key. Every classified event (and every
other record) is also handed to an optional sink: the detectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from collectors.base import Batch
from monitor.classify import classify, scim_type_label, status_label
from monitor.events import Idp, Lifecycle, Outcome, Record, RequestKey, ScimEvent, ScimRequest
from monitor.telemetry.histogram import BucketTally
from monitor.telemetry.metrics import DURATION_BUCKETS, RETRY_AFTER_BUCKETS
from monitor.telemetry.summary import BatchSummary

__all__ = ["Sink", "Tally", "summarize"]

Sink = Callable[[ScimEvent | Record], None]
_OK = Outcome.OK
_DEPROVISION = frozenset({Lifecycle.DISABLE, Lifecycle.DELETE})


def summarize(
    batch: Batch, *, app: str | None, idp: Idp | None, sink: Sink | None = None
) -> BatchSummary:
    """Count one collector batch; replay, run and the benchmark share it."""
    tally = Tally()
    tally.add_all(batch.records, app=app, idp=idp, sink=sink)
    summary = tally.summary()
    summary.units = batch.units
    summary.rejected.update({str(reason): n for reason, n in batch.rejected.items()})
    return summary


class Tally:
    """Per-batch tallies on the hot path; `summary()` turns them into label tuples."""

    __slots__ = (
        "deprovisions",
        "durations",
        "errors",
        "newest",
        "quirks",
        "requests",
        "retry_after",
    )

    def __init__(self) -> None:
        self.newest = float("-inf")
        self.requests: Counter[tuple[str, ...]] = Counter()
        self.errors: Counter[tuple[str, ...]] = Counter()
        self.deprovisions: Counter[tuple[str, ...]] = Counter()
        self.quirks: Counter[tuple[str, ...]] = Counter()
        self.durations: dict[tuple[str, ...], BucketTally] = {}
        self.retry_after: dict[tuple[str, ...], BucketTally] = {}

    def add_all(
        self, records: Iterable[Record], *, app: str | None, idp: Idp | None, sink: Sink | None
    ) -> None:
        """Classify and count records of one source; hand everything to `sink` too."""
        for record in records:
            if record.ts > self.newest:
                self.newest = record.ts
            if type(record) is ScimRequest:
                event = classify(record, app=app or record.app or "unknown", idp=idp)
                self.add(event)
                if sink is not None:
                    sink(event)
            elif sink is not None:
                sink(record)

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
        summary = BatchSummary(newest_ts=self.newest if self.newest != float("-inf") else None)
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
