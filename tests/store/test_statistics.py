"""Statistics a bulk load outgrows are re-read: `SqlStore.refresh_statistics` runs ANALYZE on
PostgreSQL, and a replay asks for it after chunks 1, 2, 4, 8... (while its tables double).

Plans made while a table looked empty stay in use as it grows (a 200-value lookup by
(idp, user_id) used its index for `idp` alone); a 10-copy replay into PostgreSQL spent about
a quarter of its time in such plans."""

from __future__ import annotations

from pathlib import Path

from contract_util import SAMPLE
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from monitor.clock import FakeClock
from monitor.config import load
from monitor.ingest import Ingestor
from monitor.replay import replay
from monitor.store import SqlStore
from monitor.store.tables import idp_people
from monitor.telemetry.metrics import Metrics


def test_refresh_reads_the_tables_sizes_again(store: SqlStore) -> None:
    with store.transaction() as conn:
        rows = [
            {"idp": "okta", "user_id": f"00u{i}", "state": "active", "state_at": 0.0}
            for i in range(500)
        ]
        conn.execute(idp_people.insert(), rows)
    store.refresh_statistics()
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            size = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'idp_people'")
            ).scalar()
            assert size == 500
        else:  # SQLite plans without statistics: nothing is analyzed
            found = text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert conn.execute(found).scalar() == 0


class CountingStore(SqlStore):
    refreshed = 0

    def refresh_statistics(self) -> None:
        self.refreshed += 1
        super().refresh_statistics()


def test_a_replay_refreshes_after_chunks_one_two_four_eight(tmp_path: Path) -> None:
    config = load(SAMPLE / "scimwatch.yaml")
    store = CountingStore(f"sqlite:///{tmp_path}/replay.db")
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    replay(config, ingestor=ingestor, chunk=1_500)  # the sample's 14,697 records: 10 chunks
    store.close()
    assert store.refreshed == 4
