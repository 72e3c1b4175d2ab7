"""Findings kept in memory and written in bulk end as findings written one statement at a time
do, whatever the sequence of raises, puts, withdrawals and resolutions (`Findings` in
`monitor.detect.findings`).

Each generated sequence runs twice into empty tables: once through one `Findings`, as a batch
has it (rows kept, writes held back until `flush`), and once through a fresh `Findings` per
step, flushed at once, which holds nothing from one step to the next. Both tables and the
findings each counts as opened must be the same, and the open subjects kept in memory must
hold every open one of the table. A finding raised again in a batch is read once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from monitor.detect import findings as findings_module
from monitor.detect.findings import Findings, Outcomes
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import findings

TYPES = ("digital_twin", "silent_attribute_loss")
APPS = ("crm", None)
SUBJECTS = ("a", "b")
AT = st.integers(0, 9).map(float)
KEY = st.tuples(st.sampled_from(TYPES), st.sampled_from(APPS), st.sampled_from(SUBJECTS))
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("raise"), KEY, AT, st.sampled_from(["x", "y"])),
        st.tuples(st.just("put"), KEY, AT, st.integers(1, 3)),
        st.tuples(st.just("withdraw"), KEY, AT, st.just(0)),
        st.tuples(st.just("resolve"), KEY, AT, st.just(0)),
        st.tuples(st.just("open"), KEY, AT, st.just(0)),
    ),
    max_size=25,
)


def _union(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return {**old, "seen": sorted({*old.get("seen", []), *new["seen"]})}


def _step(found: Findings, op: str, key: tuple[str, str | None, str], at: float, arg: Any) -> None:
    type, app, subject = key
    if op == "raise":
        fields = {"seen": [arg]}
        found.raise_(type=type, app=app, subject=subject, fields=fields, at=at, merge=_union)
    elif op == "put":
        fields = {"n": arg}
        found.put(
            type=type, app=app, subject=subject, fields=fields, first_at=at, last_at=at, count=arg
        )
    elif op == "withdraw":
        found.withdraw(type=type, app=app, subject=subject)
    elif op == "resolve":
        found.resolve(type=type, app=app, subject=subject, at=at)
    else:  # the open subjects kept are a superset of the table's (read as any reader does)
        kept = found.open_subjects(type, app)
        assert set(found.db.scalars(findings_module._OPEN, type=type, app=app or "")) <= kept
    return None


def _table(conn: Connection) -> list[tuple[Any, ...]]:
    order = (findings.c.type, findings.c.app, findings.c.subject)
    return [tuple(row) for row in conn.execute(select(findings).order_by(*order))]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_held_findings_end_as_findings_written_at_once(store: SqlStore, steps: list[Any]) -> None:
    results: list[tuple[list[tuple[Any, ...]], Any]] = []
    for batch in (True, False):
        with store.transaction() as conn:
            outcomes = Outcomes()
            kept = Findings(Db(conn), outcomes)
            for op, key, at, arg in steps:
                found = kept if batch else Findings(Db(conn), outcomes)
                _step(found, op, key, at, arg)
                if not batch:
                    found.flush()
            kept.flush()
            results.append((_table(conn), outcomes.opened))
            conn.rollback()
    assert results[0] == results[1]


class CountingDb(Db):
    reads = 0

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> Any:
        self.reads += stmt is findings_module._GET
        return super()._execute(stmt, params)


def test_a_finding_raised_again_is_read_once_and_written_once(store: SqlStore) -> None:
    with store.transaction() as conn:
        db = CountingDb(conn)
        found = Findings(db, Outcomes())
        for at in (3.0, 1.0, 2.0):
            found.raise_(type="vendor_quirk_rejected", app="crm", subject="s", fields={}, at=at)
        assert db.reads == 1
        found.flush()
        row = conn.execute(select(findings.c.first_at, findings.c.last_at, findings.c.count)).one()
        assert tuple(row) == (1.0, 3.0, 3)
        conn.rollback()
