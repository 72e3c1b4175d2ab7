"""A zombie account's actions are counted in memory once its windows are known, not recounted
from the table per action (which read every earlier action again: quadratic in its activity),
and the finding they leave is the one a recount from the table gives, whatever the sequence of
actions and window changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from monitor.detect import activity as activity_module
from monitor.detect.activity import ActivityDetector
from monitor.detect.findings import Findings, Outcomes
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import activity, deprovision_cycles, deprovisions, findings, idp_people

APP = "crm"
TYPE = "activity_after_deprovision"


class CountingDb(Db):
    """The real `Db`, counting the statements it runs (by statement object)."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.ran: Counter[int] = Counter()

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> Any:
        self.ran[id(stmt)] += 1
        return super()._execute(stmt, params)


@contextmanager
def detector(store: SqlStore) -> Iterator[tuple[ActivityDetector, CountingDb]]:
    """A detector inside one transaction, as a batch has it; flushed before the commit."""
    with store.transaction() as conn:
        db = CountingDb(conn)
        found = ActivityDetector(db, Findings(db, Outcomes()))
        yield found, db
        found.flush()
        found.findings.flush()


def confirm(store: SqlStore, user_key: str, at: float | None, *, person: str = "okta:1") -> None:
    with store.transaction() as conn:
        conn.execute(deprovisions.delete().where(deprovisions.c.user_key == user_key))
        if at is not None:
            row = {"app": APP, "person": person, "sp_id": "c-1", "user_key": user_key}
            conn.execute(deprovisions.insert().values(**row, requested_at=at, confirmed_at=at))


def finding(store: SqlStore, user_key: str) -> tuple[Any, ...] | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(findings.c.fields, findings.c.first_at, findings.c.last_at, findings.c.count)
            .where(findings.c.type == TYPE)
            .where(findings.c.subject == user_key)
        ).first()
    return None if row is None else tuple(row)


def test_a_zombie_is_recounted_once_per_transaction(store: SqlStore) -> None:
    confirm(store, "zed@corp.test", 1000.0)
    for batch in range(3):
        with detector(store) as (found, db):
            for i in range(200):
                source = "app_activity" if i % 2 else "a_sync_job"
                found.action(
                    app=APP, user_key="zed@corp.test", ts=2000.0 + batch * 200 + i, source=source
                )
            found.action(app=APP, user_key="zed@corp.test", ts=999.0, source="early")  # before
        assert db.ran[id(activity_module._BETWEEN)] == 1  # the first action of the batch only

    assert finding(store, "zed@corp.test") == (
        '{"source": "a_sync_job", "user_name": "zed@corp.test"}',
        2000.0,
        2599.0,
        600,
    )


def test_an_action_outside_every_window_writes_nothing(store: SqlStore) -> None:
    confirm(store, "zed@corp.test", 1000.0)
    with detector(store) as (found, _db):
        found.action(app=APP, user_key="zed@corp.test", ts=500.0, source="app_activity")
        found.action(app=APP, user_key="zed@corp.test", ts=1000.0, source="app_activity")
    assert finding(store, "zed@corp.test") is None


# -- the tally against a recount, on generated sequences -------------------------------------

Step = tuple[str, float]  # ("act", ts) | ("confirm", ts) | ("unconfirm", 0) | ("end", ts)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("act"), st.integers(0, 40).map(float)),
        st.tuples(st.just("confirm"), st.integers(0, 40).map(float)),
        st.tuples(st.just("unconfirm"), st.just(0.0)),
        st.tuples(st.just("end"), st.integers(0, 40).map(float)),
        st.tuples(st.just("commit"), st.just(0.0)),
    ),
    max_size=30,
)


