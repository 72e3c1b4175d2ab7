"""Held-back writes (`monitor.detect.held`): a row inserted and then changed is inserted once,
as it ends up; a row changed several times is updated once, with every column that changed;
updates of the same columns go out in one `executemany`; nothing is written twice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from monitor.detect import _resources_sql as statements
from monitor.detect.held import HeldRows
from monitor.detect.sp_row import SpRow
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import sp_resources

Key = tuple[str, str]


class CountingDb(Db):
    """The real `Db`, recording each `executemany`: its SQL verb and number of rows."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.batches: list[tuple[str, int]] = []

    def run_many(self, stmt: Prepared[Any], params: Iterable[Mapping[str, Any]]) -> None:
        rows = list(params)
        sql = stmt.compiled(self.dialect).sql
        self.batches.append(
            (sql.split()[0] + (" last_seen" if "SET last_seen" in sql else ""), len(rows))
        )
        super().run_many(stmt, rows)


def _held(db: Db, rows: dict[Key, SpRow]) -> HeldRows[Key, SpRow]:
    return HeldRows(
        db,
        "sp_resources",
        rows.__getitem__,
        statements.INSERT,
        statements.update_stmt,
        statements.row_params,
    )


def test_each_row_is_written_once_as_it_ends_up(store: SqlStore) -> None:
    with store.transaction() as conn:
        db = CountingDb(conn)
        rows = {("crm", f"u{i}"): SpRow("crm", f"u{i}", "User", f"user{i}") for i in range(4)}
        for key in rows:  # u0 and u1 are stored already
            if key[1] in ("u0", "u1"):
                conn.execute(sp_resources.insert().values(rows[key]._asdict()))
        held = _held(db, rows)
        held.inserted(("crm", "u2"))
        held.inserted(("crm", "u3"))
        rows[("crm", "u3")] = rows[("crm", "u3")]._replace(active=False)
        held.updated(("crm", "u3"), ["active"])  # new: inserted as it ends up
        for sp_id in ("u0", "u1"):
            key = ("crm", sp_id)
            rows[key] = rows[key]._replace(last_seen=5.0)
            held.updated(key, ["last_seen"])
        rows[("crm", "u0")] = rows[("crm", "u0")]._replace(active=True, last_seen=6.0)
        held.updated(("crm", "u0"), ["active", "last_seen"])
        held.write()
        held.write()  # nothing left
        stored = {
            row.sp_id: (row.active, row.last_seen)
            for row in conn.execute(select(sp_resources)).all()
        }
    assert sorted(db.batches) == [("INSERT", 2), ("UPDATE", 1), ("UPDATE last_seen", 1)]
    assert stored == {"u0": (True, 6.0), "u1": (None, 5.0), "u2": (None, 0.0), "u3": (False, 0.0)}
