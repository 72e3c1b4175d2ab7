"""A Prometheus histogram fed a whole batch at a time.

`prometheus_client.Histogram.observe` takes a lock and walks the buckets for every value;
at log-replay rates that is a measurable share of the work. The ingest pipeline already has
each batch in hand, so it buckets values itself (one `bisect` each) and adds the counts here
once per batch. Exposition is identical to a client Histogram's (a test compares them).
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

_go_float = cast(Callable[[float], str], floatToGoString)  # untyped upstream

__all__ = ["BucketTally", "BulkHistogram"]


class BucketTally:
    """Per-bucket counts and the sum of values, for one label set within one batch."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # last slot: above the highest bound
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value


class BulkHistogram:
    """A labelled histogram registered as a custom collector."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.bounds = tuple(float(b) for b in buckets if not math.isinf(b))
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._series: dict[tuple[str, ...], BucketTally] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def tally(self) -> BucketTally:
        """An empty per-batch tally with this histogram's buckets."""
        return BucketTally(self.bounds)

    def add(self, labels: tuple[str, ...], tally: BucketTally) -> None:
        with self._lock:
            series = self._series.get(labels)
            if series is None:
                series = self._series[labels] = BucketTally(self.bounds)
            for index, count in enumerate(tally.counts):
                series.counts[index] += count
            series.total += tally.total

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        one = self.tally()
        one.observe(value)
        self.add(labels, one)

    def describe(self) -> Iterable[Metric]:
        return [HistogramMetricFamily(self.name, self._documentation, labels=self._labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily(self.name, self._documentation, labels=self._labelnames)
        with self._lock:
            snapshot = [(labels, list(s.counts), s.total) for labels, s in self._series.items()]
        names = [_go_float(b) for b in self.bounds] + ["+Inf"]
        for labels, counts, total in snapshot:
            cumulative, running = [], 0
            for name, count in zip(names, counts, strict=True):
                running += count
                cumulative.append((name, float(running)))
            family.add_metric(list(labels), cumulative, total)
        return [family]
