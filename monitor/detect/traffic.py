"""Traffic windows for the alert conditions: requests per app, event-time minute and outcome,
and each app's run of auth failures since its last success.

Counted per batch in memory (a handful of keys: apps x minutes x outcomes) and written in the
batch's transaction with one upsert per key, so the windows are exactly as durable as the
counts, and shared by every replica.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, select

from monitor.events import Outcome, ScimEvent
from monitor.store.tables_alerting import app_health, scim_traffic
from monitor.store.upserts import count_upsert

__all__ = ["Traffic"]


@dataclass(slots=True)
class _Run:
    last_ok: float | None = None
    last_auth: float | None = None
    streak: int = 0  # auth failures since the last success in this batch (or since its start)
    reset: bool = False  # a success was seen: the stored streak restarts from `streak`


class Traffic:
    """One batch's contribution to the traffic windows."""

    __slots__ = ("_counts", "_runs")

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int, str]] = Counter()
        self._runs: dict[str, _Run] = {}

    def add(self, event: ScimEvent) -> None:
        outcome = event.outcome
        self._counts[(event.app, int(event.ts // 60), outcome)] += 1
        if outcome is Outcome.OK:
            run = self._run(event.app)
            run.last_ok = event.ts if run.last_ok is None else max(run.last_ok, event.ts)
            run.streak, run.reset = 0, True
        elif outcome is Outcome.AUTH_ERROR:
            run = self._run(event.app)
            run.last_auth = event.ts if run.last_auth is None else max(run.last_auth, event.ts)
            run.streak += 1

    def _run(self, app: str) -> _Run:
        run = self._runs.get(app)
        if run is None:
            run = self._runs[app] = _Run()
        return run

    def write(self, conn: Connection) -> None:
        if not self._counts:
            return
        rows = [
            {"app": app, "minute": minute, "outcome": str(outcome), "count": n}
            for (app, minute, outcome), n in self._counts.items()
        ]
        conn.execute(count_upsert(scim_traffic, conn.dialect.name), rows)
        for app, run in self._runs.items():
            self._write_run(conn, app, run)

    @staticmethod
    def _write_run(conn: Connection, app: str, run: _Run) -> None:
        old = conn.execute(select(app_health).where(app_health.c.app == app)).first()
        last_ok = _newest(old.last_ok_at if old else None, run.last_ok)
        last_auth = _newest(old.last_auth_error_at if old else None, run.last_auth)
        streak = run.streak if run.reset or old is None else int(old.auth_streak) + run.streak
        values = {"last_ok_at": last_ok, "last_auth_error_at": last_auth, "auth_streak": streak}
        if old is None:
            conn.execute(app_health.insert().values(app=app, **values))
        else:
            conn.execute(app_health.update().where(app_health.c.app == app).values(**values))


def _newest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)
