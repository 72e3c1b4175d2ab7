"""The store seam, named by the questions scimwatch asks of its state."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import Connection

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

    def transaction(self) -> AbstractContextManager[Connection]:
        """A unit of work for the detectors and `write_source`/`add_requests`."""
        ...

    def write_source(
        self,
        conn: Connection,
        *,
        source: str,
        checkpoint: Mapping[str, object],
        units: int,
        newest_ts: float | None,
        rejected: Mapping[str, int],
        now: float,
    ) -> None: ...

    def add_requests(self, conn: Connection, requests: Mapping[RequestKey, int]) -> None: ...

    def refresh_statistics(self) -> None:
        """Have the database re-read its tables' statistics (a bulk load outgrew them)."""
        ...

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Requests per app and outcome class."""
        ...

    def rejected_total(self) -> int: ...

    def prune(self, *, before: float) -> int:
        """Forget per-action history older than `before`; returns the rows removed."""
        ...

    def deprovision_rows(
        self, *, app: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]: ...

    def finding_rows(
        self,
        *,
        app: str | None = None,
        type: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]: ...

    def pending_deprovisions(self) -> list[tuple[str, float]]: ...

    def newest_by_source(self) -> dict[str, float]: ...

    def open_findings(self) -> dict[tuple[str, str], int]: ...

    def newest_ts(self) -> float | None:
        """The latest event time seen in any input."""
        ...

    def ping(self) -> None:
        """Raise StoreError when the database is unreachable."""
        ...

    def close(self) -> None: ...
