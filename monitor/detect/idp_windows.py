"""When the IdP had a person removed, by user key, answered from memory within a batch.

Sessions and tokens used after the IdP removed a person are counted while a removal was in
force: the one in force now (the latest removed state of any IdP person with the user key)
and each one a (re)activation ended (`idp_removals`). Every IdP removal and every session
asked the store for those windows, and since that statement reads `idp_people`, it also
wrote the people the IdP detector holds back (`monitor.detect.held`) first: two statements
per removal, one row written at a time. The windows of the keys a batch's IdP records carry
are read up front instead (`prefetch`), and every write of a person or of an ended removal
updates them (`person`, `ended`), so a recount reads nothing. A key not read up front is read
when it is first asked, then kept like the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from monitor.detect._deprovision_sql import REMOVED_STATES
from monitor.detect.prefetch import in_parts, one_of_params
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import idp_people, idp_removals

__all__ = ["OPEN_END", "IdpWindows", "Window"]

OPEN_END = 1e300  # a removal still in force: no session time is later
Window = tuple[float, float]  # (removed, ended): sessions strictly between them count
Person = tuple[str, str]  # (idp, user_id)


class IdpWindows:
    """Per user key: each IdP person's state and when it began, and the ended removals."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._people: dict[str, dict[Person, tuple[str, float]]] = {}
        self._ended: dict[str, list[Window]] = {}

    def prefetch(self, user_keys: Iterable[str]) -> None:
        """Read the people and ended removals of the keys not read yet, a part a statement."""
        for part, params in in_parts(self.db, (k for k in user_keys if k not in self._people)):
            for key in part:
                self._people[key], self._ended[key] = {}, []
            for idp, user_id, key, state, state_at in self.db.rows(_PEOPLE, **params):
                self._people[key][(idp, user_id)] = (state, float(state_at))
            for key, removed_at, ended_at in self.db.rows(_ENDED, **params):
                self._ended[key].append((float(removed_at), float(ended_at)))

    def windows(self, user_key: str) -> list[Window]:
        """The removal in force (if any), then the ended ones in time order."""
        if user_key not in self._people:
            self.prefetch((user_key,))
        starts = [at for state, at in self._people[user_key].values() if state in REMOVED_STATES]
        current = [(max(starts), OPEN_END)] if starts else []
        return current + sorted(self._ended[user_key])

    def person(
        self, person: Person, before: str | None, user_key: str | None, state: str, at: float
    ) -> None:
        """A person row was written: it had key `before` and has `user_key`, `state` since `at`."""
        if before is not None and before != user_key and before in self._people:
            self._people[before].pop(person, None)
        if user_key is not None and user_key in self._people:
            self._people[user_key][person] = (state, at)

    def ended(self, user_key: str | None, removed_at: float, ended_at: float) -> None:
        """A (re)activation ended a removal of the person with `user_key`."""
        if user_key is not None and user_key in self._ended:
            self._ended[user_key].append((removed_at, ended_at))


_p, _e = idp_people.c, idp_removals.c
_PEOPLE: Prepared[tuple[str, str, str, str, float]] = Prepared(
    select(_p.idp, _p.user_id, _p.user_key, _p.state, _p.state_at).where(one_of_params(_p.user_key))
)
_ENDED: Prepared[tuple[str, float, float]] = Prepared(
    select(_e.user_key, _e.removed_at, _e.ended_at).where(one_of_params(_e.user_key))
)
