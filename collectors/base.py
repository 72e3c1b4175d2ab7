"""The collector seam: what every source hands to the ingest pipeline.

A collector is polled; each poll returns one `Batch` of records plus the checkpoint that
is true once those records are stored. The caller commits records and checkpoint in one
transaction, which is what makes a crash lose nothing and count nothing twice.

Errors::

    CollectorError(reason)      bounded `reason` (a metric label); the supervisor backs off
    └── raised for I/O problems; bad *input* is never an error but a counted `Rejected`
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from monitor.clock import Clock, SystemClock
from monitor.events import Record, RejectReason

if TYPE_CHECKING:
    import httpx

__all__ = ["Batch", "BuildContext", "Collector", "CollectorError", "CollectorKind"]


class CollectorError(Exception):
    """A source could not be read right now; `reason` is bounded so it can label metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True)
class Batch:
    """Records read in one poll, the input units (lines, records) and bytes they came from,
    and where to resume.

    `records` may be a generator that parses as it goes, so a large chunk never holds all its
    parsed bodies at once: it is consumed once, in order, and `units` and `rejected` are final
    only after it has been consumed.
    """

    records: Iterable[Record]
    checkpoint: dict[str, object]
    units: int = 0
    size: int = 0
    rejected: Counter[RejectReason] = field(default_factory=Counter)
    examples: dict[RejectReason, str] = field(default_factory=dict)  # first detail per reason


class Collector(Protocol):
    """One configured source."""

    name: str

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        """Resume from the last committed checkpoint (None: first start)."""
        ...

    def poll(self, *, final: bool = False) -> Batch | None:
        """Read what is new; None when there is nothing right now.

        `final` says the input is complete (replay of finite files): hand out what would
        otherwise be held back waiting for more, such as an unterminated last line.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a live source needs from its host: time (fake in tests) and, for HTTP sources, the
    transport (None: the real network; tests pass an in-process fake server)."""

    clock: Clock
    transport: httpx.BaseTransport | None = None


@dataclass(frozen=True, slots=True)
class CollectorKind:
    """A registry entry: the config `type`, its model, and how to build a collector from it."""

    type: str
    config: builtins.type[BaseModel]
    build: Callable[..., Collector]
    app_bound: bool

    def default_name(self, config: BaseModel) -> str:
        suffix = getattr(config, "app", None) or getattr(config, "application", None)
        return f"{self.type}/{suffix}" if suffix else self.type

    def make(
        self,
        config: BaseModel,
        *,
        name: str,
        base_dir: Path,
        context: BuildContext | None = None,
    ) -> Collector:
        context = context or BuildContext(clock=SystemClock())
        return self.build(config, name=name, base_dir=base_dir, context=context)
