"""What each app's SCIM resources look like, learned from every response body.

POST, GET, PUT and PATCH answers and ListResponse pages all carry representations; the last one
seen (by event time) is kept with the keys that link it to a person. `pending` holds what the
next representation must show after a PATCH answered without a body (204).

Rows read or written are remembered for the rest of the transaction (every write to the table
goes through here), so a record that looks its resource up several times reads it once. The
memory ends with the transaction: replicas sharing a store never see each other's stale rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import orjson
from sqlalchemy import bindparam, or_, select

from monitor.classify.shapes import as_bool
from monitor.detect.keys import normalize_key, primary_email
from monitor.detect.prefetch import by_scope, one_of_params, read_rows
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import sp_resources

__all__ = ["Resources", "SpRow", "as_bool", "dump_representation"]


def dump_representation(rep: Mapping[str, object]) -> str:
    """Canonical JSON (sorted keys) for storing and comparing representations. orjson is
    about ten times faster than `json.dumps`; what it refuses (non-string keys, integers past
    64 bits) falls back to the standard library. Old rows written by `json.dumps` differ in
    spacing only, so the first comparison after an upgrade sees a change once."""
    try:
        return orjson.dumps(rep, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(rep, sort_keys=True)


class SpRow(NamedTuple):
    """One `sp_resources` row, in column order."""

    app: str
    sp_id: str
    resource_type: str
    user_name: str | None = None
    user_key: str | None = None
    email_key: str | None = None
    external_id: str | None = None
    idp_user_id: str | None = None
    active: bool | None = None
    first_seen: float = 0.0
    last_seen: float = 0.0
    created_at: float | None = None
    disabled_at: float | None = None
    deleted_at: float | None = None
    representation: str | None = None
    pending: str | None = None


_c = sp_resources.c
_KEY = (_c.app == bindparam("k_app")) & (_c.sp_id == bindparam("k_sp_id"))
_GET = Prepared(select(sp_resources).where(_KEY), SpRow)
_INSERT: Prepared[Any] = Prepared(
    sp_resources.insert().values({c: bindparam(c) for c in SpRow._fields})
)
_MATCH_KEYS = ("user_key", "email_key", "external_id", "idp_user_id")
_updates: dict[tuple[str, ...], Prepared[Any]] = {}
_matches: dict[tuple[bool, ...], Prepared[SpRow]] = {}


def _update_stmt(columns: tuple[str, ...]) -> Prepared[Any]:
    """`UPDATE ... SET <columns>` for one resource, built once per set of columns."""
    found = _updates.get(columns)
    if found is None:
        values: dict[str, Any] = {name: bindparam("v_" + name) for name in columns}
        found = _updates[columns] = Prepared(sp_resources.update().where(_KEY).values(values))
    return found


def _match_stmt(present: tuple[bool, ...]) -> Prepared[SpRow]:
    """Resources of one app sharing any of the present keys, built once per combination.

    Each OR term is `app = ? AND key = ?`, which an (app, key) index answers on its own, so
    the database unions index lookups. The app goes in every term, not once around the OR:
    SQLite has no statistics to prefer the key indexes and would walk all of the app's
    resources by primary key instead."""
    found = _matches.get(present)
    if found is None:
        user_key, email_key, external_id, idp_user_id = present
        same: list[tuple[Any, str]] = []  # (column, parameter) pairs
        if user_key:
            same += [(_c.user_key, "user_key"), (_c.email_key, "user_key")]
        if email_key:
            same += [(_c.email_key, "email_key"), (_c.user_key, "email_key")]
        if external_id:
            same.append((_c.external_id, "external_id"))
        if idp_user_id:
            same.append((_c.idp_user_id, "idp_user_id"))
        app: Any = bindparam("app")
        terms = [(_c.app == app) & (column == bindparam(name)) for column, name in same]
        found = _matches[present] = Prepared(select(sp_resources).where(or_(*terms)), SpRow)
    return found


class Resources:
    """SP resources of all apps, read and written inside the caller's transaction."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._rows: dict[tuple[str, str], SpRow | None] = {}
        self._bodies: dict[str, bool] = {}  # app -> has a stored representation
        # (app, sp_id) -> last_seen of rows seen again unchanged, written at `flush`
        self._touched: dict[tuple[str, str], float] = {}
        self._writes = 0  # inserts and updates so far: a match result is current until one
        self._last_match: _Match | None = None

    def get(self, app: str, sp_id: str) -> SpRow | None:
        key = (app, sp_id)
        if key in self._rows:
            return self._rows[key]
        row = self._rows[key] = self.db.first(_GET, k_app=app, k_sp_id=sp_id)
        return row

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read the rows of these (app, sp_id) keys now, `IN_SIZE` per statement; keys not
        stored are remembered as absent. Rows already in memory are newer and stay."""
        for app, ids in by_scope(keys, self._rows).items():
            for sp_id, row in read_rows(self.db, _GET_MANY, ids, _by_sp_id, app=app):
                self._rows.setdefault((app, sp_id), row)

    def learn(
        self,
        app: str,
        rep: Mapping[str, object],
        ts: float,
        *,
        resource_type: str,
        created: bool = False,
        dumped: str | None = None,
    ) -> SpRow | None:
        """Store a representation (`dumped`: its JSON, when the caller has it already);
        returns the row as it was before (None when new)."""
        sp_id = rep.get("id")
        if not isinstance(sp_id, str) or not sp_id:
            return None
        previous = self.get(app, sp_id)
        name = rep.get("userName") if resource_type == "User" else rep.get("displayName")
        active = as_bool(rep.get("active"))
        external = rep.get("externalId")
        values: dict[str, Any] = {
            "resource_type": resource_type,
            "user_name": name if isinstance(name, str) else None,
            "user_key": normalize_key(name),
            "email_key": primary_email(rep),
            "external_id": external if isinstance(external, str) and external else None,
            "active": active,
            "representation": dumped if dumped is not None else dump_representation(rep),
        }
        if previous is None:
            self.insert(
                SpRow(
                    app=app,
                    sp_id=sp_id,
                    first_seen=ts,
                    last_seen=ts,
                    created_at=ts if created else None,
                    disabled_at=ts if active is False else None,
                    **values,
                )
            )
            return None
        if previous.representation is not None and ts < previous.last_seen:
            return previous  # an older representation arriving late teaches nothing new
        if values["representation"] == previous.representation and not created:
            self._touch(previous, ts)  # an import or a GET seeing it unchanged
            return previous
        if active is False and previous.active is not False:
            values["disabled_at"] = ts
        if created and previous.created_at is None:
            values["created_at"] = ts
        if previous.deleted_at is not None and previous.deleted_at < ts:
            values["deleted_at"] = None  # seen again after a DELETE: it still exists
        self.update(app, sp_id, last_seen=ts, **values)
        return previous

    def insert(self, row: SpRow) -> None:
        """A resource not stored yet."""
        self.db.run(_INSERT, **row._asdict())
        self._writes += 1
        self._rows[(row.app, row.sp_id)] = row
        if row.representation is not None:
            self._bodies[row.app] = True

    def _touch(self, row: SpRow, ts: float) -> None:
        """Seen again unchanged: only `last_seen` moves. Imports and polling GETs see the
        same resources over and over (half of all statements on a GET-heavy log), so the
        new time is kept in memory and written once per row at `flush`."""
        key = (row.app, row.sp_id)
        self._rows[key] = row._replace(last_seen=ts)
        self._touched[key] = ts

    def flush(self) -> None:
        """Write the `last_seen` times kept back (before the commit)."""
        if self._touched:
            rows = [
                {"k_app": app, "k_sp_id": sp_id, "v_last_seen": ts}
                for (app, sp_id), ts in self._touched.items()
            ]
            self.db.run_many(_update_stmt(("last_seen",)), rows)
            self._touched = {}

    def update(self, app: str, sp_id: str, **values: Any) -> None:
        if "last_seen" in values:  # written now: a kept-back time would overwrite it later
            self._touched.pop((app, sp_id), None)
        columns = tuple(values)
        params = {"v_" + name: value for name, value in values.items()}
        self.db.run(_update_stmt(columns), k_app=app, k_sp_id=sp_id, **params)
        self._writes += 1
        cached = self._rows.get((app, sp_id))
        if cached is not None:
            self._rows[(app, sp_id)] = cached._replace(**values)
        if values.get("representation") is not None:
            self._bodies[app] = True

    def ensure(self, app: str, sp_id: str, ts: float, *, resource_type: str) -> SpRow:
        """The row for an id seen only in a path (no body yet)."""
        row = self.get(app, sp_id)
        if row is None:
            row = SpRow(
                app=app, sp_id=sp_id, resource_type=resource_type, first_seen=ts, last_seen=ts
            )
            self.insert(row)
        return row

    def matching(
        self,
        app: str,
        *,
        user_key: str | None = None,
        email_key: str | None = None,
        external_id: str | None = None,
        idp_user_id: str | None = None,
    ) -> list[SpRow]:
        """Users of `app` sharing any of the given keys, by `sp_id` (a stable order for ties)."""
        keys = (user_key, email_key, external_id, idp_user_id)
        present = tuple(bool(k) for k in keys)
        if not any(present):
            return []
        last = self._last_match
        if last and last.app == app and last.writes == self._writes and _narrower(keys, last.keys):
            # A create asks for twins (every key) and then for churn (its externalId): the
            # second answer is part of the first, and nothing was written since.
            return [self._rows.get((app, r.sp_id)) or r for r in last.rows if _shares(r, keys)]
        params = {name: k for name, k, on in zip(_MATCH_KEYS, keys, present, strict=True) if on}
        found = self.db.rows(_match_stmt(present), app=app, **params)
        rows = sorted((row for row in found if row.resource_type == "User"), key=_by_sp_id)
        # Rows in memory are as current as the table, or newer (`last_seen` kept back).
        rows = [self._rows.get((app, row.sp_id)) or row for row in rows]
        for row in rows:
            self._rows[(app, row.sp_id)] = row
        self._last_match = _Match(app, self._writes, keys, rows)
        return rows

    def has_bodies(self, app: str) -> bool:
        """Whether any resource of the app was stored with a representation."""
        found = self._bodies.get(app)
        if found is None:
            found = self._bodies[app] = bool(self.db.scalar(_HAS_BODIES, app=app))
        return found


class _Match(NamedTuple):
    """The last identity match: its app, the write count then, its keys and its rows."""

    app: str
    writes: int
    keys: tuple[str | None, ...]
    rows: list[SpRow]


def _narrower(keys: tuple[str | None, ...], wider: tuple[str | None, ...]) -> bool:
    """Whether every key asked for now was asked for, with the same value, by `wider`: then
    every row sharing one of `keys` was in the wider answer."""
    return all(not key or key == other for key, other in zip(keys, wider, strict=True))


def _shares(row: SpRow, keys: tuple[str | None, ...]) -> bool:
    """The match statement's condition, for a row already read (names match either key)."""
    user_key, email_key, external_id, idp_user_id = keys
    names = (row.user_key, row.email_key)
    return bool(
        (user_key and user_key in names)
        or (email_key and email_key in names)
        or (external_id and row.external_id == external_id)
        or (idp_user_id and row.idp_user_id == idp_user_id)
    )


def _by_sp_id(row: SpRow) -> str:
    return row.sp_id


_GET_MANY = Prepared(
    select(sp_resources).where((_c.app == bindparam("app")) & one_of_params(_c.sp_id)), SpRow
)
_HAS_BODIES: Prepared[Any] = Prepared(
    select(
        select(_c.sp_id)
        .where((_c.app == bindparam("app")) & _c.representation.is_not(None))
        .exists()
    )
)
