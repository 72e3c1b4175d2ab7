"""Glue between `scimwatch replay` and the pipeline: store, metrics, progress bar, report."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from prometheus_client import CollectorRegistry, push_to_gateway

from monitor import __version__
from monitor.clock import SystemClock
from monitor.config import Config
from monitor.ingest import Ingestor
from monitor.replay import ReplayError, check_inputs, input_bytes, replay
from monitor.report import build_report
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.state import StateCollector

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["Push", "PushError", "run_replay"]


class PushError(Exception):
    """The Pushgateway could not be reached or refused the metrics; the report is still good."""

    def __init__(self, message: str, report: dict[str, object]) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class Push:
    """Where the replay's metrics go: a Pushgateway, a job name and a grouping key."""

    url: str
    job: str = "scimwatch_replay"
    grouping: Mapping[str, str] = field(default_factory=dict)


def run_replay(
    config: Config, *, url: str, progress: bool, push: Push | None = None
) -> dict[str, object]:
    """Replay into the store at `url` and return the report; ReplayError on unreadable input.
    With `push`, the replay's metrics (state gauges at the replay's `now` included) go to a
    Pushgateway before the store closes; PushError when that fails."""
    try:
        check_inputs(config)
    except ReplayError as err:
        raise OSError(str(err)) from None
    store = SqlStore(url)
    try:
        registry = CollectorRegistry()
        metrics = Metrics(registry, version=__version__)
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
        report = build_report(store, config)
        if push is not None:
            try:
                _push(push, registry, store, config)
            except OSError as err:  # URLError and HTTPError are OSErrors
                raise PushError(f"cannot push to {push.url}: {err}", report) from None
        return report
    finally:
        store.close()


def _push(push: Push, registry: CollectorRegistry, store: SqlStore, config: Config) -> None:
    newest = store.newest_ts()
    registry.register(
        StateCollector(
            store,
            apps=[app.name for app in config.apps],
            slo=config.slo_seconds,
            now=lambda: newest or 0.0,
        )
    )
    push_to_gateway(push.url, job=push.job, registry=registry, grouping_key=dict(push.grouping))
