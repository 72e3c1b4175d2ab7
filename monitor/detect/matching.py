"""Identity matches: the users of one or more apps that share a key with a person.

An IdP removal asks every app the IdP provisions whether the person has an account there
(an Okta tenant with 20 apps asked 20 times, once per app, which made removals the costliest
IdP records as tenants grew); one statement asks all of them. Most questions, though, are
answered from memory: a batch's key values (names, externalIds, IdP ids of the accounts its
records name) are read up front, `IN_SIZE` values per statement (`by_keys`), and `KeyIndex`
keeps which ids hold each value read as the batch writes. A value no one read goes to the
table once, and is then indexed too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select, union_all

from monitor.detect.prefetch import pairs_cte
from monitor.detect.sp_row import SpRow
from monitor.store.prepared import Prepared
from monitor.store.tables import sp_resources

__all__ = [
    "EXTERNAL",
    "IDP_ID",
    "MAX_APPS",
    "NAME",
    "Entry",
    "KeyIndex",
    "KeyRow",
    "Keys",
    "by_keys",
    "match_params",
    "match_stmt",
]

Keys = tuple[str | None, str | None, str | None, str | None]  # user, email, externalId, IdP id
# What a key value is matched against: a name (userName or primary email, either column), an
# externalId, or the IdP's id for the person.
NAME, EXTERNAL, IDP_ID = 0, 1, 2
Entry = tuple[str, int, str]  # (app, kind, value)
MAX_APPS = 32  # apps per statement: each OR term seeks its index once per app
_NAMES = ("user_key", "email_key", "external_id", "idp_user_id")
_c = sp_resources.c
_statements: dict[tuple[tuple[bool, ...], int], Prepared[SpRow]] = {}


def match_stmt(keys: Keys, apps: int) -> Prepared[SpRow]:
    """Resources of `apps` apps (`a0`...) sharing any of the keys given, built once per shape.

    Each OR term is `app IN (...) AND key = ?`, which an (app, key) index answers on its own,
    so the database unions index lookups. The app goes in every term, not once around the OR:
    SQLite has no statistics to prefer the key indexes and would walk all of the app's
    resources by primary key instead."""
    present = (bool(keys[0]), bool(keys[1]), bool(keys[2]), bool(keys[3]))
    found = _statements.get((present, apps))
    if found is None:
        found = _statements[(present, apps)] = _build(present, apps)
    return found


def _build(present: tuple[bool, ...], apps: int) -> Prepared[SpRow]:
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
    names: list[Any] = [bindparam(f"a{i}") for i in range(apps)]
    app: Any = _c.app == names[0] if apps == 1 else _c.app.in_(names)
    terms = [app & (column == bindparam(name)) for column, name in same]
    return Prepared(select(sp_resources).where(or_(*terms)), SpRow)


class KeyRow(NamedTuple):
    """The keys of one resource: what the index needs, without the representation."""

    app: str
    sp_id: str
    user_key: str | None
    email_key: str | None
    external_id: str | None
    idp_user_id: str | None


def by_keys(kind: int) -> Prepared[KeyRow]:
    """The keys of every resource holding one of `IN_SIZE` (app, value) pairs of one kind
    (`pair_parts`): apps mixed freely, since an IdP removal asks the same values of every
    app the IdP provisions, and a statement per app made a tenant's statements grow with
    its apps."""
    return _BY_KEYS[kind]


def _by_keys(*columns: Any) -> Prepared[KeyRow]:
    asked = pairs_cte()
    keys = [getattr(_c, name) for name in KeyRow._fields]
    joins = [
        select(*keys).join_from(asked, sp_resources, (_c.app == asked.c.app) & (key == asked.c.v))
        for key in columns
    ]
    return Prepared(union_all(*joins) if len(joins) > 1 else joins[0], KeyRow)


_BY_KEYS = {
    NAME: _by_keys(_c.user_key, _c.email_key),
    EXTERNAL: _by_keys(_c.external_id),
    IDP_ID: _by_keys(_c.idp_user_id),
}


def match_params(keys: Keys, apps: Sequence[str]) -> dict[str, str]:
    params = {f"a{i}": app for i, app in enumerate(apps)}
    for name, key in zip(_NAMES, keys, strict=True):
        if key:
            params[name] = key
    return params


def entries(app: str, keys: Keys) -> list[Entry]:
    """The index entries a question with `keys` needs."""
    user_key, email_key, external_id, idp_user_id = keys
    found = [(app, NAME, k) for k in (user_key, email_key) if k]
    if external_id:
        found.append((app, EXTERNAL, external_id))
    if idp_user_id:
        found.append((app, IDP_ID, idp_user_id))
    return found


def row_entries(row: SpRow | KeyRow) -> set[Entry]:
    """The entries under which a row is found."""
    found = {(row.app, NAME, k) for k in (row.user_key, row.email_key) if k}
    if row.external_id:
        found.add((row.app, EXTERNAL, row.external_id))
    if row.idp_user_id:
        found.add((row.app, IDP_ID, row.idp_user_id))
    return found


class KeyIndex:
    """For the key values of an app that were read (up front or by an earlier question), the
    ids of every resource holding them, kept current by every write in the transaction.

    A value is in the index only once the table was asked for all of its rows; from then on
    every insert and update moves the ids between values, so a question naming only indexed
    values is answered without a statement, and the answer equals the table's. Most values
    read are held by no account (an IdP removal asks every app of the IdP): those cost one
    slot in their (app, kind) mapping, not a set each."""

    def __init__(self) -> None:
        # (app, kind) -> value -> ids holding it (None: none)
        self._by: dict[tuple[str, int], dict[str, set[str] | None]] = {}

    def answer(self, app: str, keys: Keys) -> set[str] | None:
        """The ids holding any of `keys`, or None when a value was never read."""
        user_key, email_key, external_id, idp_user_id = keys
        by, found = self._by, set[str]()
        for kind, value in (
            (NAME, user_key),
            (NAME, email_key),
            (EXTERNAL, external_id),
            (IDP_ID, idp_user_id),
        ):
            if value:
                values = by.get((app, kind))
                if values is None or value not in values:
                    return None
                ids = values[value]
                if ids:
                    found |= ids
        return found

    def known(self, entry: Entry) -> bool:
        values = self._by.get((entry[0], entry[1]))
        return values is not None and entry[2] in values

    def cover(self, asked: Iterable[Entry], rows: Iterable[SpRow | KeyRow]) -> None:
        """Index `asked`, given every row the table holds for any of them (as memory has
        them). A value indexed before already holds every such row's id: adding it again
        changes nothing."""
        by = self._by
        for app, kind, value in asked:
            by.setdefault((app, kind), {}).setdefault(value, None)
        for row in rows:
            for entry in row_entries(row):
                self._add(entry, row.sp_id)

    def moved(self, before: SpRow | None, after: SpRow) -> None:
        """A row written: its id leaves the values it no longer holds and joins the new ones."""
        if not self._by or (before is not None and before[4:8] == after[4:8]):
            return  # nothing indexed, or the same keys (user, email, externalId, IdP id)
        new = row_entries(after)
        if before is not None:
            old = row_entries(before)
            for app, kind, value in old - new:
                values = self._by.get((app, kind))
                ids = values.get(value) if values is not None else None
                if ids:
                    ids.discard(after.sp_id)
            new -= old
        for entry in new:
            self._add(entry, after.sp_id)

    def _add(self, entry: Entry, sp_id: str) -> None:
        """`sp_id` holds the entry's value: recorded if the value is indexed."""
        app, kind, value = entry
        values = self._by.get((app, kind))
        if values is None or value not in values:
            return
        ids = values[value]
        if ids is None:
            values[value] = {sp_id}
        else:
            ids.add(sp_id)
