"""What one batch adds to the counters: built by the ingest pipeline, published after commit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from monitor.events import RequestKey
from monitor.telemetry.histogram import BucketTally

__all__ = ["BatchSummary"]


@dataclass(slots=True)
class BatchSummary:
    """Label tuples to increments (or observed values), in metric label order."""

    units: int = 0
    newest_ts: float | None = None
    rejected: Counter[str] = field(default_factory=Counter)
    requests: Counter[RequestKey] = field(default_factory=Counter)
    errors: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    deprovisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    quirks: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    durations: dict[tuple[str, str, str], BucketTally] = field(default_factory=dict)
    retry_after: dict[tuple[str, str], BucketTally] = field(default_factory=dict)
