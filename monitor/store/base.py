"""The store seam, named by the questions scimwatch asks of its state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from monitor.events import RequestKey

__all__ = ["RequestKey", "Store", "StoreError"]


class StoreError(Exception):
    """The database could not be reached or refused a write; the message holds no credentials."""


class Store(Protocol):
    def checkpoint(self, *, source: str) -> dict[str, object] | None:
        """Where a source resumes (None: never committed)."""
        ...

    def commit_batch(
        self,
        *,
        source: str,
        checkpoint: Mapping[str, object],
        units: int,
        newest_ts: float | None,
        rejected: Mapping[str, int],
        requests: Mapping[RequestKey, int],
        now: float,
    ) -> None:
        """Store one batch's counts and its checkpoint atomically: all or nothing."""
        ...

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Requests per app and outcome class."""
        ...

    def rejected_total(self) -> int: ...

    def newest_ts(self) -> float | None:
        """The latest event time seen in any input."""
        ...

    def ping(self) -> None:
        """Raise StoreError when the database is unreachable."""
        ...

    def close(self) -> None: ...
