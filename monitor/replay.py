"""`scimwatch replay`: run every configured source to its end through the live pipeline."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from monitor.config import Config, SourceSpec
from monitor.ingest import Ingestor

__all__ = ["ReplayError", "ReplayStats", "check_inputs", "input_bytes", "replay"]

Progress = Callable[[int], None]


class ReplayError(Exception):
    """An input cannot be read; the message is one line naming the source and the file."""


@dataclass(slots=True)
class ReplayStats:
    units: int = 0
    rejected: int = 0


def _path(config: Config, spec: SourceSpec) -> str:
    return str(config.base_dir / getattr(spec.config, "path"))  # noqa: B009


def check_inputs(config: Config) -> None:
    """Fail early, with the file named, when an input is missing or unreadable."""
    for spec in config.sources:
        path = _path(config, spec)
        try:
            with open(path, "rb"):
                pass
        except OSError as err:
            raise ReplayError(f"source {spec.name}: cannot read {path}: {err.strerror}") from None


def input_bytes(config: Config) -> int:
    return sum(os.path.getsize(_path(config, spec)) for spec in config.sources)


def replay(config: Config, *, ingestor: Ingestor, progress: Progress | None = None) -> ReplayStats:
    """Ingest every source from its start to its current end."""
    stats = ReplayStats()
    for spec in config.sources:
        source = spec.config
        if getattr(source, "start_at", None) == "end":  # a replay reads every file whole
            source = source.model_copy(update={"start_at": "beginning"})
        collector = spec.kind.make(source, name=spec.name, base_dir=config.base_dir)
        try:
            collector.restore(None)
            while (batch := collector.poll(final=True)) is not None:
                summary = ingestor.ingest(spec, batch)
                stats.units += summary.units
                stats.rejected += sum(batch.rejected.values())
                if progress is not None:
                    progress(batch.size)
        finally:
            collector.close()
    return stats
