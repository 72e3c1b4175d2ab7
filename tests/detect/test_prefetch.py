"""A batch's rows read up front (`Correlator.handle_all`) change no answer: the shared sample,
cut into batches, leaves every detection table exactly as handling record by record does, on
SQLite and PostgreSQL. Duplicates within a batch and across batches are deduplicated once, and
the accounts the records name or match by key are read up front, not one by one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from detect.sample_items import SAMPLE, Items, dump_tables, sample_items
from sqlalchemy import bindparam, select

from monitor.classify.idp import normalize
from monitor.config import Config, load
from monitor.detect.correlate import Correlator
from monitor.detect.prefetch import (
    IN_SIZE,
    by_pairs,
    in_parts,
    one_of_params,
    pair_parts,
    read_pairs,
)
from monitor.events import IdpRecord, ScimEvent
from monitor.ingest import app_index
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import idp_seen, metadata, sp_resources

Handler = Callable[[Correlator, Items], None]


def _run(
    store: SqlStore, config: Config, items: Items, size: int, how: Handler
) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    for start in range(0, len(items), size):
        with store.transaction() as conn:
            correlator = Correlator(conn, app_index(config))
            how(correlator, items[start : start + size])
            correlator.finish()
    return dump_tables(store)


def _one_by_one(correlator: Correlator, items: Items) -> None:
    for item in items:
        correlator.handle(item)


def _up_front(correlator: Correlator, items: Items) -> None:
    correlator.handle_all(items)


@pytest.mark.parametrize("size", [700, 5000])
def test_handle_all_stores_what_one_by_one_stores(store: SqlStore, size: int) -> None:
    config = load(SAMPLE / "scimwatch.yaml")
    items = sample_items(config)
    # Each IdP record twice more: once in the same batch, once (re-read) far later.
    idp = [item for item in items if isinstance(item, IdpRecord)][:300]
    items = [*items[:2000], *idp, *items[2000:], *idp]
    expected = _run(store, config, items, size, _one_by_one)
    got = _run(store, config, items, size, _up_front)
    assert sum(map(len, expected.values())) > 10_000  # the sample filled the tables
    keys = {
        event.key
        for record in idp
        for event in normalize(record)
        if event.user_id and event.success is not False
    }
    assert keys and keys <= {row[0] for row in expected["idp_seen"]}
    for table, rows in expected.items():
        assert got[table] == rows, table


def test_parts_are_distinct_in_order_and_shaped_for_the_store(store: SqlStore) -> None:
    """SQLite takes `IN_SIZE` values a statement, the last part padded with its last value
    (one prepared statement); PostgreSQL takes them as arrays, `ARRAY_SIZE` a statement."""
    values = [f"k{i % 450}" for i in range(900)]
    distinct = [f"k{i}" for i in range(450)]
    with store.transaction() as conn:
        db = Db(conn)
        parts = list(in_parts(db, values))
        pairs = list(
            pair_parts(db, [("crm" if i % 2 else "wiki", v) for i, v in enumerate(values)])
        )
    assert [v for part, _ in parts for v in part] == distinct
    assert [v for part, _ in pairs for _, v in part] == distinct
    if store.engine.dialect.name == "postgresql":
        assert [params for _, params in parts] == [{"one_of": distinct}]
        assert [params["pair_values"] for _, params in pairs] == [distinct]
        assert pairs[0][1]["pair_apps"] == [app for app, _ in pairs[0][0]]
        return
    assert [len(part) for part, _ in parts] == [IN_SIZE, IN_SIZE, 50]
    last, params = parts[-1]
    assert len(params) == IN_SIZE and set(params.values()) == set(last)
    assert params[f"v{IN_SIZE - 1}"] == last[-1]
    last_pairs, pair_params = pairs[-1]
    assert len(pair_params) == 2 * IN_SIZE
    assert (pair_params[f"a{IN_SIZE - 1}"], pair_params[f"v{IN_SIZE - 1}"]) == last_pairs[-1]


_c = sp_resources.c


def test_reads_by_value_and_by_pair_find_the_same_rows_on_either_store(store: SqlStore) -> None:
    """More values than one part holds on SQLite, some absent, apps mixed."""
    rows = [{"key": f"k{i}", "ts": float(i)} for i in range(0, 500, 2)]
    add: Prepared[Any] = Prepared(
        idp_seen.insert().values(key=bindparam("key"), ts=bindparam("ts"))
    )
    seen: Prepared[Any] = Prepared(select(idp_seen.c.key).where(one_of_params(idp_seen.c.key)))
    accounts: Prepared[Any] = Prepared(by_pairs(sp_resources, _c.app, _c.sp_id, _c.app, _c.sp_id))
    with store.transaction() as conn:
        db = Db(conn)
        db.run_many(add, rows)
        for i in range(0, 300, 3):
            conn.execute(
                sp_resources.insert().values(
                    app=("crm", "wiki")[i % 2],
                    sp_id=str(i),
                    resource_type="User",
                    first_seen=0.0,
                    last_seen=0.0,
                )
            )
        found = {
            k
            for _, params in in_parts(db, [f"k{i}" for i in range(50, 350)])
            for k in db.scalars(seen, **params)
        }
        asked = [(app, str(i)) for i in range(300) for app in ("crm", "wiki")]
        answers = dict(read_pairs(db, accounts, asked, lambda row: (row[0], row[1])))
    assert found == {f"k{i}" for i in range(50, 350, 2)}
    hits = {pair for pair, got in answers.items() if got}
    assert hits == {(("crm", "wiki")[i % 2], str(i)) for i in range(0, 300, 3)}
    assert len(answers) == 600


def test_a_batch_reads_accounts_by_id_and_by_key_up_front(tmp_path: Path) -> None:
    """Twins, churn and the IdP's removals find accounts by key, and most records look their
    account up by id: on the sample, those lookups come from what the batch read up front,
    not from a statement per record (SQLite's trace names every statement it runs)."""
    config = load(SAMPLE / "scimwatch.yaml")
    items = sample_items(config)
    store = SqlStore(f"sqlite:///{tmp_path / 'trace.db'}")
    ran: list[str] = []
    try:
        with store.transaction() as conn:
            driver = conn.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            driver.set_trace_callback(ran.append)
            correlator = Correlator(conn, app_index(config))
            correlator.handle_all(items)
            correlator.finish()
            driver.set_trace_callback(None)
    finally:
        store.close()
    # Up front, accounts are read by (app, id) or (app, key) pairs joined to a VALUES table.
    up_front = [s for s in ran if s.startswith("WITH pairs") and "JOIN sp_resources" in s]
    lookups = [s for s in ran if s.startswith("SELECT sp_resources.app")]
    scim = [item for item in items if isinstance(item, ScimEvent)]
    assert len(scim) > 3000 and up_front
    assert len(lookups) < len(scim) / 200, lookups[:3]
