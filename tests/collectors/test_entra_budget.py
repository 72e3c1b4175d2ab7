"""The tenant's shared Graph request budget as configured: `rate_limit_requests` per
`rate_limit_window_seconds` (default 5 per 10 s), the strictest of a tenant's sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from collector_kit import fake_graph, graph_poller
from fakes.fake_graph import FakeGraph, audit, graph_utc, provisioning
from fakes.fake_okta import SyncASGITransport

from collectors import entra_directory_audit, entra_provisioning_log
from collectors._graph_auth import GraphBudget, budget_for
from collectors.base import Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.config_errors import ConfigError

TENANT = "t-budget"


@pytest.fixture
def fake(clock: FakeClock) -> FakeGraph:
    graph = fake_graph(clock, TENANT)
    graph.add(
        "provisioning", *[provisioning(f"p{i}", graph_utc(clock.now() - 99 + i)) for i in range(40)]
    )
    graph.add(
        "directoryAudits", *[audit(f"a{i}", graph_utc(clock.now() - 99 + i)) for i in range(40)]
    )
    return graph


def make(tmp_path: Path, clock: FakeClock, fake: FakeGraph, kind: Any, **options: Any) -> Collector:
    transport = SyncASGITransport(fake.app)
    options |= {"tenant_id": TENANT, "page_size": 2}
    collector = graph_poller(tmp_path, clock, transport, fake.secret, kind, rested=False, **options)
    collector.restore(None)
    return collector


def run(collectors: list[Collector], clock: FakeClock, steps: int = 400) -> set[str]:
    """Poll round-robin the way the supervisor would, until every record was read."""
    keys: set[str] = set()
    for _ in range(steps):
        if len(keys) == 80 or (len(keys) == 40 and len(collectors) == 1):
            return keys
        for collector in collectors:
            batch = collector.poll()
            keys.update(record.key for record in batch.records) if batch else None  # type: ignore[attr-defined]
        hints = [c.wait_hint() for c in collectors]  # type: ignore[attr-defined]
        clock.advance(min([h for h in hints if h] or [1.0]))
    raise AssertionError(f"only {len(keys)} records after {steps} rounds")


def most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_a_stricter_budget_is_kept(fake: FakeGraph, clock: FakeClock, tmp_path: Path) -> None:
    options = {"rate_limit_requests": 2, "rate_limit_window_seconds": 20}
    collector = make(tmp_path, clock, fake, entra_provisioning_log, **options)
    assert len(run([collector], clock)) == 40
    times = [at for at, _, _ in fake.answers]
    assert len(times) == 20 and fake.throttled == 0
    assert most_in_any_window(times, 20.0) == 2  # the default would send 5 in 10 s
    assert budget_for(TENANT, clock, 2, 20).limit == (2, 20.0)


def test_a_looser_budget_is_used(fake: FakeGraph, clock: FakeClock, tmp_path: Path) -> None:
    """An app registration with a higher limit (another cloud, a future quota) can use it."""
    fake.limit = 10
    options = {"rate_limit_requests": 10, "rate_limit_window_seconds": 10}
    collector = make(tmp_path, clock, fake, entra_provisioning_log, **options)
    assert len(run([collector], clock)) == 40
    times = [at for at, _, _ in fake.answers]
    assert most_in_any_window(times, 10.0) == 10 and fake.throttled == 0


@pytest.mark.parametrize("strict_first", [True, False])
def test_sources_of_one_tenant_share_the_strictest_budget(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path, strict_first: bool
) -> None:
    """One source asks 5 per 10 s (the default), the other 3 per 30 s: both get 3 per 30 s,
    whichever was built first; a looser third source loosens nothing."""
    kinds: list[tuple[Any, dict[str, Any]]] = [
        (entra_directory_audit, {"rate_limit_requests": 3, "rate_limit_window_seconds": 30}),
        (entra_provisioning_log, {}),
    ]
    if not strict_first:
        kinds.reverse()
    collectors = [make(tmp_path, clock, fake, kind, **options) for kind, options in kinds]
    make(tmp_path, clock, fake, entra_provisioning_log, rate_limit_requests=50).close()
    assert budget_for(TENANT, clock, 3, 30).limit == (3, 30.0)
    assert len(run(collectors, clock, steps=2000)) == 80
    times = [at for at, _, _ in fake.answers]
    assert len(times) >= 40 and most_in_any_window(times, 30.0) == 3  # 20 pages each


def test_a_tightened_budget_waits_until_fewer_than_its_limit_remain() -> None:
    """Five requests sent under 5 per 10 s, then a source asks for 2 per 10 s: the next may
    go only when four of the five have left the window, not when the first has."""
    clock = FakeClock()
    budget = GraphBudget(clock, 5, 10.0, margin=0.0)
    clock.advance(10.0)
    for _ in range(5):
        assert budget.try_acquire()
        clock.advance(1.0)
    budget.tighten(2, 10.0)
    assert budget.wait() == pytest.approx(8.0)  # the 4th request left at +3 s: 3 + 10 - 5
    clock.advance(7.9)
    assert not budget.try_acquire()
    clock.advance(0.1)
    assert budget.try_acquire() and not budget.try_acquire()
    budget.tighten(4, 5.0)  # looser in both parts: nothing changes
    assert budget.limit == (2, 10.0)


def test_budget_options_are_validated(tmp_path: Path) -> None:
    live = "tenant_id: t1, client_id: c1, client_secret_env: S"
    cases = {
        f"{live}, rate_limit_requests: 0": "rate_limit_requests: Input should be greater than or",
        f"{live}, rate_limit_window_seconds: 0": "rate_limit_window_seconds: Input should be",
        "path: a.json, rate_limit_requests: 3": "rate_limit_requests apply only with tenant_id",
    }
    for fields, message in cases.items():
        text = f"apps: [{{name: hr}}]\nsources: [{{type: entra_directory_audit, {fields}}}]\n"
        with pytest.raises(ConfigError) as caught:
            parse(text, source="x.yaml", base_dir=tmp_path)
        problems = caught.value.problems
        assert len(problems) == 1 and problems[0].startswith("x.yaml:2:"), problems
        assert message in problems[0], problems
    text = f"apps: [{{name: hr}}]\nsources: [{{type: entra_provisioning_log, {live}}}]\n"
    config: Any = parse(text, source="x.yaml", base_dir=tmp_path).sources[0].config
    assert (config.rate_limit_requests, config.rate_limit_window_seconds) == (5, 10.0)