def _apply(store: SqlStore, steps: list[Step], user_key: str) -> None:
    """Run the steps through detectors the way the detection hooks drive them: actions, a
    confirmation moving (`forget` then `after_deprovision`), and ended deprovisions (`ended`);
    `commit` ends the transaction and starts another."""
    pending = list(steps)
    while pending:
        with detector(store) as (found, db):
            while pending:
                kind, ts = pending.pop(0)
                if kind == "commit":
                    break
                if kind == "act":
                    found.action(app=APP, user_key=user_key, ts=ts, source=f"s{int(ts) % 3}")
                elif kind in ("confirm", "unconfirm"):
                    _set_confirmed(db.conn, user_key, ts if kind == "confirm" else None)
                    found.forget(APP, [user_key])
                    found.after_deprovision(APP, user_key, ended=True)
                else:
                    row = {"app": APP, "person": "okta:" + user_key, "user_key": user_key}
                    db.conn.execute(
                        deprovision_cycles.insert().values(
                            **row, requested_at=ts, confirmed_at=ts, ended_at=ts + 7
                        )
                    )
                    found.ended(APP, user_key)


def _set_confirmed(conn: Connection, user_key: str, at: float | None) -> None:
    conn.execute(deprovisions.delete().where(deprovisions.c.user_key == user_key))
    if at is not None:
        row = {"app": APP, "person": "okta:" + user_key, "sp_id": "c-1", "user_key": user_key}
        conn.execute(deprovisions.insert().values(**row, requested_at=at, confirmed_at=at))


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('tally') / 'tally.db'}")
    yield store
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_the_tally_leaves_what_a_recount_gives(shared_store: SqlStore, steps: list[Step]) -> None:
    user_key = f"u{abs(hash(tuple(steps)))}-{len(steps)}@corp.test"
    _clear(shared_store, user_key)
    _apply(shared_store, steps, user_key)
    counted = finding(shared_store, user_key)

    with detector(shared_store) as (fresh, _db):
        fresh.after_deprovision(APP, user_key, ended=True)  # from the table alone

    assert finding(shared_store, user_key) == counted


