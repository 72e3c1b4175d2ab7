"""Activity after deprovision, whichever arrives first: the activity or the removal.

Successful actions are kept per account, so the finding is recomputed from facts when either
side changes: an action after the confirmed deprovision in that app (app activity logs), or an
IdP session/token use after the IdP removed the person (`app` empty). A live daemon catching
up on several files at once therefore reaches the same finding as a time-ordered replay.

Actions are the most frequent write and nothing reads them back until a recount, so they are
written behind: kept in order and inserted with one `executemany` before the next recount
reads the table and when the transaction commits (`flush`). The buffer holds at most one
batch's actions and dies with the transaction, so it never outlives what it belongs to.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import bindparam, func, select

from monitor.detect.deprovision import REMOVED_STATES
from monitor.detect.findings import Findings
from monitor.detect.prefetch import by_scope, one_of_params, read_rows
from monitor.store.prepared import Db, Prepared, one_of
from monitor.store.tables import activity, deprovisions, idp_people

__all__ = ["ActivityDetector"]

TYPE = "activity_after_deprovision"


class ActivityDetector:
    """Stores successful actions and keeps the activity findings equal to the facts."""

    def __init__(self, db: Db, findings: Findings) -> None:
        self.db = db
        self.findings = findings
        # (app, user_key) -> first confirmed deprovision, until a row of that key changes
        self._confirmed: dict[tuple[str, str], float | None] = {}
        self._unwritten: list[dict[str, Any]] = []  # actions not inserted yet, in order

    def forget(self, app: str | None, user_keys: Collection[str | None] | None) -> None:
        """Deprovision rows changed: the confirmed times of those keys in that app may be out
        of date (None: any of them). Forgetting only those keeps the rest: an activity log
        names the same few hundred accounts thousands of times."""
        if app is None or user_keys is None:
            self._confirmed.clear()
            return
        for user_key in user_keys:
            if user_key is not None:
                self._confirmed.pop((app, user_key), None)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """The first confirmed deprovision of each (app, user_key), read up front per app."""
        for app, user_keys in by_scope(keys, self._confirmed).items():
            for user_key, row in read_rows(self.db, _CONFIRMED_MANY, user_keys, _key, app=app):
                self._confirmed.setdefault((app, user_key), row[1] if row else None)

    def action(self, *, app: str, user_key: str, ts: float, source: str) -> None:
        """One successful action of an account (app "" for IdP-level sessions)."""
        self._unwritten.append({"app": app, "user_key": user_key, "ts": ts, "source": source})
        if app:
            self.after_deprovision(app, user_key)
        else:
            self.after_idp_removal(user_key)

    def flush(self) -> None:
        """Insert the actions kept so far (before the table is read, and before commit)."""
        if self._unwritten:
            self.db.run_many(_INSERT, self._unwritten)
            self._unwritten = []

    def after_deprovision(self, app: str, user_key: str | None) -> None:
        """Recount the app's activity after the account's confirmed deprovision there."""
        if not user_key:
            return
        key = (app, user_key)
        if key in self._confirmed:
            confirmed = self._confirmed[key]
        else:
            confirmed = self._confirmed[key] = self.db.scalar(
                _CONFIRMED, app=app, user_key=user_key
            )
        self._recount(app, user_key, confirmed)

    def after_idp_removal(self, user_key: str | None) -> None:
        """Recount IdP sessions and tokens after the IdP removed the person."""
        if not user_key:
            return
        removed = self.db.scalar(_REMOVED, user_key=user_key)
        self._recount("", user_key, removed)

    def _recount(self, app: str, user_key: str, since: float | None) -> None:
        if since is None:
            return
        self.flush()
        row = self.db.first(_SINCE, app=app, user_key=user_key, since=since)
        assert row is not None  # an aggregate always has its row
        count, first, last, source = row
        if count:
            self.findings.put(
                type=TYPE,
                app=app or None,
                subject=user_key,
                fields={"source": source, "user_name": user_key},
                first_at=float(first),
                last_at=float(last),
                count=int(count),
            )


_a = activity.c
_INSERT: Prepared[Any] = Prepared(
    activity.insert().values(
        app=bindparam("app"),
        user_key=bindparam("user_key"),
        ts=bindparam("ts"),
        source=bindparam("source"),
    )
)
_CONFIRMED: Prepared[Any] = Prepared(
    select(func.min(deprovisions.c.confirmed_at)).where(
        (deprovisions.c.app == bindparam("app"))
        & (deprovisions.c.user_key == bindparam("user_key"))
    )
)


def _key(row: tuple[Any, ...]) -> str:
    return str(row[0])


_CONFIRMED_MANY: Prepared[Any] = Prepared(
    select(deprovisions.c.user_key, func.min(deprovisions.c.confirmed_at))
    .where((deprovisions.c.app == bindparam("app")) & one_of_params(deprovisions.c.user_key))
    .group_by(deprovisions.c.user_key)
)
_REMOVED: Prepared[Any] = Prepared(
    select(func.max(idp_people.c.state_at)).where(
        (idp_people.c.user_key == bindparam("user_key"))
        & one_of(idp_people.c.state, REMOVED_STATES)
    )
)
_SINCE: Prepared[Any] = Prepared(
    select(func.count(), func.min(_a.ts), func.max(_a.ts), func.min(_a.source)).where(
        (_a.app == bindparam("app"))
        & (_a.user_key == bindparam("user_key"))
        & (_a.ts > bindparam("since"))
    )
)
