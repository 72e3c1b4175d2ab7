"""Activity after deprovision, whichever arrives first: the activity or the removal.

Successful actions are kept per account, so the finding is recomputed from facts when either
side changes: an action after the confirmed deprovision in that app (app activity logs), or an
IdP session/token use after the IdP removed the person (`app` empty). A deprovision that a
(re)activation ended counts only until then (`deprovision_cycles`): a rehired person's use of
the app is no finding. A live daemon catching up on several files at once therefore reaches
the same finding as a time-ordered replay.

Actions are the most frequent write and nothing reads them back until a recount, so they are
written behind: kept in order and inserted with one `executemany` when the transaction commits
(`flush`); a recount adds the account's kept-back actions from memory to what the table
counts. The buffer holds at most one batch's actions and dies with the transaction, so it
never outlives what it belongs to. An IdP removal recounts the person's sessions and token
uses only when there are any: which of the batch's people have some is read up front.

A zombie account keeps acting, often thousands of times (a sync job whose token survived).
Recounting its window from the table on every action read every earlier action again, so its
cost grew with the square of its activity. Once an account has been counted in this
transaction, an action under the same windows only adds itself to the count kept in memory
(`_Tally`), and the finding is written once, at `flush`. Any change of windows recounts from
the table; the tally dies with the transaction like the buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select

from monitor.detect.findings import Findings
from monitor.detect.idp_windows import OPEN_END, IdpWindows, Window
from monitor.detect.prefetch import by_pairs, by_scope, in_parts, one_of_params, read_pairs
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import activity, deprovision_cycles, deprovisions

__all__ = ["ActivityDetector"]

TYPE = "activity_after_deprovision"
_OPEN_END = OPEN_END  # a deprovision still in force: no action time is later


@dataclass(slots=True)
class _Tally:
    """An account's actions inside its windows, as last counted plus those added since."""

    windows: tuple[Window, ...]
    count: int = 0
    first: float = _OPEN_END
    last: float = 0.0
    source: str = ""  # the least source name among the counted actions

    def add(self, ts: float, source: str) -> bool:
        """Count one more action in each window holding it, as a recount sums them; False
        when it lies outside every window."""
        inside = sum(1 for start, end in self.windows if start < ts < end)
        if inside:
            self.merge(inside, ts, ts, source)
        return bool(inside)

    def merge(self, count: int, first: float, last: float, source: str) -> None:
        """Add `count` actions seen between `first` and `last`, the least source `source`."""
        self.source = min(self.source, source) if self.count else source
        self.count += count
        self.first, self.last = min(self.first, first), max(self.last, last)


