"""What each app's SCIM resources look like, learned from every response body.

POST, GET, PUT and PATCH answers and ListResponse pages all carry representations; the last one
seen (by event time) is kept with the keys that link it to a person. `pending` holds what the
next representation must show after a PATCH answered without a body (204).

Rows read or written are remembered for the rest of the transaction (every write to the table
goes through here), so a record that looks its resource up several times reads it once, and
the writes are held back and written in bulk (`monitor.detect.held`). The memory ends with the
transaction: replicas sharing a store never see each other's stale rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from monitor.classify.shapes import as_bool
from monitor.detect._resources_sql import (
    GET,
    GET_MANY,
    HAS_BODIES,
    INSERT,
    LAST_SEEN,
    row_params,
    update_stmt,
)
from monitor.detect.held import HeldRows
from monitor.detect.keys import normalize_key, primary_email
from monitor.detect.matching import (
    MAX_APPS,
    Entry,
    KeyIndex,
    Keys,
    by_keys,
    entries,
    match_params,
    match_stmt,
)
from monitor.detect.prefetch import pair_parts, read_pairs
from monitor.detect.sp_row import SpRow
from monitor.store.prepared import Db

__all__ = ["Resources", "SpRow", "as_bool", "dump_representation", "load_representation"]


def dump_representation(rep: Mapping[str, object]) -> str:
    """Canonical JSON (sorted keys) for storing and comparing representations. orjson is
    about ten times faster than `json.dumps`; what it refuses (non-string keys, integers past
    64 bits) falls back to the standard library. Old rows written by `json.dumps` differ in
    spacing only, so the first comparison after an upgrade sees a change once."""
    try:
        return orjson.dumps(rep, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(rep, sort_keys=True)


def load_representation(text: str) -> Any:
    """A stored representation, parsed as its answer was (orjson, several times faster than
    `json.loads`); what orjson refuses (`NaN`, which only the fallback above writes) goes to
    the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class Resources:
    """SP resources of all apps, read and written inside the caller's transaction."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._rows: dict[tuple[str, str], SpRow | None] = {}
        self._bodies: dict[str, bool] = {}  # app -> has a stored representation
        # Inserts and updates, written in bulk before a statement touches the table, and at
        # `flush` (`monitor.detect.held`)
        self._held = HeldRows(
            db, "sp_resources", self._current_row, INSERT, update_stmt, row_params
        )
        self._index = KeyIndex()  # which ids hold the key values read so far

    def get(self, app: str, sp_id: str) -> SpRow | None:
        key = (app, sp_id)
        if key in self._rows:
            return self._rows[key]
        row = self._rows[key] = self.db.first(GET, k_app=app, k_sp_id=sp_id)
        return row

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read the rows of these (app, sp_id) keys now, `IN_SIZE` per statement; keys not
        stored are remembered as absent. Rows already in memory are newer and stay."""
        wanted = (key for key in keys if key not in self._rows)
        for key, rows in read_pairs(self.db, GET_MANY, wanted, _account):
            self._rows.setdefault(key, rows[0] if rows else None)

    def prefetch_keys(self, wanted: Iterable[Entry]) -> None:
        """Index these (app, kind, value) key entries now (`KeyIndex`), `IN_SIZE` values per
        statement; entries indexed already are not asked again. The statements read keys
        only: the accounts they name are mostly in memory already (read by id up front), and
        the others are read whole afterwards."""
        grouped: dict[int, list[tuple[str, str]]] = {}  # kind -> (app, value) pairs
        for entry in wanted:
            if not self._index.known(entry):
                grouped.setdefault(entry[1], []).append((entry[0], entry[2]))
        memory, unread = self._rows, []
        for kind, pairs in grouped.items():
            for part, params in pair_parts(self.db, pairs):
                found = self.db.rows(by_keys(kind), **params)
                unread += [(r.app, r.sp_id) for r in found if (r.app, r.sp_id) not in memory]
                current = [memory.get((row.app, row.sp_id)) or row for row in found]
                self._index.cover([(app, kind, value) for app, value in part], current)
        self.prefetch(unread)

    def _remember(self, row: SpRow) -> SpRow:
        """The row as memory has it (newer than the table's), remembered if it was not."""
        key = (row.app, row.sp_id)
        current = self._rows.get(key)
        if current is None:
            current = self._rows[key] = row
        return current

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
        if dumped is None:
            dumped = dump_representation(rep)
        if previous is not None and previous.representation is not None:
            if ts < previous.last_seen:
                return previous  # an older representation arriving late teaches nothing new
            if dumped == previous.representation and not created:
                self._touch(previous, ts)  # an import or a GET seeing it unchanged
                return previous
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
            "representation": dumped,
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
        if active is False and previous.active is not False:
            values["disabled_at"] = ts
        if created and previous.created_at is None:
            values["created_at"] = ts
        if ts < previous.first_seen:  # known first from a later IdP record naming its id
            values["first_seen"] = ts
        if previous.deleted_at is not None and previous.deleted_at < ts:
            values["deleted_at"] = None  # seen again after a DELETE: it still exists
        self.update(app, sp_id, last_seen=ts, **values)
        return previous

    def insert(self, row: SpRow) -> None:
        """A resource not stored yet."""
        key = (row.app, row.sp_id)
        self._rows[key] = row
        self._held.inserted(key)
        self._index.moved(None, row)
        if row.representation is not None:
            self._bodies[row.app] = True

    def _touch(self, row: SpRow, ts: float) -> None:
        """Seen again unchanged: only `last_seen` moves (imports and polling GETs see the
        same resources over and over)."""
        key = (row.app, row.sp_id)
        self._rows[key] = row._replace(last_seen=ts)
        self._held.updated(key, LAST_SEEN)

    def flush(self) -> None:
        """Write the rows held back (before the commit)."""
        self._held.write()

    def update(self, app: str, sp_id: str, **values: Any) -> None:
        """Change a stored resource (none stored: nothing to change)."""
        key = (app, sp_id)
        cached = self._rows[key] if key in self._rows else self.get(app, sp_id)
        if cached is None:
            return
        row = self._rows[key] = cached._replace(**values)
        self._held.updated(key, values)
        self._index.moved(cached, row)
        if values.get("representation") is not None:
            self._bodies[app] = True

    def _current_row(self, key: tuple[str, str]) -> SpRow:
        row = self._rows[key]
        assert row is not None  # held rows are remembered until written
        return row

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
        return self.match(app, (user_key, email_key, external_id, idp_user_id))

    def match(self, app: str, keys: Keys) -> list[SpRow]:
        """`matching` with the keys as one tuple (user, email, externalId, IdP id)."""
        ids = self._index.answer(app, keys)
        if ids is not None:
            return self._users(app, ids)
        found = self.db.rows(match_stmt(keys, 1), **match_params(keys, (app,)))
        return self._current(app, found, keys)

    def matching_in(self, apps: Sequence[str], keys: Keys) -> dict[str, list[SpRow]]:
        """`matching` for several apps, the apps whose keys are not indexed in one statement
        (`MAX_APPS` at a time)."""
        answers: dict[str, list[SpRow]] = {}
        asked = []
        for app in apps:
            ids = self._index.answer(app, keys)
            if ids is not None:
                answers[app] = self._users(app, ids)
            elif app not in answers:
                answers[app] = []
                asked.append(app)
        for start in range(0, len(asked), MAX_APPS):
            part = asked[start : start + MAX_APPS]
            found = self.db.rows(match_stmt(keys, len(part)), **match_params(keys, part))
            for app in part:
                answers[app] = self._current(app, [r for r in found if r.app == app], keys)
        return answers

    def _users(self, app: str, ids: Iterable[str]) -> list[SpRow]:
        """The users among these ids, by `sp_id` (a stable order for ties)."""
        memory = self._rows
        found = [memory.get((app, sp_id)) for sp_id in sorted(ids)]
        return [row for row in found if row is not None and row.resource_type == "User"]

    def _current(self, app: str, found: list[SpRow], keys: Keys) -> list[SpRow]:
        """The table's answer for `keys` in `app`: remembered (rows in memory are as current
        as the table's, or newer: `last_seen` kept back) and indexed (none found is an answer
        too: most apps an IdP removal asks have no account)."""
        rows = [self._remember(row) for row in found]
        self._index.cover(entries(app, keys), rows)
        return self._users(app, (row.sp_id for row in rows))

    def has_bodies(self, app: str) -> bool:
        """Whether any resource of the app was stored with a representation."""
        found = self._bodies.get(app)
        if found is None:
            found = self._bodies[app] = bool(self.db.scalar(HAS_BODIES, app=app))
        return found


def _account(row: SpRow) -> tuple[str, str]:
    return row.app, row.sp_id
