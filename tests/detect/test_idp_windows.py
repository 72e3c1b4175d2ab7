"""IdP removal windows answered from memory equal the table's, whatever was read up front, and
whatever the IdP records wrote in between (`IdpWindows` in `monitor.detect.idp_windows`).

Generated sequences of IdP facts (creations, activations, removals, sessions, in and out of
time order, names that change) for a few people in two IdPs run through the IdP detector as a
batch has it; after each fact, every user key's windows from memory are compared with the
statement the activity detector asked before the windows were kept in memory, run on the
same transaction (the people held back are written first, as any statement reading
`idp_people` does). Keys read up front, or asked once, cost no statement afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Double, bindparam, func, literal, select

from monitor.detect.activity import ActivityDetector
from monitor.detect.deprovision import REMOVED_STATES, Deprovisions
from monitor.detect.findings import Findings, Outcomes
from monitor.detect.idp import AppIndex, IdpDetector
from monitor.detect.idp_windows import OPEN_END, Window
from monitor.detect.resources import Resources
from monitor.events import Idp, IdpAction, IdpEvent
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared, one_of
from monitor.store.tables import idp_people, idp_removals

PEOPLE = ((Idp.OKTA, "00u1"), (Idp.OKTA, "00u2"), (Idp.ENTRA, "e-1"))
NAMES = ("ana@corp.test", "ANA@corp.test ", "bo@corp.test", None)
KEYS = ("ana@corp.test", "bo@corp.test")
ACTIONS = (
    IdpAction.CREATE,
    IdpAction.ACTIVATE,
    IdpAction.DEACTIVATE,
    IdpAction.SUSPEND,
    IdpAction.DELETE,
    IdpAction.SESSION,
)

# The statement the activity detector asked per recount before the windows were kept.
_p, _e = idp_people.c, idp_removals.c
TABLE: Prepared[Any] = Prepared(
    select(func.max(_p.state_at), literal(OPEN_END, Double))
    .where((_p.user_key == bindparam("user_key")) & one_of(_p.state, REMOVED_STATES))
    .union_all(select(_e.removed_at, _e.ended_at).where(_e.user_key == bindparam("user_key_2")))
)


class CountingDb(Db):
    """The real `Db`, counting the statements that return rows and noting the tables of
    every statement it runs."""

    reads = 0

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.tables: list[frozenset[str]] = []

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> Any:
        self.reads += 1
        self.tables.append(frozenset(stmt.tables))
        return super()._execute(stmt, params)

    def run_many(self, stmt: Prepared[Any], params: Iterable[Mapping[str, Any]]) -> None:
        self.tables.append(frozenset(stmt.tables))
        super().run_many(stmt, params)


def _detector(conn: Connection) -> tuple[CountingDb, IdpDetector, ActivityDetector]:
    """The IdP and activity detectors wired as a batch's `Correlator` wires them."""
    db = CountingDb(conn)
    findings = Findings(db, Outcomes())
    resources = Resources(db)
    deprovisions = Deprovisions(db, resources, findings)
    idp = IdpDetector(resources, deprovisions, AppIndex({}, {}), findings)
    deprovisions.apps_of = idp.apps_of_person
    activity = ActivityDetector(db, findings)
    idp.activity, idp.windows = activity, activity.idp_windows
    return db, idp, activity


def _table(db: Db, user_key: str) -> list[Window]:
    rows = db.rows(TABLE, user_key=user_key, user_key_2=user_key)
    current = [(float(s), float(e)) for s, e in rows if s is not None and e == OPEN_END]
    ended = sorted((float(s), float(e)) for s, e in rows if s is not None and e != OPEN_END)
    return current + ended


FACTS = st.tuples(
    st.integers(0, len(PEOPLE) - 1),
    st.sampled_from(ACTIONS),
    st.sampled_from(NAMES),
    st.integers(0, 20),
)
STEPS = st.lists(st.one_of(FACTS, st.tuples(st.just("read"), st.sampled_from(KEYS))), max_size=30)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_windows_from_memory_equal_the_tables(store: SqlStore, steps: list[Any]) -> None:
    with store.transaction() as conn:
        db, idp, activity = _detector(conn)
        for n, step in enumerate(steps):
            if step[0] == "read":
                activity.idp_windows.prefetch([step[1]])
                continue
            who, action, name, at = step
            (kind, user_id) = PEOPLE[who]
            event = IdpEvent(1000.0 + at, kind, action, f"k{n}", user_id=user_id, user_name=name)
            idp.handle(event, "okta_session")
            for key in KEYS:
                remembered = activity.idp_windows.windows(key)
                before = db.reads
                assert activity.idp_windows.windows(key) == remembered
                assert db.reads == before  # asked once, kept
                assert remembered == _table(db, key)
        conn.rollback()


def test_a_batchs_keys_are_read_up_front_and_removals_write_no_person_one_by_one(
    store: SqlStore,
) -> None:
    """Removals of people whose keys were read up front ask nothing and hold every person
    write back until the end of the batch: before, each asked the table, which wrote the
    held people first, one statement each."""
    events = [
        IdpEvent(10.0 + i, Idp.OKTA, IdpAction.CREATE, f"c{i}", user_id=f"00u{i}", user_name=n)
        for i, n in enumerate(KEYS)
    ] + [
        IdpEvent(50.0 + i, Idp.OKTA, IdpAction.DEACTIVATE, f"d{i}", user_id=f"00u{i}", user_name=n)
        for i, n in enumerate(KEYS)
    ]
    with store.transaction() as conn:
        db, idp, activity = _detector(conn)
        idp.prefetch(events)
        activity.idp_windows.prefetch(idp.window_keys(events))
        del db.tables[:]
        for event in events:
            idp.handle(event, "okta_session")
        assert db.tables  # the sessions' counts
        assert all(not {"idp_people", "idp_removals"} & tables for tables in db.tables)
        assert activity.idp_windows.windows("ana@corp.test") == [(50.0, OPEN_END)]
        idp.flush()
        assert _table(db, "bo@corp.test") == [(51.0, OPEN_END)]
        conn.rollback()
