"""Glue between `scimwatch replay` and the pipeline: store, metrics, progress bar, report."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from prometheus_client import CollectorRegistry

from monitor import __version__
from monitor.clock import SystemClock
from monitor.config import Config
from monitor.ingest import Ingestor
from monitor.replay import ReplayError, check_inputs, input_bytes, replay
from monitor.report import build_report
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["run_replay"]


def run_replay(config: Config, *, url: str, progress: bool) -> dict[str, object]:
    """Replay into the store at `url` and return the report; ReplayError on unreadable input."""
    try:
        check_inputs(config)
    except ReplayError as err:
        raise OSError(str(err)) from None
    store = SqlStore(url)
    try:
        metrics = Metrics(CollectorRegistry(), version=__version__)
        ingestor = Ingestor(config=config, store=store, metrics=metrics, clock=SystemClock())
        if progress:
            bar: ProgressBar[int] = click.progressbar(
                length=input_bytes(config),
                label="replaying",
                show_percent=True,
                show_eta=True,
                file=sys.stderr,
            )
            with bar:
                replay(config, ingestor=ingestor, progress=bar.update)
        else:
            replay(config, ingestor=ingestor)
        return build_report(store, config)
    finally:
        store.close()
