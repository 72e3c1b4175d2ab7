"""Prepared statements on SQLite and PostgreSQL, and the detectors' per-transaction row memory.

The memory must always equal what the database holds (every write goes through it), and it
must not outlive its transaction: another replica may change the rows in between.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from monitor.detect.resources import Resources, SpRow
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared, one_of
from monitor.store.tables import idp_seen, sp_resources

_ROW = Prepared(
    select(sp_resources).where(
        (sp_resources.c.app == bindparam("app")) & (sp_resources.c.sp_id == bindparam("sp_id"))
    ),
    SpRow,
)


def stored(db: Db, app: str, sp_id: str) -> SpRow | None:
    return db.first(_ROW, app=app, sp_id=sp_id)


def test_statements_take_named_parameters_and_carry_their_literals(store: SqlStore) -> None:
    add: Prepared[Any] = Prepared(
        idp_seen.insert().values(key=bindparam("key"), ts=bindparam("ts"))
    )
    recent: Prepared[Any] = Prepared(
        select(idp_seen.c.key)
        .where(one_of(idp_seen.c.key, ["a", "c"]) & (idp_seen.c.ts >= bindparam("since")))
        .order_by(idp_seen.c.key)
    )
    with store.transaction() as conn:
        db = Db(conn)
        assert db.run(add, key="a", ts=1.0) == 1
        db.run(add, key="b", ts=2.0)
        db.run(add, key="c", ts=3.0)
        assert db.scalars(recent, since=1.0) == ["a", "c"]
        assert db.scalars(recent, since=2.5) == ["c"]
        assert db.scalar(recent, since=9.0) is None
    with store.transaction() as conn:  # committed with the caller's transaction
        assert Db(conn).scalars(recent, since=0.0) == ["a", "c"]


def test_booleans_come_back_as_booleans(store: SqlStore) -> None:
    with store.transaction() as conn:
        resources = Resources(Db(conn))
        resources.insert(SpRow("crm", "1", "User", active=False, first_seen=1.0, last_seen=1.0))
        row = stored(resources.db, "crm", "1")
    assert row is not None and row.active is False


def test_remembered_rows_equal_the_database(store: SqlStore) -> None:
    rep = {"id": "u1", "userName": "Ana@Example.com", "active": True, "externalId": "e1"}
    with store.transaction() as conn:
        db = Db(conn)
        resources = Resources(db)
        assert resources.learn("crm", rep, 10.0, resource_type="User", created=True) is None
        resources.learn("crm", {**rep, "active": False}, 20.0, resource_type="User")
        resources.update("crm", "u1", pending='{"ts": 20.0}')
        resources.ensure("crm", "u2", 30.0, resource_type="User")
        for sp_id in ("u1", "u2"):
            assert resources.get("crm", sp_id) == stored(db, "crm", sp_id)
        remembered = resources.get("crm", "u1")
        assert remembered is not None and remembered.active is False
        assert remembered.disabled_at == 20.0
        assert resources.matching("crm", external_id="e1") == [remembered]


def test_memory_ends_with_the_transaction(store: SqlStore) -> None:
    rep = {"id": "u1", "userName": "ana", "active": True}
    with store.transaction() as conn:
        first = Resources(Db(conn))
        first.learn("crm", rep, 10.0, resource_type="User")
        first.flush()  # as a batch does before its commit
    with store.transaction() as conn:  # another replica changes the row in between
        other = Resources(Db(conn))
        other.update("crm", "u1", active=False)
        other.flush()
    with store.transaction() as conn:
        row = Resources(Db(conn)).get("crm", "u1")
    assert row is not None and row.active is False


def test_writes_held_for_a_table_land_before_any_statement_touching_it(store: SqlStore) -> None:
    seen_keys: Prepared[Any] = Prepared(select(idp_seen.c.key).order_by(idp_seen.c.key))
    add: Prepared[Any] = Prepared(idp_seen.insert().values(key=bindparam("key"), ts=0.0))
    assert seen_keys.tables == {"idp_seen"} and _ROW.tables == {"sp_resources"}
    with store.transaction() as conn:
        db = Db(conn)
        held = ["k1", "k2"]
        written: list[list[str]] = []

        def write() -> None:
            db.release("idp_seen")
            written.append(list(held))
            db.run_many(add, [{"key": key} for key in held])
            held.clear()

        db.hold("idp_seen", write)
        assert stored(db, "crm", "x") is None  # another table: nothing written yet
        assert written == []
        assert db.scalars(seen_keys) == ["k1", "k2"]  # written first, once
        held.append("k3")
        db.hold("idp_seen", write)
        db.run(add, key="k0")  # a write to the table lands after the held ones
        write()  # the owner's own call before the commit: nothing left
        assert db.scalars(seen_keys) == ["k0", "k1", "k2", "k3"]
        assert written == [["k1", "k2"], ["k3"], []]


def test_a_read_by_key_of_the_holder_runs_without_writing_the_held_rows(store: SqlStore) -> None:
    """The holder asks by key only for rows it has no memory of, and every held row is in its
    memory: such a read (`by_key=True`) leaves the held rows held."""
    by_key: Prepared[Any] = Prepared(
        select(idp_seen.c.key).where(idp_seen.c.key == bindparam("key")), by_key=True
    )
    add: Prepared[Any] = Prepared(idp_seen.insert().values(key=bindparam("key"), ts=0.0))
    assert by_key.tables == {"idp_seen"} and not by_key.synced
    with store.transaction() as conn:
        db = Db(conn)
        written: list[str] = []

        def write() -> None:
            db.release("idp_seen")
            written.append("k1")
            db.run(add, key="k1")

        db.hold("idp_seen", write)
        assert db.scalar(by_key, key="k2") is None
        assert written == []
        assert db.scalars(Prepared(select(idp_seen.c.key))) == ["k1"]  # any other read writes
        assert written == ["k1"]
