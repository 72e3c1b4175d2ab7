"""Actions are written behind (one executemany) but land exactly once, in order, when the batch's
batch finishes, and not at all when its transaction rolls back; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitor.detect.correlate import Correlator
from monitor.detect.idp import AppIndex
from monitor.events import ActivityRecord
from monitor.store import SqlStore, StoreError
from monitor.store.tables import activity

APPS = AppIndex({}, {})


def _action(ts: float, user: str, status: int | None = 200) -> ActivityRecord:
    return ActivityRecord(ts=ts, app="crm", user=user, auth="sso", action="read", status=status)


def _stored(store: SqlStore) -> list[tuple[str, str, float, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(activity.c.app, activity.c.user_key, activity.c.ts, activity.c.source).order_by(
                activity.c.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_actions_land_in_order_at_commit(store: SqlStore) -> None:
    with store.transaction() as conn:
        correlator = Correlator(conn, APPS)
        for i, user in enumerate(["B@corp.test", "a@corp.test", "b@corp.test"]):
            correlator.handle(_action(100.0 + i, user))
        correlator.handle(_action(110.0, "c@corp.test", status=403))  # refused: not activity
        correlator.finish()
    with store.transaction() as conn:
        later = Correlator(conn, APPS)
        later.handle(_action(120.0, "d@corp.test"))
        later.finish()

    assert _stored(store) == [
        ("crm", "b@corp.test", 100.0, "app_activity"),
        ("crm", "a@corp.test", 101.0, "app_activity"),
        ("crm", "b@corp.test", 102.0, "app_activity"),
        ("crm", "d@corp.test", 120.0, "app_activity"),
    ]


def test_a_rolled_back_batch_writes_no_action(store: SqlStore) -> None:
    with pytest.raises(StoreError), store.transaction() as conn:
        failing = Correlator(conn, APPS)
        failing.handle(_action(100.0, "a@corp.test"))
        failing.finish()
        conn.exec_driver_sql("SELECT * FROM no_such_table")  # the batch fails after its actions
    with store.transaction() as conn:
        Correlator(conn, APPS).finish()  # a later batch commits; nothing is left over to write

    assert _stored(store) == []
