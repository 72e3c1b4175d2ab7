"""Deprovision rows answered from memory equal the table's, whatever was read up front (by
person, by account) and whatever was inserted, re-targeted, confirmed or reset in between
(`DeprovisionRows` in `monitor.detect.deprovision_rows`).

Generated sequences of reads and writes run against one `DeprovisionRows`, as a batch has it;
every answer is compared with the same question put to the table by statements of the test's
own, and at each question and at the end what the memory holds is checked against the
table (read as any reader does: the writes held back land first). A question
about a person or an account read whole, or a row read once, costs no statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from monitor.detect import _deprovision_sql as sql
from monitor.detect._deprovision_sql import DeprovisionRow
from monitor.detect.deprovision_rows import DeprovisionRows
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import deprovisions

APPS = ("crm", "wiki")
PEOPLE = ("okta:1", "okta:2", "entra:3")
ACCOUNTS = ("a", "b", None)
TIMES = st.integers(0, 6).map(float)


class CountingDb(Db):
    reads = 0

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> Any:
        self.reads += 1
        return super()._execute(stmt, params)


_ALL = Prepared(
    select(deprovisions).order_by(deprovisions.c.app, deprovisions.c.person), DeprovisionRow
)


def _table(db: Db) -> list[DeprovisionRow]:
    """The table as any statement reading it sees it: the writes held back land first."""
    return db.rows(_ALL)


def _target(sp_id: str | None) -> dict[str, Any]:
    return {"sp_id": sp_id, "user_name": sp_id and f"{sp_id}@corp.test", "user_key": sp_id}


APP, PERSON, ACCOUNT = st.sampled_from(APPS), st.sampled_from(PEOPLE), st.sampled_from(ACCOUNTS)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("read_people"), st.lists(PERSON, max_size=2)),
        st.tuples(st.just("read_accounts"), st.lists(st.tuples(APP, ACCOUNT), max_size=2)),
        st.tuples(st.just("request"), APP, PERSON, ACCOUNT, TIMES),
        st.tuples(st.just("confirm"), APP, PERSON, st.one_of(st.none(), TIMES)),
        st.tuples(st.just("reset"), PERSON, TIMES),
        st.tuples(st.just("ask"), APP, PERSON, ACCOUNT, TIMES),
    ),
    max_size=30,
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
@example(  # an account read whole loses a request re-targeted to another account
    steps=[
        ("read_accounts", [("crm", "a")]),
        ("request", "crm", "okta:1", "a", 1.0),
        ("request", "crm", "okta:1", "b", 3.0),
    ]
)
@example(  # a reset forgets the rows it deleted
    steps=[
        ("read_people", ["okta:1"]),
        ("request", "crm", "okta:1", "a", 1.0),
        ("reset", "okta:1", 3.0),
        ("ask", "crm", "okta:1", "a", 5.0),
    ]
)
def test_rows_from_memory_equal_the_tables(store: SqlStore, steps: list[Any]) -> None:
    with store.transaction() as conn:
        db = CountingDb(conn)
        rows = DeprovisionRows(db)
        for op, *args in steps:
            if op == "read_people":
                rows.prefetch_people(args[0])
            elif op == "read_accounts":
                rows.prefetch_accounts((app, sp) for app, sp in args[0] if sp is not None)
            elif op == "request":
                _request(rows, *args)
            elif op == "confirm":
                app, person, at = args
                key = {"k_app": app, "k_person": person}
                changed = rows.write(sql.SET_CONFIRMED, {**key, "confirmed_at": at})
                assert changed == (rows.get(app, person) is not None)
            elif op == "reset":
                person, ts = args
                ending = rows.ending(person, ts)
                assert ending == _ending(db, person, ts)
                assert rows.reset(person, ts, ending) == bool(ending)
            else:
                _ask(db, rows, *args)
                _holds_the_table(db, rows)
        _holds_the_table(db, rows)
        conn.rollback()


def _holds_the_table(db: Db, rows: DeprovisionRows) -> None:
    """What the memory holds is the table's: each row it keeps, and for the people and
    accounts read whole, which rows they have."""
    table = {(row.app, row.person): row for row in _table(db)}
    for key, row in rows._rows.items():
        assert row == table.get(key)
    for person, apps in rows._people.items():
        assert apps == {app for app, someone in table if someone == person}
    for (app, sp_id), people in rows._accounts.items():
        assert people == {r.person for r in table.values() if (r.app, r.sp_id) == (app, sp_id)}


def _request(rows: DeprovisionRows, app: str, person: str, sp_id: str | None, ts: float) -> None:
    """What `Deprovisions.request` writes: a new row, else a new request time and target."""
    key = {"k_app": app, "k_person": person}
    if rows.get(app, person) is None:
        rows.write(sql.INSERT, {**key, **_target(sp_id), "requested_at": ts})
    elif sp_id is None:
        rows.write(sql.SET_REQUEST, {**key, **_target(sp_id), "requested_at": ts})
    else:
        rows.write(sql.SET_TARGET, {**key, **_target(sp_id)})


def _ask(
    db: CountingDb,
    rows: DeprovisionRows,
    app: str,
    person: str,
    sp_id: str | None,
    ts: float,
) -> None:
    table = {(row.app, row.person): row for row in _table(db)}
    assert rows.get(app, person) == table.get((app, person))
    before = db.reads
    assert rows.get(app, person) == table.get((app, person))
    assert db.reads == before  # read once, kept
    mine = table.get((app, person))
    unbound = [mine] if mine and mine.sp_id is None and _by(mine, ts) else []
    assert rows.open_of_person(app, person, ts) == unbound
    if sp_id is not None:
        expected = [r for r in table.values() if (r.app, r.sp_id) == (app, sp_id) and _by(r, ts)]
        assert rows.open_of_account(app, sp_id, ts) == sorted(expected, key=lambda r: r.person)


def _ending(db: Db, person: str, ts: float) -> list[DeprovisionRow]:
    rows = [r for r in _table(db) if r.person == person]
    return [r for r in rows if r.requested_at is not None and r.requested_at < ts]


def _by(row: DeprovisionRow, ts: float) -> bool:
    return row.requested_at is not None and row.requested_at <= ts


def test_people_and_accounts_read_up_front_answer_without_statements(store: SqlStore) -> None:
    with store.transaction() as conn:
        setup = DeprovisionRows(Db(conn))
        _request(setup, "crm", "okta:1", "a", 1.0)
        _request(setup, "wiki", "okta:1", None, 2.0)
        _request(setup, "crm", "okta:2", "a", 3.0)
        setup.flush()
        db = CountingDb(conn)
        rows = DeprovisionRows(db)
        rows.prefetch_people(["okta:1", "okta:9"])
        rows.prefetch_accounts([("crm", "a"), ("crm", "z")])
        reads = db.reads
        assert rows.none_of("okta:9") and not rows.none_of("okta:1")
        assert rows.get("crm", "okta:9") is None
        assert [r.person for r in rows.open_of_account("crm", "a", 5.0)] == ["okta:1", "okta:2"]
        assert rows.open_of_account("crm", "a", 2.0)[0].person == "okta:1"
        assert rows.open_of_account("crm", "z", 5.0) == []
        assert [r.app for r in rows.ending("okta:1", 5.0)] == ["crm", "wiki"]
        assert [r.app for r in rows.open_of_person("wiki", "okta:1", 5.0)] == ["wiki"]
        assert db.reads == reads
        conn.rollback()