def _clear(store: SqlStore, user_key: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(deprovisions.delete().where(deprovisions.c.user_key == user_key))
        conn.execute(deprovision_cycles.delete().where(deprovision_cycles.c.user_key == user_key))
        conn.execute(findings.delete().where(findings.c.subject == user_key))
        conn.execute(activity.delete().where(activity.c.user_key == user_key))


def test_a_first_confirmation_is_told_not_read_again(store: SqlStore) -> None:
    """A deprovision confirmed for the first time can only lower its key's earliest confirmed
    time: the deprovisions tell the detector that time (`first_confirmed`), and the actions
    after it count without the key's confirmed time being read again."""
    confirm(store, "ana@corp.test", None)
    with detector(store) as (found, db):
        found.has_cycles = lambda app: False
        found.prefetch([(APP, "ana@corp.test")])  # no deprovision confirmed yet
        found.action(app=APP, user_key="ana@corp.test", ts=900.0, source="app_activity")
        found.first_confirmed(APP, "ana@corp.test", 1000.0)
        found.after_deprovision(APP, "ana@corp.test")
        found.action(app=APP, user_key="ana@corp.test", ts=1500.0, source="app_activity")
        found.first_confirmed(APP, "ana@corp.test", 1200.0)  # a later one keeps the earliest
        found.after_deprovision(APP, "ana@corp.test")
        assert db.ran[id(activity_module._CONFIRMED)] == 0
    assert finding(store, "ana@corp.test") == (
        '{"source": "app_activity", "user_name": "ana@corp.test"}',
        1500.0,
        1500.0,
        1,
    )


@pytest.mark.parametrize("cycles", [False, True])
def test_ended_windows_are_asked_only_in_apps_that_have_any(store: SqlStore, cycles: bool) -> None:
    """A deprovision a (re)activation ended is rare: in an app that has none, a key's ended
    windows are known to be none without asking."""
    confirm(store, "bo@corp.test", 1000.0)
    with detector(store) as (found, db):
        found.has_cycles = lambda app: cycles
        found.action(app=APP, user_key="bo@corp.test", ts=1100.0, source="app_activity")
        found.prefetch([(APP, "bo@corp.test"), (APP, "cy@corp.test")])
        found.action(app=APP, user_key="cy@corp.test", ts=1100.0, source="app_activity")
    asked = db.ran[id(activity_module._ENDED)] + db.ran[id(activity_module._ENDED_MANY)]
    assert asked == (2 if cycles else 0)
    assert finding(store, "bo@corp.test") is not None


def test_confirmations_in_an_app_without_actions_count_nothing(store: SqlStore) -> None:
    """Most apps have no activity log: a confirmation there has nothing to count, and asks
    only once per app whether it has any action; an action arriving later counts as usual."""
    confirm(store, "di@corp.test", 1000.0)
    with detector(store) as (found, db):
        for user in ("di@corp.test", "ed@corp.test", "fa@corp.test"):
            found.after_deprovision(APP, user)
        assert db.ran[id(activity_module._ANY_ACTION)] == 1
        assert db.ran[id(activity_module._CONFIRMED)] == 0
        assert db.ran[id(activity_module._BETWEEN)] == 0
        found.action(app=APP, user_key="di@corp.test", ts=1100.0, source="app_activity")
    assert finding(store, "di@corp.test") is not None
    with detector(store) as (found, db):
        found.after_deprovision(APP, "di@corp.test")  # the app has actions now
        assert db.ran[id(activity_module._BETWEEN)] == 1


def test_a_confirmation_counts_actions_kept_back_before_it(store: SqlStore) -> None:
    """An IdP record arriving late confirms a deprovision that took effect before actions the
    batch has already handled (kept back, not yet in the table): they count."""
    with detector(store) as (found, db):
        found.action(app=APP, user_key="gu@corp.test", ts=1100.0, source="app_activity")
        found.prefetch([(APP, "gu@corp.test")])
        found.first_confirmed(APP, "gu@corp.test", 1000.0)
        found.after_deprovision(APP, "gu@corp.test")
        assert db.ran[id(activity_module._ANY_ACTION)] == 0  # it knows of the kept-back action
        stored = db.conn.execute(select(activity.c.ts)).scalars().all()
        assert stored == []  # counted from memory: still kept back for one bulk insert
    assert finding(store, "gu@corp.test") is not None


@pytest.mark.parametrize("sessions", [0, 2])
def test_an_idp_removal_recounts_only_people_with_sessions(store: SqlStore, sessions: int) -> None:
    """Which of a batch's removed people have any session or token use is read up front: one
    with none has nothing to recount."""
    with store.transaction() as conn:
        person = {"idp": "okta", "user_id": "00u1", "user_key": "hal@corp.test"}
        conn.execute(idp_people.insert().values(**person, state="deactivate", state_at=1000.0))
        for i in range(sessions):
            row = {"app": "", "user_key": "hal@corp.test", "source": "okta_session"}
            conn.execute(activity.insert().values(**row, ts=1100.0 + i))
    with detector(store) as (found, db):
        found.prefetch_stored("", ["hal@corp.test"])
        found.after_idp_removal("hal@corp.test")
        assert db.ran[id(activity_module._BETWEEN)] == (1 if sessions else 0)
    with store.engine.connect() as conn:
        count = conn.execute(select(findings.c.count).where(findings.c.app == "")).scalar()
    assert count == (sessions or None)


def test_a_removal_arriving_after_the_sessions_it_covers_counts_them(store: SqlStore) -> None:
    """IdP records lag: sessions the batch handled before the removal that covers them count
    when it arrives, though none was stored when the batch began."""
    with detector(store) as (found, _db):
        found.prefetch_stored("", ["ivy@corp.test"])
        found.action(app="", user_key="ivy@corp.test", ts=1100.0, source="okta_session")
        person = ("okta", "00u2")
        found.idp_windows.person(person, None, "ivy@corp.test", "deactivate", 1000.0)
        found.after_idp_removal("ivy@corp.test")
    with store.engine.connect() as conn:
        count = conn.execute(select(findings.c.count).where(findings.c.app == "")).scalar()
    assert count == 1
