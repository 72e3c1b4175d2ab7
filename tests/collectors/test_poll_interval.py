"""A caught-up API poller rests `poll_interval_seconds` before asking again (collectors/_pacing.py).

Each poller is built from its config with the defaults and driven the way the supervisor drives
it: a batch means poll again at once, a `wait_hint` replaces the daemon's 1-s poll interval.
The audit APIs' budgets are shared with the rest of the org, so an idle source must not spend
one request per daemon poll interval; a backlog must still be read page after page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from collector_kit import (
    build,
    fake_google,
    fake_graph,
    google_config,
    google_poller,
    graph_config,
    graph_poller,
    service_key,
)
from fakes.fake_google import activity
from fakes.fake_graph import graph_utc, provisioning
from fakes.fake_okta import FakeOkta, SyncASGITransport, event, utc

from collectors import okta_system_log
from collectors.base import Batch, Collector
from monitor.clock import FakeClock
from monitor.events import IdpRecord

DAEMON_INTERVAL = 1.0  # SCIMWATCH_POLL_INTERVAL's default


@dataclass
class Rig:
    """A poller, a way to add one record `age` seconds old, and the fake's request count."""

    collector: Collector
    add: Callable[[str, float], None]
    requests: Callable[[], int]
    interval: float


def okta(tmp_path: Path, clock: FakeClock, options: dict[str, Any]) -> Rig:
    fake = FakeOkta(clock=clock, token="t0k", rate_limit=1000)
    (tmp_path / "okta.token").write_text("t0k\n")
    raw = {"type": "okta_system_log", "url": "https://acme.okta.com", "token_file": "okta.token"}
    config = okta_system_log.Config.model_validate({**raw, **options})
    made = build(config, tmp_path, clock, SyncASGITransport(fake.app), "okta")
    return Rig(
        made,
        lambda key, age: fake.add(event(key, utc(clock.now() - age))),
        lambda: len(fake.seen_urls),
        config.poll_interval_seconds,
    )


def graph(tmp_path: Path, clock: FakeClock, options: dict[str, Any]) -> Rig:
    fake = fake_graph(clock)
    made = graph_poller(tmp_path, clock, SyncASGITransport(fake.app), name="entra", **options)
    return Rig(
        made,
        lambda key, age: fake.add("provisioning", provisioning(key, graph_utc(clock.now() - age))),
        lambda: len(fake.seen_urls),
        graph_config(**options).poll_interval_seconds,  # what the poller was built with
    )


def google(tmp_path: Path, clock: FakeClock, options: dict[str, Any]) -> Rig:
    key = service_key()
    fake = fake_google(clock, key)
    config = google_config(**options)
    made = google_poller(tmp_path, clock, SyncASGITransport(fake.app), key, config)
    return Rig(
        made,
        lambda key, age: fake.add(activity(utc(clock.now() - age), f"-{key}")),
        lambda: len(fake.seen_at),
        config.poll_interval_seconds,
    )


RIGS = {"okta": okta, "graph": graph, "google": google}
DEFAULTS = {"okta": 10.0, "graph": 30.0, "google": 60.0}


def supervise(collector: Collector, clock: FakeClock, until: float) -> list[Batch]:
    """Poll as the supervisor does until the clock reaches `until`."""
    batches: list[Batch] = []
    for _ in range(10_000):
        if clock.now() >= until:
            return batches
        batch = collector.poll()
        if batch is not None:
            batches.append(batch)
            continue
        hint = collector.wait_hint()  # type: ignore[attr-defined]
        clock.advance(DAEMON_INTERVAL if hint is None else hint)
    raise AssertionError("the poller never let the clock reach the deadline")


def keys(batches: list[Batch | None]) -> list[str]:
    """Record names as added (Google's keys are `time/qualifier`)."""
    found = [r.key for b in batches if b for r in b.records if isinstance(r, IdpRecord)]
    return [key.rsplit("/-", 1)[-1] for key in found]


@pytest.mark.parametrize("name", RIGS)
def test_defaults_follow_the_vendors_suggested_polling(
    name: str, tmp_path: Path, clock: FakeClock
) -> None:
    assert RIGS[name](tmp_path, clock, {}).interval == DEFAULTS[name]


@pytest.mark.parametrize("name", RIGS)
def test_an_idle_source_asks_once_per_interval(name: str, tmp_path: Path, clock: FakeClock) -> None:
    rig = RIGS[name](tmp_path, clock, {})
    rig.add("r0", 900)
    start = clock.now()
    batches = supervise(rig.collector, clock, start + 600)
    assert len(set(keys(batches))) == 1
    # One cycle per interval, plus the first; Google's admin lag of 120 s makes no difference.
    assert rig.requests() <= 600 / rig.interval + 2
    assert rig.requests() >= 600 / rig.interval - 2  # it does keep polling


@pytest.mark.parametrize("name", RIGS)
def test_a_record_written_while_resting_arrives_after_the_rest(
    name: str, tmp_path: Path, clock: FakeClock
) -> None:
    rig = RIGS[name](tmp_path, clock, {"poll_interval_seconds": 45})
    rig.add("r0", 900)
    assert keys([rig.collector.poll()]) == ["r0"]
    assert rig.collector.wait_hint() == 45  # type: ignore[attr-defined]
    asked = rig.requests()
    rig.add("r1", 800)
    clock.advance(44.9)
    assert rig.collector.poll() is None and rig.requests() == asked  # resting: no request
    clock.advance(0.1)
    assert "r1" in keys([rig.collector.poll()])  # (Google's overlap re-reads r0: deduplicated
    # downstream by id)
    assert rig.requests() == asked + 1


@pytest.mark.parametrize("name", ["okta", "graph"])
def test_a_backlog_is_read_page_after_page_without_resting(
    name: str, tmp_path: Path, clock: FakeClock
) -> None:
    size = {"okta": "limit", "graph": "page_size"}[name]
    rig = RIGS[name](tmp_path, clock, {size: 2})
    for i in range(9):
        rig.add(f"r{i}", 900 - i)
    start = clock.now()
    found = supervise(rig.collector, clock, start + 0.5)
    assert keys(found) == [f"r{i}" for i in range(9)]
    assert len(found) == 5  # five pages inside half a second: no rest between them