class ActivityDetector:
    """Stores successful actions and keeps the activity findings equal to the facts."""

    def __init__(self, db: Db, findings: Findings) -> None:
        self.db = db
        self.findings = findings
        # (app, user_key) -> first confirmed deprovision, until a row of that key changes
        self._confirmed: dict[tuple[str, str], float | None] = {}
        # (app, user_key) -> confirmed deprovisions a (re)activation ended, until one changes
        self._ended: dict[tuple[str, str], tuple[Window, ...]] = {}
        self._unwritten: list[dict[str, Any]] = []  # actions not inserted yet, in order
        self._tallies: dict[tuple[str, str], _Tally] = {}  # (app or "", user_key)
        self._dirty: set[tuple[str, str]] = set()  # tallies whose finding is not written yet
        self._acted: dict[str, bool] = {}  # app -> whether it has any action
        self._pending: dict[tuple[str, str], list[tuple[float, str]]] = {}  # `_unwritten`, by key
        # (app, user_key) -> whether any action of it is stored or kept back, for keys read up
        # front (`prefetch_stored`): a key with none has nothing to recount
        self._stored: dict[tuple[str, str], bool] = {}
        self.idp_windows = IdpWindows(db)  # the IdP detector tells it of every person written
        # Whether an app has any ended deprovision: the windows of one that has none are
        # known without asking (the deprovisions tell it; by default every app may).
        self.has_cycles: Callable[[str], bool] = lambda app: True

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

    def first_confirmed(self, app: str, user_key: str | None, at: float) -> None:
        """A deprovision of (app, user_key) was confirmed for the first time, at `at`: the
        earliest confirmed time kept for the key (if any) is the lesser of the two now."""
        key = (app, user_key or "")
        if user_key and key in self._confirmed:
            current = self._confirmed[key]
            self._confirmed[key] = at if current is None else min(current, at)

    def ended(self, app: str, user_key: str) -> None:
        """An ended deprovision of the account changed: recount against what is known now."""
        self._ended.pop((app, user_key), None)
        self._confirmed.pop((app, user_key), None)
        self.after_deprovision(app, user_key, ended=True)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """The first confirmed deprovision of each (app, user_key), and the windows of those a
        (re)activation ended, read up front per app."""
        wanted = list(keys)
        asked = (key for key in wanted if key not in self._confirmed)
        for key, rows in read_pairs(self.db, _CONFIRMED_MANY, asked, _pair):
            self._confirmed.setdefault(key, rows[0][2] if rows else None)
        for app, user_keys in by_scope(wanted, self._ended).items():
            if not self.has_cycles(app):
                self._ended.update(((app, user_key), ()) for user_key in user_keys)
                continue
            for part, params in in_parts(self.db, user_keys):
                found: dict[str, list[Window]] = {}
                for user_key, start, end in self.db.rows(_ENDED_MANY, app=app, **params):
                    found.setdefault(str(user_key), []).append((float(start), float(end)))
                for user_key in part:
                    self._ended.setdefault((app, user_key), tuple(found.get(user_key, ())))

    def prefetch_stored(self, app: str, user_keys: Iterable[str]) -> None:
        """Which of these keys have any action stored in `app`, a part per statement."""
        unasked = (k for k in user_keys if (app, k) not in self._stored)
        for part, params in in_parts(self.db, unasked):
            found = set(self.db.scalars(_STORED, app=app, **params))
            for user_key in part:
                self._stored[(app, user_key)] = user_key in found

    def action(self, *, app: str, user_key: str, ts: float, source: str) -> None:
        """One successful action of an account (app "" for IdP-level sessions)."""
        self._unwritten.append({"app": app, "user_key": user_key, "ts": ts, "source": source})
        self._pending.setdefault((app, user_key), []).append((ts, source))
        self._acted[app] = True
        self._stored[(app, user_key)] = True
        if app:
            self.after_deprovision(app, user_key, new=(ts, source))
        else:
            self.after_idp_removal(user_key, new=(ts, source))

    def flush(self) -> None:
        """Insert the actions kept so far and write the findings counted in memory (before the
        table is read, and before commit)."""
        if self._unwritten:
            self.db.run_many(_INSERT, self._unwritten)
            self._unwritten = []
            self._pending.clear()
        for key in sorted(self._dirty):
            self._put(*key, self._tallies[key])
        self._dirty.clear()

    def after_deprovision(
        self,
        app: str,
        user_key: str | None,
        *,
        ended: bool = False,
        new: tuple[float, str] | None = None,
    ) -> None:
        """Recount the app's activity while the account's deprovisions there were in force:
        from the confirmation of the current one on, and inside each ended one. `ended`: a
        window shrank or moved, so a finding the windows no longer support goes. `new`: the
        action (time, source) that asks, the only change when the windows are as counted."""
        if not user_key or (not ended and new is None and not self._acted_in(app)):
            return  # no action in the app to count (most apps have no activity log)
        key = (app, user_key)
        if key in self._confirmed:
            confirmed = self._confirmed[key]
        else:
            confirmed = self._confirmed[key] = self.db.scalar(
                _CONFIRMED, app=app, user_key=user_key
            )
        if key not in self._ended and not self.has_cycles(app):
            self._ended[key] = ()
        elif key not in self._ended:
            rows = self.db.rows(_ENDED, app=app, user_key=user_key)
            self._ended[key] = tuple((float(start), float(end)) for start, end in rows)
        windows = list(self._ended[key])
        if confirmed is not None:
            windows.append((float(confirmed), _OPEN_END))
        if windows or ended:
            self._count(app, user_key, windows, shrank=ended, new=new)

    def _acted_in(self, app: str) -> bool:
        """Whether the app has any action stored or kept back (asked once per app)."""
        known = self._acted.get(app)
        if known is None:
            known = self._acted[app] = self.db.scalar(_ANY_ACTION, app=app) is not None
        return known

    def after_idp_removal(
        self, user_key: str | None, *, ended: bool = False, new: tuple[float, str] | None = None
    ) -> None:
        """Recount IdP sessions and tokens while the IdP had the person removed: since the
        current removal, and inside each removal a (re)activation ended (`ended`: one just
        did, so a finding counted against the open removal may shrink or go)."""
        if not user_key or (
            not ended and new is None and not self._stored.get(("", user_key), True)
        ):
            return  # no session or token use of the person to count
        windows = self.idp_windows.windows(user_key)
        if windows or ended:
            self._count("", user_key, windows, shrank=ended, new=new)

    def _count(
        self,
        app: str,
        user_key: str,
        windows: list[Window],
        *,
        shrank: bool = False,
        new: tuple[float, str] | None = None,
    ) -> None:
        """Set the finding to the actions inside `windows`. None inside: no finding, and one
        counted while a window was wider (`shrank`) goes (windows only shrink when ended).
        An action under the windows last counted is added to the tally instead (`new`)."""
        key = (app, user_key)
        tally = self._tallies.get(key)
        if new is not None and not shrank and tally is not None and tally.windows == tuple(windows):
            if tally.add(*new):
                self._dirty.add(key)
            return
        self._dirty.discard(key)  # recounted below, this action included
        tally = self._tallies[key] = _Tally(tuple(windows))
        pending = self._pending.get(key, ())
        for start, end in windows:
            row = self.db.first(_BETWEEN, app=app, user_key=user_key, since=start, until=end)
            assert row is not None  # an aggregate always has its row
            if row[0]:
                tally.merge(int(row[0]), float(row[1]), float(row[2]), str(row[3]))
            for ts, source in pending:  # kept back, not in the table yet
                if start < ts < end:
                    tally.merge(1, ts, ts, source)
        if tally.count:
            self._put(app, user_key, tally)
        elif shrank:
            self.findings.withdraw(type=TYPE, app=app or None, subject=user_key)

    def _put(self, app: str, user_key: str, tally: _Tally) -> None:
        self.findings.put(
            type=TYPE,
            app=app or None,
            subject=user_key,
            fields={"source": tally.source, "user_name": user_key},
            first_at=tally.first,
            last_at=tally.last,
            count=tally.count,
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
_STORED: Prepared[Any] = Prepared(
    select(_a.user_key).distinct().where((_a.app == bindparam("app")) & one_of_params(_a.user_key))
)
_ANY_ACTION: Prepared[Any] = Prepared(select(_a.app).where(_a.app == bindparam("app")).limit(1))
_CONFIRMED: Prepared[Any] = Prepared(
    select(func.min(deprovisions.c.confirmed_at)).where(
        (deprovisions.c.app == bindparam("app"))
        & (deprovisions.c.user_key == bindparam("user_key"))
    )
)


def _pair(row: tuple[Any, ...]) -> tuple[str, str]:
    return str(row[0]), str(row[1])


_d = deprovisions.c
_CONFIRMED_MANY: Prepared[Any] = Prepared(
    by_pairs(
        deprovisions, _d.app, _d.user_key, _d.app, _d.user_key, func.min(_d.confirmed_at)
    ).group_by(_d.app, _d.user_key)
)
_BETWEEN: Prepared[Any] = Prepared(
    select(func.count(), func.min(_a.ts), func.max(_a.ts), func.min(_a.source)).where(
        (_a.app == bindparam("app"))
        & (_a.user_key == bindparam("user_key"))
        & (_a.ts > bindparam("since"))
        & (_a.ts < bindparam("until"))
    )
)
_y = deprovision_cycles.c
_CONFIRMED_ENDED = _y.confirmed_at.is_not(None) & (_y.confirmed_at < _y.ended_at)
_ENDED: Prepared[Any] = Prepared(
    select(_y.confirmed_at, _y.ended_at).where(
        (_y.app == bindparam("app")) & (_y.user_key == bindparam("user_key")) & _CONFIRMED_ENDED
    )
)
_ENDED_MANY: Prepared[Any] = Prepared(
    select(_y.user_key, _y.confirmed_at, _y.ended_at).where(
        (_y.app == bindparam("app")) & one_of_params(_y.user_key) & _CONFIRMED_ENDED
    )
)
