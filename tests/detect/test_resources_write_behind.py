"""Writes to resources are held back and written in bulk: at the end of the batch, or before a
statement that reads the table runs (`Db.hold`). `last_seen` of a resource seen again unchanged
is written once, never over a newer time written in between; matches read in between see the
newer time; a new row changed afterwards is inserted as it ends up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from monitor.detect.resources import Resources
from monitor.store import SqlStore
from monitor.store.prepared import Db
from monitor.store.tables import sp_resources

USER = {"id": "u1", "userName": "ana@corp.test", "externalId": "00uA", "active": True}


def _stored(store: SqlStore) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(sp_resources).where(sp_resources.c.sp_id == "u1")).one()
        return dict(row._mapping)


def test_an_unchanged_resource_gets_its_last_seen_at_the_end(store: SqlStore) -> None:
    with store.transaction() as conn:
        resources = Resources(Db(conn))
        resources.learn("crm", USER, 100.0, resource_type="User")
        resources.learn("crm", USER, 200.0, resource_type="User")  # unchanged
        resources.learn("crm", USER, 300.0, resource_type="User")  # unchanged
        resources.update("crm", "u1", pending=None)  # a write that does not name last_seen
        matched = resources.matching("crm", external_id="00uA")
        assert [row.last_seen for row in matched] == [300.0]  # memory, not the table
        resources.flush()
    assert _stored(store)["last_seen"] == 300.0
    assert _stored(store)["first_seen"] == 100.0


def test_a_time_written_after_a_kept_back_one_stays(store: SqlStore) -> None:
    with store.transaction() as conn:
        resources = Resources(Db(conn))
        resources.learn("crm", USER, 100.0, resource_type="User")
        resources.learn("crm", USER, 200.0, resource_type="User")  # unchanged: kept back
        changed = {**USER, "title": "Engineer"}
        resources.learn("crm", changed, 300.0, resource_type="User")  # written at once
        resources.flush()  # must not put 200.0 back
    stored = _stored(store)
    assert stored["last_seen"] == 300.0
    assert '"title":"Engineer"' in stored["representation"]


def test_nothing_kept_back_is_written_when_the_batch_rolls_back(store: SqlStore) -> None:
    with store.transaction() as conn:
        first = Resources(Db(conn))
        first.learn("crm", USER, 100.0, resource_type="User")
        first.flush()
    try:
        with store.transaction() as conn:
            resources = Resources(Db(conn))
            resources.learn("crm", USER, 200.0, resource_type="User")
            resources.flush()
            raise RuntimeError("the batch fails after its flush")
    except RuntimeError:
        pass
    assert _stored(store)["last_seen"] == 100.0


def test_a_statement_on_the_table_sees_the_writes_held_back(store: SqlStore) -> None:
    with store.transaction() as conn:
        db = Db(conn)
        resources = Resources(db)
        resources.learn("crm", USER, 100.0, resource_type="User")
        resources.update("crm", "u1", active=False, pending='{"ts": 1}')
        resources.learn("crm", {**USER, "userName": "ana.b@corp.test"}, 150.0, resource_type="User")
        assert conn.execute(select(sp_resources)).all() == []  # held back so far
        # A key nobody read asks the table: what was held is written first.
        assert [r.sp_id for r in resources.matching("crm", user_key="ana.b@corp.test")] == ["u1"]
        assert conn.execute(select(sp_resources.c.user_key)).scalars().all() == ["ana.b@corp.test"]
        resources.update("crm", "u1", pending=None)
        resources.flush()
    stored = _stored(store)
    assert (stored["first_seen"], stored["last_seen"], stored["pending"]) == (100.0, 150.0, None)
