"""Traffic windows and auth streaks, written with each batch (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from monitor.classify import classify
from monitor.detect.traffic import Traffic
from monitor.events import Idp, ScimRequest
from monitor.store import SqlStore
from monitor.store.tables_alerting import app_health, scim_traffic

T0 = 1_767_225_600.0  # a minute boundary


def _batch(store: SqlStore, *answers: tuple[float, int], app: str = "crm") -> None:
    traffic = Traffic()
    for ts, status in answers:
        request = ScimRequest(ts=ts, method="GET", path="/scim/v2/Users", status=status)
        traffic.add(classify(request, app=app, idp=Idp.OKTA))
    with store.transaction() as conn:
        traffic.write(conn)


def _health(store: SqlStore, app: str = "crm") -> tuple[object, ...]:
    with store.transaction() as conn:
        row = conn.execute(select(app_health).where(app_health.c.app == app)).one()
    return row.last_ok_at, row.last_auth_error_at, row.auth_streak


def test_counts_by_minute_and_outcome_add_up_across_batches(store: SqlStore) -> None:
    _batch(store, (T0 + 1, 200), (T0 + 59, 500), (T0 + 60, 429))
    _batch(store, (T0 + 30, 500), (T0 + 61, 200))
    with store.transaction() as conn:
        rows = sorted(
            (r.minute - int(T0 // 60), r.outcome, r.count)
            for r in conn.execute(select(scim_traffic))
        )
    assert rows == [(0, "ok", 1), (0, "server_error", 2), (1, "ok", 1), (1, "throttled", 1)]


def test_auth_streak_grows_across_batches_and_restarts_after_a_success(store: SqlStore) -> None:
    _batch(store, (T0, 200), (T0 + 1, 401), (T0 + 2, 403))
    assert _health(store) == (T0, T0 + 2, 2)
    _batch(store, (T0 + 3, 401))
    assert _health(store) == (T0, T0 + 3, 3)
    _batch(store, (T0 + 4, 401), (T0 + 5, 200), (T0 + 6, 401))
    assert _health(store) == (T0 + 5, T0 + 6, 1)
    _batch(store, (T0 + 7, 404))  # other errors neither extend nor break the streak
    assert _health(store) == (T0 + 5, T0 + 6, 1)


def test_an_empty_batch_writes_nothing(store: SqlStore) -> None:
    _batch(store)
    with store.transaction() as conn:
        assert conn.execute(select(scim_traffic)).all() == []
        assert conn.execute(select(app_health)).all() == []
