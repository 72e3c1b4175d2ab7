"""SourceWorker: isolation, backoff, and exactly-once counting across failures."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Connection

from collectors.base import CollectorError
from monitor.clock import FakeClock
from monitor.config import Config, parse
from monitor.events import RequestKey
from monitor.ingest import Ingestor
from monitor.store import SqlStore, StoreError
from monitor.supervisor import SourceWorker, backoff_seconds
from monitor.telemetry.metrics import Metrics


class FlakyStore(SqlStore):
    """A real store whose next commits fail on demand, like a database that went away."""

    fail_commits = 0

    def write_source(self, conn: Connection, **kwargs: Any) -> None:
        if self.fail_commits:
            self.fail_commits -= 1
            raise StoreError("cannot commit batch: connection reset")
        super().write_source(conn, **kwargs)


def write(path: Path, start: int, count: int) -> None:
    with path.open("a") as handle:
        for i in range(start, start + count):
            handle.write(
                json.dumps(
                    {
                        "ts": f"2026-11-05T10:00:{i % 60:02d}Z",
                        "method": "GET",
                        "path": f"/Users/{i}",
                        "status": 200,
                    }
                )
                + "\n"
            )


@pytest.fixture
def config(tmp_path: Path) -> Config:
    text = "apps: [{name: hr}]\nsources: [{type: scim_log, app: hr, path: hr.log}]\n"
    return parse(text, source="x.yaml", base_dir=tmp_path)


def make_worker(config: Config, store: SqlStore, clock: FakeClock) -> tuple[SourceWorker, Metrics]:
    metrics = Metrics(CollectorRegistry())
    spec = config.sources[0]
    collector = spec.kind.make(spec.config, name=spec.name, base_dir=config.base_dir)
    ingestor = Ingestor(config=config, store=store, metrics=metrics, clock=clock)
    worker = SourceWorker(
        spec=spec,
        collector=collector,
        ingestor=ingestor,
        store=store,
        metrics=metrics,
        clock=clock,
        stop=threading.Event(),
        poll_interval=2.0,
    )
    return worker, metrics


def value(metrics: Metrics, name: str, labels: Mapping[str, str]) -> float | None:
    return metrics.registry.get_sample_value(name, dict(labels))


def test_failed_commit_is_retried_from_the_checkpoint_without_double_counting(
    config: Config,
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    store = FlakyStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    worker, metrics = make_worker(config, store, clock)
    write(tmp_path / "hr.log", 0, 100)
    assert worker.step() == 0.0  # a chunk was ingested; poll again at once
    assert worker.step() == 2.0  # nothing new: wait the poll interval
    write(tmp_path / "hr.log", 100, 50)
    store.fail_commits = 2
    assert worker.step() == 1.0
    assert worker.step() == 2.0  # exponential backoff
    up = {"collector": "scim_log/hr"}
    assert value(metrics, "scimwatch_collector_up", up) == 0
    assert (
        value(
            metrics,
            "scimwatch_collector_errors_total",
            {"collector": "scim_log/hr", "reason": "store"},
        )
        == 2
    )
    while worker.step() == 0.0:
        pass
    assert store.request_counts() == {"hr": {"ok": 150}}
    assert value(metrics, "scimwatch_collector_up", up) == 1
    assert value(metrics, "scimwatch_collector_last_success_timestamp_seconds", up) == clock.now()
    key = RequestKey("hr", "generic", "User", "get", "ok")
    assert value(metrics, "scimwatch_scim_requests_total", key._asdict()) == 150


def test_unreadable_file_marks_the_collector_down_and_recovers(
    config: Config,
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    worker, metrics = make_worker(config, store, clock)
    log = tmp_path / "hr.log"
    log.mkdir()  # a directory where a file should be: reading it fails
    assert worker.step() == 1.0
    assert value(metrics, "scimwatch_collector_up", {"collector": "scim_log/hr"}) == 0
    os.rmdir(log)
    write(log, 0, 3)
    while worker.step() == 0.0:
        pass
    assert store.request_counts() == {"hr": {"ok": 3}}
    assert value(metrics, "scimwatch_collector_up", {"collector": "scim_log/hr"}) == 1


def test_run_stops_when_asked(config: Config, tmp_path: Path, clock: FakeClock) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    worker, _ = make_worker(config, store, clock)
    stop = worker._stop
    stop.set()
    worker.run()  # returns at once instead of polling forever
    assert not worker.thread.is_alive()


def test_backoff_doubles_and_caps() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(30) == 60.0


class Throttled:
    """A collector that reports when it may be polled again, like a rate-limited API."""

    name = "scim_log/hr"

    def __init__(self) -> None:
        self.hint: float | None = None
        self.refuse = False

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        return None

    def poll(self, *, final: bool = False) -> None:
        if self.refuse:
            raise CollectorError("rate_limited", "HTTP 429 E0000047")

    def wait_hint(self) -> float | None:
        return self.hint

    def close(self) -> None:
        return None


def test_wait_hint_replaces_the_poll_interval_and_the_backoff(
    config: Config, tmp_path: Path, clock: FakeClock
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    metrics = Metrics(CollectorRegistry())
    collector = Throttled()
    worker = SourceWorker(
        spec=config.sources[0],
        collector=collector,
        ingestor=Ingestor(config=config, store=store, metrics=metrics, clock=clock),
        store=store,
        metrics=metrics,
        clock=clock,
        stop=threading.Event(),
        poll_interval=2.0,
    )
    assert worker.step() == 2.0  # no hint: the poll interval
    collector.hint = 37.5
    assert worker.step() == 37.5
    collector.hint = -3.0  # the window already reset
    assert worker.step() == 0.0
    collector.refuse, collector.hint = True, 42.0
    assert worker.step() == 42.0  # not the 1 s backoff: the server said when
    labels = {"collector": "scim_log/hr", "reason": "rate_limited"}
    assert value(metrics, "scimwatch_collector_errors_total", labels) == 1
    collector.hint = None
    assert worker.step() == 2.0  # second failure, no hint: exponential backoff
