"""A batch's deprovision rows: read up front by person and by account, kept current by every
write.

A deprovision is read when the IdP asks for a removal (by app and person), when removal
evidence arrives (the requests targeting an account), and when a (re)activation ends a
person's requests. One statement each was about a quarter of a replay's statements, and on
PostgreSQL each is a round trip. The people the batch's IdP records name and the accounts
its removals name are read whole up front (200 per statement); a row read once is kept, and
every write of the table in a batch goes through this object, so memory and table agree.
Inserts and updates of rows in memory are held back and written in bulk (`monitor.detect.held`)
before any other statement reads the table (the activity detector's confirmed times) and at
the end of the batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select

from monitor.detect import _deprovision_sql as sql
from monitor.detect._deprovision_sql import DeprovisionRow
from monitor.detect.held import HeldRows, held_params, update_columns
from monitor.detect.prefetch import by_pairs, in_parts, one_of_params, read_pairs
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import deprovisions

__all__ = ["DeprovisionRows"]

Account = tuple[str, str]  # (app, sp_id)


class DeprovisionRows:
    """Rows by (app, person), None where known absent; and for the people and accounts read
    whole, which of their rows exist."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._rows: dict[tuple[str, str], DeprovisionRow | None] = {}
        self._people: dict[str, set[str]] = {}  # person read whole -> apps with a row
        self._accounts: dict[Account, set[str]] = {}  # account read whole -> its rows' people
        self._held = HeldRows(db, "deprovisions", self._row, _INSERT, _update, _params)

    def prefetch_people(self, people: Iterable[str]) -> None:
        for part, params in in_parts(self.db, (p for p in people if p not in self._people)):
            for person in part:
                self._people[person] = set()
            for row in self.db.rows(_OF_PEOPLE, **params):
                self._learn(row)

    def prefetch_accounts(self, accounts: Iterable[Account]) -> None:
        wanted = (account for account in accounts if account not in self._accounts)
        for account, rows in read_pairs(self.db, _OF_ACCOUNTS, wanted, _account):
            self._accounts[account] = set()
            for row in rows:
                self._learn(row)

    def none_of(self, person: str) -> bool:
        """Whether the person is known to have no row (read whole, none found)."""
        return not self._people.get(person, True)

    def get(self, app: str, person: str) -> DeprovisionRow | None:
        key = (app, person)
        if key in self._rows:
            return self._rows[key]
        if person in self._people:
            return None
        row = self._rows[key] = self.db.first(sql.GET, k_app=app, k_person=person)
        self._index(None, row)
        return row

    def open_of_account(self, app: str, sp_id: str, ts: float) -> list[DeprovisionRow]:
        """The requests targeting the account made at or before `ts`, by person."""
        people = self._accounts.get((app, sp_id))
        if people is None:
            rows = self.db.rows(sql.OPEN_OF_SP, app=app, sp_id=sp_id, ts=ts)
            return sorted((self._learn(row) for row in rows), key=_person)
        found = (self._rows.get((app, person)) for person in sorted(people))
        return [row for row in found if row is not None and row.sp_id == sp_id and _by(row, ts)]

    def open_of_person(self, app: str, person: str, ts: float) -> list[DeprovisionRow]:
        """The person's request in the app made at or before `ts` with no account known."""
        row = self.get(app, person)
        return [row] if row is not None and row.sp_id is None and _by(row, ts) else []

    def ending(self, person: str, ts: float) -> list[DeprovisionRow]:
        """The person's requests made before `ts` (in every app), by app."""
        apps = self._people.get(person)
        if apps is None:
            rows = self.db.rows(sql.ENDING, person=person, ts=ts)
            return sorted((self._learn(row) for row in rows), key=_app)
        found = (self._rows.get((app, person)) for app in sorted(apps))
        return [row for row in found if row is not None and _before(row, ts)]

    def reset(self, person: str, ts: float, ending: list[DeprovisionRow]) -> bool:
        """Delete the person's requests made before `ts` (`ending` lists them)."""
        changed = bool(self.db.run(sql.RESET, person=person, ts=ts))  # after the held writes
        for row in ending:
            self._set((row.app, row.person), None)
        return changed

    def write(self, stmt: Prepared[Any], params: dict[str, Any]) -> bool:
        """Insert (`sql.INSERT`) or update one row by `k_app` and `k_person`, held back when
        the row is in memory; whether a row changed."""
        key = (params["k_app"], params["k_person"])
        values = {name: value for name, value in params.items() if not name.startswith("k_")}
        if stmt is sql.INSERT:
            self._set(key, DeprovisionRow(*key, **{**_EMPTY, **values}))
            self._held.inserted(key)
            return True
        if key not in self._rows:  # not read in this batch: the table answers
            return bool(self.db.run(stmt, **params))
        row = self._rows[key]
        if row is None:
            return False
        self._set(key, row._replace(**values))
        self._held.updated(key, values)
        return True

    def flush(self) -> None:
        """Write the inserts and updates held back (before the commit)."""
        self._held.write()

    def _row(self, key: tuple[str, str]) -> DeprovisionRow | None:
        return self._rows[key]

    def _learn(self, row: DeprovisionRow) -> DeprovisionRow:
        """A row read from the table; the one in memory when it holds one already (both are
        the same: every write goes through here)."""
        known = self._rows.setdefault((row.app, row.person), row)
        current = known if known is not None else row
        self._index(None, current)
        return current

    def _set(self, key: tuple[str, str], row: DeprovisionRow | None) -> None:
        self._index(self._rows.get(key), row)
        self._rows[key] = row

    def _index(self, old: DeprovisionRow | None, new: DeprovisionRow | None) -> None:
        if old is not None:
            if (apps := self._people.get(old.person)) is not None:
                apps.discard(old.app)
            if old.sp_id is not None and (people := self._accounts.get((old.app, old.sp_id))):
                people.discard(old.person)
        if new is not None:
            if (apps := self._people.get(new.person)) is not None:
                apps.add(new.app)
            if new.sp_id is not None and (new.app, new.sp_id) in self._accounts:
                self._accounts[(new.app, new.sp_id)].add(new.person)


