"""A 429 storm against both Graph sources of one tenant, run by the daemon's own workers.

Graph answers 60 audit requests in a row with 429 and a Retry-After, then recovers. The
sources must never send more than the tenant's budget in any 10 s, never call before a
Retry-After has passed (on the injected clock), and afterwards deliver every record once.
"""

from __future__ import annotations

from pathlib import Path

from fakes.fake_graph import FakeGraph, audit, graph_utc, provisioning
from fakes.fake_okta import SyncASGITransport
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.secret import Secret
from monitor.settings import Settings
from monitor.store.tables import idp_seen, sources

STORM = 60
RETRY_AFTER = (1, 4, 12, 2)  # seconds; 12 is longer than the throttling window


def _app(tmp_path: Path, clock: FakeClock, fake: FakeGraph) -> App:
    (tmp_path / "graph").write_text(fake.secret)
    live = (
        "tenant_id: t1, client_id: c1, client_secret_file: graph, page_size: 3,"
        " graph_url: 'https://graph.test', login_url: 'https://graph.test',"
        " since: '2025-12-31T00:00:00Z'"
    )
    config = parse(
        "apps: [{name: wiki, idp: entra}]\nsources:\n"
        f"  - {{type: entra_provisioning_log, {live}}}\n"
        f"  - {{type: entra_directory_audit, {live}}}\n",
        source="scimwatch.yaml",
        base_dir=tmp_path,
    )
    return App(
        settings=Settings(database_url=Secret(f"sqlite:///{tmp_path / 'db'}")),
        config=config,
        clock=clock,
        registry=CollectorRegistry(),
        transport=SyncASGITransport(fake.app),
    )


def _add(fake: FakeGraph, clock: FakeClock, start: int, count: int) -> None:
    """`count` people, each provisioned and disabled (records a little in the past)."""
    for i in range(count):
        user, when = (
            f"{start + i:08d}-0000-4000-8000-000000000000",
            graph_utc(clock.now() - 120 + i),
        )
        fake.add("provisioning", provisioning(f"p{user}", when, user=user))
        fake.add("directoryAudits", audit(f"a{user}", when, user=user))


def test_a_429_storm_keeps_the_budget_honours_retry_after_and_loses_nothing(
    clock: FakeClock, tmp_path: Path
) -> None:
    fake = FakeGraph(clock=clock, tenant="t1", client_id="c1", secret="storm-secret")
    _add(fake, clock, 0, 20)
    app = _app(tmp_path, clock, fake)
    due = {worker: clock.now() for worker in app.workers}
    steps = dict.fromkeys(app.workers, 0)
    fake.storm(STORM, RETRY_AFTER)
    for step in range(3000):
        if step == 40:  # records written during the storm, some of them late
            _add(fake, clock, 20, 25)
        # The worker due first steps; of two due together, the one that stepped less (threads
        # waking at the same moment take turns, whichever wins the budget)
        worker = min(due, key=lambda w: (due[w], steps[w]))
        steps[worker] += 1
        clock.advance(max(due[worker] - clock.now(), 0.0))
        due[worker] = clock.now() + worker.step()
        if step > 40 and _delivered(app) == (45, 45, 90):
            break
    app.store.close()

    answers = fake.answers
    storm = [(at, retry) for at, status, retry in answers if status == 429]
    assert len(storm) == STORM and fake.throttled == 0  # the storm passed, no other 429
    assert answers[STORM + 1 :] and all(status == 200 for _, status, _ in answers[STORM:])
    for index, (at, status, retry) in enumerate(answers):
        if status == 429:
            assert retry is not None
            later = [t for t, _, _ in answers[index + 1 :]]
            assert all(t >= at + retry for t in later), f"request before Retry-After at {index}"
    times = [at for at, _, _ in answers]
    assert max(sum(1 for t in times if s <= t < s + 10.0) for s in times) <= 5
    assert _delivered(app) == (45, 45, 90)  # every record, each once


def _delivered(app: App) -> tuple[int, int, int]:
    """Records committed per source (units count only new ones) and distinct keys stored."""
    with app.store.engine.connect() as conn:  # type: ignore[attr-defined]
        units = dict(conn.execute(select(sources.c.name, sources.c.units_total)).all())
        keys = conn.execute(select(func.count()).select_from(idp_seen)).scalar_one()
    return (
        units.get("entra_provisioning_log", 0),
        units.get("entra_directory_audit", 0),
        keys,
    )
