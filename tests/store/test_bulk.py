"""Bulk writes: COPY for plain inserts on PostgreSQL, bounded pipelines for other statements,
and the same rows on SQLite, which runs every bulk write as one `executemany`."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Float, MetaData, String, Table, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql

from monitor.detect import (
    _deprovision_sql,
    _idp_sql,
    _resources_sql,
    activity,
    deprovision_rows,
    findings,
)
from monitor.store import SqlStore
from monitor.store.bulk import COPY_MIN_ROWS, copy_plan, pipelines
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import activity as activity_table
from monitor.store.tables import sp_resources

_meta = MetaData()
_defaults = Table(
    "defaults_demo",
    _meta,
    Column("k", String, primary_key=True),
    Column("n", Float, default=7.0),
    Column("server", String, server_default="s"),
)
_computed = Table("computed_demo", _meta, Column("k", String), Column("at", Float, default=float))


def test_a_plain_insert_becomes_a_copy_of_its_columns() -> None:
    stmt = activity_table.insert().values(
        app=bindparam("app"), user_key=bindparam("user"), ts=bindparam("ts"), source=literal("x")
    )
    plan = copy_plan(stmt)
    assert plan is not None
    assert plan.sql == 'COPY "activity" ("app", "user_key", "ts", "source") FROM STDIN'
    assert plan.values({"app": "crm", "user": "ana", "ts": 1.5}) == ("crm", "ana", 1.5, "x")


def test_python_side_defaults_are_written_and_server_defaults_left_to_the_server() -> None:
    plan = copy_plan(_defaults.insert().values(k=bindparam("k")))
    assert plan is not None
    assert plan.sql == 'COPY "defaults_demo" ("k", "n") FROM STDIN'
    assert plan.values({"k": "a"}) == ("a", 7.0)
    assert copy_plan(_computed.insert().values(k=bindparam("k"))) is None  # per-row default


def test_statements_that_do_more_than_insert_values_have_no_copy() -> None:
    upsert = postgresql.insert(activity_table).values(app=bindparam("app"))
    assert copy_plan(upsert.on_conflict_do_nothing()) is None
    assert (
        copy_plan(
            activity_table.insert().values(app=bindparam("a")).returning(activity_table.c.app)
        )
        is None
    )
    assert copy_plan(activity_table.insert().values(app=func.lower(bindparam("a")))) is None
    assert copy_plan(activity_table.update().values(app=bindparam("a"))) is None
    assert copy_plan(select(activity_table.c.app)) is None


def test_every_bulk_insert_of_the_detectors_is_copied() -> None:
    """The held inserts are most of a batch's rows: each must take the COPY path."""
    statements = [
        _resources_sql.INSERT,
        activity._INSERT,
        findings._INSERT,
        deprovision_rows._INSERT,
        _idp_sql.ADD_PERSON,
        _idp_sql.ADD_LINK,
        _deprovision_sql.ADD_CYCLE,
    ]
    for stmt in statements:
        assert stmt.copy is not None, stmt.stmt


@given(
    st.lists(st.lists(st.text(max_size=40) | st.none() | st.floats(), max_size=4), max_size=30),
    st.integers(min_value=1, max_value=200),
)
def test_pipelines_keep_every_row_in_order_within_the_limit(
    rows: list[list[Any]], limit: int
) -> None:
    parts = list(pipelines([tuple(row) for row in rows], limit))
    assert [row for part in parts for row in part] == [tuple(row) for row in rows]
    for part in parts:
        assert part
        size = sum(len(v) if isinstance(v, str) else 16 for row in part for v in row)
        assert len(part) == 1 or size <= limit


_AWKWARD = ["tab\there", "new\nline", "back\\slash", "quote\"'", "ünï©ødé ☃", "", "\\N", None]
_INSERT: Prepared[Any] = Prepared(
    sp_resources.insert().values(
        app=bindparam("app"),
        sp_id=bindparam("sp_id"),
        resource_type=literal("User"),
        user_name=bindparam("user_name"),
        active=bindparam("active"),
        first_seen=bindparam("first_seen"),
        last_seen=bindparam("last_seen"),
        representation=bindparam("rep"),
    )
)
_UPDATE: Prepared[Any] = Prepared(
    sp_resources.update()
    .where((sp_resources.c.app == bindparam("k_app")) & (sp_resources.c.sp_id == bindparam("k_id")))
    .values(representation=bindparam("rep"))
)
_ALL: Prepared[Any] = Prepared(
    select(
        sp_resources.c.sp_id,
        sp_resources.c.resource_type,
        sp_resources.c.user_name,
        sp_resources.c.active,
        sp_resources.c.first_seen,
        sp_resources.c.representation,
    ).order_by(sp_resources.c.sp_id)
)


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "app": "crm",
            "sp_id": f"{i:04d}",
            "user_name": _AWKWARD[i % len(_AWKWARD)],
            "active": (None, True, False)[i % 3],
            "first_seen": i + 0.125,
            "last_seen": 1e9 + i,
            "rep": None,
        }
        for i in range(n)
    ]


def test_bulk_inserts_and_updates_land_whole_on_either_store(store: SqlStore) -> None:
    n = COPY_MIN_ROWS + 40
    big = "x" * 5000  # 48 updates of 5 KB: several pipelines on PostgreSQL
    with store.transaction() as conn:
        db = Db(conn)
        db.run_many(_INSERT, _rows(n))
        if db.dialect.name == "postgresql":
            assert str(getattr(db._cursor, "statusmessage", "")) == f"COPY {n}"
        db.run_many(
            _UPDATE, [{"k_app": "crm", "k_id": f"{i:04d}", "rep": big + str(i)} for i in range(n)]
        )
    with store.transaction() as conn:
        found = [tuple(row) for row in Db(conn).rows(_ALL)]
    expected = [
        (r["sp_id"], "User", r["user_name"], r["active"], r["first_seen"], big + str(i))
        for i, r in enumerate(_rows(n))
    ]
    assert found == expected


def test_a_few_rows_are_inserted_without_copy(store: SqlStore) -> None:
    with store.transaction() as conn:
        db = Db(conn)
        db.run_many(_INSERT, _rows(COPY_MIN_ROWS - 1))
        if db.dialect.name == "postgresql":
            assert str(getattr(db._cursor, "statusmessage", "")).startswith("INSERT")
    with store.transaction() as conn:
        assert len(Db(conn).rows(_ALL)) == COPY_MIN_ROWS - 1


_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            _TEXT | st.none(),
            st.booleans() | st.none(),
            st.floats(allow_nan=False, width=64),
            _TEXT | st.none(),
        ),
        min_size=COPY_MIN_ROWS,
        max_size=40,
    )
)
def test_any_text_and_numbers_come_back_as_written(
    store: SqlStore, rows: list[tuple[str | None, bool | None, float, str | None]]
) -> None:
    """COPY's text format escapes tabs, newlines, backslashes and `\\N`; whatever the values,
    a bulk insert reads back exactly as written (on SQLite, as one `executemany`)."""
    params = [
        {
            "app": "crm",
            "sp_id": f"{i:04d}",
            "user_name": name,
            "active": active,
            "first_seen": seen,
            "last_seen": 0.0,
            "rep": rep,
        }
        for i, (name, active, seen, rep) in enumerate(rows)
    ]
    with store.transaction() as conn:
        db = Db(conn)
        db.run_many(_INSERT, params)
        found = [(r[2], r[3], r[4], r[5]) for r in db.rows(_ALL)]
        conn.rollback()
    assert found == rows