def _person(row: DeprovisionRow) -> str:
    return row.person


def _app(row: DeprovisionRow) -> str:
    return row.app


def _by(row: DeprovisionRow, ts: float) -> bool:
    return row.requested_at is not None and row.requested_at <= ts


def _before(row: DeprovisionRow, ts: float) -> bool:
    return row.requested_at is not None and row.requested_at < ts


_EMPTY: dict[str, Any] = {
    "sp_id": None,
    "user_name": None,
    "user_key": None,
    "requested_at": None,
    "confirmed_at": None,
}
_d = deprovisions.c
_OF_PEOPLE = Prepared(select(deprovisions).where(one_of_params(_d.person)), DeprovisionRow)
_OF_ACCOUNTS = Prepared(by_pairs(deprovisions, _d.app, _d.sp_id), DeprovisionRow)


def _account(row: DeprovisionRow) -> tuple[str, str]:
    return row.app, str(row.sp_id)


_COLUMNS = ("sp_id", "user_name", "user_key", "requested_at", "confirmed_at")
_INSERT: Prepared[Any] = Prepared(
    deprovisions.insert().values(
        app=bindparam("k_app"),
        person=bindparam("k_person"),
        **{name: bindparam(name) for name in _COLUMNS},
    )
)


def _update(columns: tuple[str, ...]) -> Prepared[Any]:
    return update_columns(deprovisions, sql.KEY, columns)


def _params(row: DeprovisionRow | None, columns: tuple[str, ...] | None) -> dict[str, Any]:
    """A held row's parameters: for the insert (columns None) or for an update."""
    assert row is not None  # held rows stay in memory until written
    return held_params({"k_app": row.app, "k_person": row.person}, row, columns, _COLUMNS)
