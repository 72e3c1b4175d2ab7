"""Identity matches: the users of one or more apps that share a key with a person.

An IdP removal asks every app the IdP provisions whether the person has an account there
(an Okta tenant with 20 apps asked 20 times, once per app, which made removals the costliest
IdP records as tenants grew); one statement now asks all of them. A create asks for twins
(every key) and then for churn (its externalId): the second answer is part of the first.
So answers are remembered per app until the next write to the resources, and a question
whose keys are among a remembered question's keys is answered from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select

from monitor.detect.sp_row import SpRow
from monitor.store.prepared import Prepared
from monitor.store.tables import sp_resources

__all__ = ["MAX_APPS", "Keys", "Remembered", "match_params", "match_stmt", "shares"]

Keys = tuple[str | None, str | None, str | None, str | None]  # user, email, externalId, IdP id
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


def match_params(keys: Keys, apps: Sequence[str]) -> dict[str, str]:
    params = {f"a{i}": app for i, app in enumerate(apps)}
    for name, key in zip(_NAMES, keys, strict=True):
        if key:
            params[name] = key
    return params


def shares(row: SpRow, keys: Keys) -> bool:
    """The match statement's condition, for a row already read (names match either key)."""
    user_key, email_key, external_id, idp_user_id = keys
    names = (row.user_key, row.email_key)
    return bool(
        (user_key and user_key in names)
        or (email_key and email_key in names)
        or (external_id and row.external_id == external_id)
        or (idp_user_id and row.idp_user_id == idp_user_id)
    )


class _Answer(NamedTuple):
    keys: Keys
    rows: list[SpRow]


class Remembered:
    """Answers per app, valid while the resources' write count stays where it was."""

    def __init__(self) -> None:
        self._writes = -1
        self._answers: dict[str, _Answer] = {}

    def get(self, app: str, keys: Keys, writes: int) -> list[SpRow] | None:
        """The rows of `app` sharing `keys`, when a remembered question covered them."""
        if writes != self._writes:
            return None  # written since: every remembered answer may be out of date
        answer = self._answers.get(app)
        if answer is None or not _narrower(keys, answer.keys):
            return None
        return [row for row in answer.rows if shares(row, keys)]

    def put(self, app: str, keys: Keys, writes: int, rows: list[SpRow]) -> None:
        if writes != self._writes:
            self._answers.clear()
            self._writes = writes
        self._answers[app] = _Answer(keys, rows)


def _narrower(keys: Keys, wider: Keys) -> bool:
    """Whether every key asked for now was asked for, with the same value, by `wider`: then
    every row sharing one of `keys` was in the wider answer."""
    user_key, email_key, external_id, idp_user_id = keys
    return (
        (not user_key or user_key == wider[0])
        and (not email_key or email_key == wider[1])
        and (not external_id or external_id == wider[2])
        and (not idp_user_id or idp_user_id == wider[3])
    )
