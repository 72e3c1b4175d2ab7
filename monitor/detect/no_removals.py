"""Which user ids and keys no IdP removal names, read up front for a batch.

An account seen for the first time asks whether its person was removed already (the removal
then applies to it too, `Deprovisions.identity_appeared`): one statement per new account, and
almost every answer is "no". The ids and keys a batch's new accounts carry are known before
its records are handled, so the removals naming any of them are read first, `IN_SIZE` values
per statement, and a value no removal names is remembered as clear. Every write that can make
a value name a removal (a person written in a removed state, a removal a (re)activation ended)
takes its id and key out of the clear set, so a clear answer is the table's answer. A person
written as active names no removal by that row, so most of a batch's IdP writes (people
created and activated) leave the clear set as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from monitor.detect._deprovision_sql import REMOVED_STATES
from monitor.detect.prefetch import in_parts, one_of_params
from monitor.store.prepared import Db, Prepared, one_of
from monitor.store.tables import idp_people, idp_removals

__all__ = ["NoRemovals"]

ID, KEY = True, False  # what a value is matched against: a user id, or a user key


class NoRemovals:
    """User ids and keys known to name no removal, in force or ended, in this transaction."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._clear: set[tuple[bool, str]] = set()
        self._asked: set[tuple[bool, str]] = set()

    def prefetch(self, values: Iterable[tuple[bool, str]]) -> None:
        """Read which of these (ID or KEY, value) name a removal; remember the rest as clear."""
        grouped: dict[bool, list[str]] = {ID: [], KEY: []}
        for value in values:
            if value not in self._asked:
                self._asked.add(value)
                grouped[value[0]].append(value[1])
        for kind, stmt in ((ID, _BY_ID), (KEY, _BY_KEY)):
            for part, params in in_parts(self.db, grouped[kind]):
                named = set(self.db.scalars(stmt, **params))
                self._clear.update((kind, v) for v in part if v not in named)

    def none_for(self, user_ids: Iterable[str], keys: Iterable[str]) -> bool:
        """Whether no removal names any of these ids or keys, as far as was read."""
        clear = self._clear
        return all((ID, u) in clear for u in user_ids) and all((KEY, k) in clear for k in keys)

    def written(self, user_id: str, *keys: str | None) -> None:
        """A person's row or ended removal was written: its id and keys may name one now."""
        self._clear.discard((ID, user_id))
        for key in keys:
            if key:
                self._clear.discard((KEY, key))


def _named(person: Any, ended: Any) -> Prepared[Any]:
    """The values among `IN_SIZE` that a removal in force or an ended one names."""
    now = select(person).where(one_of_params(person) & one_of(idp_people.c.state, REMOVED_STATES))
    return Prepared(now.union_all(select(ended).where(one_of_params(ended))))


_BY_ID = _named(idp_people.c.user_id, idp_removals.c.user_id)
_BY_KEY = _named(idp_people.c.user_key, idp_removals.c.user_key)
