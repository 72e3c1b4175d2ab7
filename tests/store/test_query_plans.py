"""Every detection statement finds its rows through an index, on SQLite, which plans from its
indexes alone (no statistics): a statement that scans a table costs more per record as the
history grows. The lookups asked per record or per account also use an index on their whole
key: an index added for one statement once made SQLite prefer it, by its `app` column alone,
for another, which then read every deprovision of the app per question."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

import monitor.detect
from monitor.detect._deprovision_sql import removals_of
from monitor.detect.matching import match_stmt
from monitor.store import SqlStore
from monitor.store.prepared import Prepared

# Read once per batch, from a covering index of a table only (re)activations write to.
ALLOWED = {"CYCLE_APPS"}


def _statements() -> list[tuple[str, Prepared[object]]]:
    found: dict[int, tuple[str, Prepared[object]]] = {}
    for module in pkgutil.iter_modules(monitor.detect.__path__):
        loaded = importlib.import_module(f"monitor.detect.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, Prepared) and name not in ALLOWED:
                found.setdefault(id(value), (f"{module.name}.{name}", value))
    keys = ("ana@corp.test", "ana@corp.test", "00uA", "00uA")
    found[0] = ("match_stmt, 3 apps", match_stmt(keys, 3))
    found[1] = ("removals_of(2, 2)", removals_of(2, 2))
    return sorted(found.values(), key=lambda named: named[0])


STATEMENTS = _statements()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = Path(tmp_path_factory.mktemp("plans")) / "plans.db"
    SqlStore(f"sqlite:///{path}").close()
    return sqlite3.connect(path)


@pytest.mark.parametrize("name,stmt", STATEMENTS, ids=[name for name, _ in STATEMENTS])
def test_no_statement_scans_a_table(
    schema: sqlite3.Connection, name: str, stmt: Prepared[object]
) -> None:
    sql = stmt.compiled(sqlite.dialect()).sql
    if sql.lstrip().upper().startswith("INSERT"):
        return  # an insert reads nothing
    plan = [row[3] for row in schema.execute("EXPLAIN QUERY PLAN " + sql, [""] * sql.count("?"))]
    scans = [step for step in plan if step.startswith("SCAN") and "CONSTANT ROW" not in step]
    assert [step for step in scans if step != "SCAN pairs"] == [], (name, plan)


WHOLE_KEY = {
    "activity._CONFIRMED": "(app=? AND user_key=?)",
    "activity._CONFIRMED_MANY": "(app=? AND user_key=?)",
    "activity._BETWEEN": "(app=? AND user_key=? AND ts>? AND ts<?)",
    "_deprovision_sql.OPEN_OF_SP": "(app=? AND sp_id=?)",
    "_deprovision_sql.GET": "(app=? AND person=?)",
    "_resources_sql.GET_MANY": "(app=? AND sp_id=?)",
    "findings._GET": "(type=? AND app=? AND subject=?)",
}


@pytest.mark.parametrize("name", sorted(WHOLE_KEY))
def test_lookups_use_their_whole_key(schema: sqlite3.Connection, name: str) -> None:
    stmt = dict(STATEMENTS)[name]
    sql = stmt.compiled(sqlite.dialect()).sql
    plan = [row[3] for row in schema.execute("EXPLAIN QUERY PLAN " + sql, [""] * sql.count("?"))]
    assert any(step.endswith(WHOLE_KEY[name]) for step in plan), plan
