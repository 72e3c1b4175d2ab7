"""SqlStore on SQLite and PostgreSQL: atomic batches, counters, checkpoints, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from monitor.events import RequestKey
from monitor.store import SqlStore, StoreError, normalize_url
from monitor.store.sql import SQLITE_CACHE_KIB
from monitor.store.tables import metadata

KEY = RequestKey("billing", "entra", "User", "patch", "ok")


def commit(store: SqlStore, **overrides: object) -> None:
    values: dict[str, object] = {
        "source": "scim_log/billing",
        "checkpoint": {"offset": 10},
        "units": 3,
        "newest_ts": 100.0,
        "rejected": {},
        "requests": {KEY: 2},
        "now": 1.0,
    }
    values.update(overrides)
    store.commit_batch(**values)  # type: ignore[arg-type]


def test_batches_add_up_and_checkpoint_moves(store: SqlStore) -> None:
    assert store.checkpoint(source="scim_log/billing") is None
    commit(store, rejected={"invalid_json": 1})
    commit(
        store,
        checkpoint={"offset": 20},
        newest_ts=90.0,
        rejected={"invalid_json": 2},
        requests={KEY: 1, KEY._replace(outcome="throttled"): 4},
    )
    assert store.checkpoint(source="scim_log/billing") == {"offset": 20}
    assert store.request_counts() == {"billing": {"ok": 3, "throttled": 4}}
    assert store.rejected_total() == 3
    assert store.newest_ts() == 100.0


def test_newest_ts_survives_batches_without_times(store: SqlStore) -> None:
    commit(store, newest_ts=None)
    assert store.newest_ts() is None
    commit(store, newest_ts=50.0)
    commit(store, newest_ts=None)
    assert store.newest_ts() == 50.0


def test_counts_group_across_idp_resource_and_operation(store: SqlStore) -> None:
    commit(store, requests={KEY: 1, KEY._replace(idp="okta", operation="get"): 5})
    assert store.request_counts() == {"billing": {"ok": 6}}


def test_a_failed_batch_changes_nothing(store: SqlStore) -> None:
    commit(store)
    with pytest.raises(StoreError):  # NULL count: the database refuses the second statement
        commit(store, checkpoint={"offset": 99}, rejected={"invalid_json": None})
    assert store.checkpoint(source="scim_log/billing") == {"offset": 10}
    assert store.request_counts() == {"billing": {"ok": 2}}
    assert store.rejected_total() == 0


def test_migrations_build_the_declared_schema(store: SqlStore) -> None:
    inspector = inspect(store.engine)
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name


def test_migrate_twice_is_harmless(store_url: str) -> None:
    SqlStore(store_url).close()
    again = SqlStore(store_url)
    again.ping()
    again.close()


def test_unreachable_database_error_hides_the_password() -> None:
    store = SqlStore("postgresql://scim:hunter2@127.0.0.1:1/nowhere", migrate=False)
    with pytest.raises(StoreError) as caught:
        store.ping()
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_normalize_url_picks_psycopg() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_match_the_declared_metadata(store: SqlStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_prune_forgets_old_actions_and_dedupe_keys_only(store: SqlStore) -> None:
    from monitor.store.tables import activity, findings, idp_seen

    with store.transaction() as conn:
        conn.execute(
            activity.insert(),
            [
                {"app": "hr", "user_key": "a@x", "ts": ts, "source": "app_activity"}
                for ts in (10.0, 20.0, 30.0)
            ],
        )
        conn.execute(idp_seen.insert(), [{"key": "k1", "ts": 5.0}, {"key": "k2", "ts": 50.0}])
        conn.execute(
            findings.insert().values(
                type="digital_twin",
                app="hr",
                subject="a|b",
                fields="{}",
                first_at=1.0,
                last_at=1.0,
                count=1,
                status="open",
            )
        )
    assert store.prune(before=25.0) == 3
    with store.engine.connect() as conn:
        assert [r.ts for r in conn.execute(activity.select())] == [30.0]
        assert [r.key for r in conn.execute(idp_seen.select())] == ["k2"]
        assert conn.execute(findings.select()).first() is not None


def test_concurrent_read_then_write_transactions_wait_instead_of_failing(
    store: SqlStore,
) -> None:
    """Ingest workers and the alert pipeline write from several threads: each transaction
    reads, then writes, and none may fail with "database is locked" (SQLite upgrades)."""
    import threading

    from sqlalchemy import func, insert, select

    from monitor.store.tables_alerting import leases

    errors: list[Exception] = []

    def writer(name: str) -> None:
        try:
            for i in range(40):
                with store.transaction() as conn:
                    conn.execute(select(func.count()).select_from(leases)).scalar_one()
                    conn.execute(
                        insert(leases).values(name=f"{name}-{i}", holder=name, expires_at=0)
                    )
        except Exception as err:  # collected: the assertion below shows them
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(leases)).scalar_one() == 160


def test_sqlite_connections_keep_a_large_page_cache_in_wal_mode(tmp_path: Path) -> None:
    """Every pooled connection gets the pragmas, not only the first one."""
    store = SqlStore(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        with store.engine.connect() as first, store.engine.connect() as second:
            for conn in (first, second):
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()
