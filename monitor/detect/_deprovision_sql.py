"""The statements and rows of deprovision tracking (`monitor.detect.deprovision`)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, bindparam, null, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from monitor.store.prepared import Prepared, one_of
from monitor.store.tables import (
    deprovision_cycles,
    deprovisions,
    idp_links,
    idp_people,
    idp_removals,
    scim_removals,
)

__all__ = [
    "REMOVED_STATES",
    "DeprovisionRow",
    "PersonRow",
    "Removal",
    "removals_of",
]

REMOVED_STATES = ("deactivate", "suspend", "delete")


class DeprovisionRow(NamedTuple):
    """One `deprovisions` row, in column order."""

    app: str
    person: str
    sp_id: str | None
    user_name: str | None
    user_key: str | None
    requested_at: float | None
    confirmed_at: float | None


class PersonRow(NamedTuple):
    """One `idp_people` row, in column order."""

    idp: str
    user_id: str
    user_key: str | None
    state: str
    state_at: float
    activated_at: float | None


class Removal(NamedTuple):
    """A person's removal: in force now (`ended_at` None; `activated_at` the person's last
    (re)activation), or ended by a (re)activation (`idp_removals`)."""

    idp: str
    user_id: str
    user_key: str | None
    removed_at: float
    activated_at: float | None
    ended_at: float | None


_d, _r = deprovisions.c, scim_removals.c
KEY = (_d.app == bindparam("k_app")) & (_d.person == bindparam("k_person"))
GET = Prepared(select(deprovisions).where(KEY), DeprovisionRow, by_key=True)  # not held
TARGET: dict[str, Any] = {name: bindparam(name) for name in ("sp_id", "user_name", "user_key")}
INSERT: Prepared[Any] = Prepared(
    deprovisions.insert().values(
        app=bindparam("k_app"),
        person=bindparam("k_person"),
        confirmed_at=None,
        requested_at=bindparam("requested_at"),
        **TARGET,
    )
)
SET_TARGET: Prepared[Any] = Prepared(deprovisions.update().where(KEY).values(**TARGET))
SET_REQUEST: Prepared[Any] = Prepared(
    deprovisions.update().where(KEY).values(requested_at=bindparam("requested_at"), **TARGET)
)
SET_CONFIRMED: Prepared[Any] = Prepared(
    deprovisions.update().where(KEY).values(confirmed_at=bindparam("confirmed_at"))
)
_ENDED = (_d.person == bindparam("person")) & (_d.requested_at < bindparam("ts"))
RESET: Prepared[Any] = Prepared(deprovisions.delete().where(_ENDED))
ENDING = Prepared(select(deprovisions).where(_ENDED), DeprovisionRow)
_y = deprovision_cycles.c
CYCLE_COLUMNS = ("app", "person", "sp_id", "user_key", "requested_at", "confirmed_at", "ended_at")
ADD_CYCLE: Prepared[Any] = Prepared(
    deprovision_cycles.insert().values(**{name: bindparam(name) for name in CYCLE_COLUMNS})
)
CYCLE_APPS: Prepared[Any] = Prepared(select(_y.app).distinct())
# A removal inside an ended cycle, earlier than what confirmed it so far (if anything).
_IN_CYCLE = (
    (_y.app == bindparam("app"))
    & (_y.sp_id == bindparam("sp_id"))
    & (_y.requested_at <= bindparam("ts"))
    & (_y.ended_at > bindparam("ts"))
)
CONFIRM_CYCLES: Prepared[Any] = Prepared(
    deprovision_cycles.update()
    .where(_IN_CYCLE & (_y.confirmed_at.is_(None) | (_y.confirmed_at > bindparam("ts"))))
    .values(confirmed_at=bindparam("ts"))
)
CYCLE_KEYS: Prepared[Any] = Prepared(
    select(_y.user_key).distinct().where(_IN_CYCLE & _y.user_key.is_not(None))
)
_CYCLE_KEY = (
    (_y.app == bindparam("app"))
    & (_y.person == bindparam("person"))
    & (_y.requested_at == bindparam("requested_at"))
)
CYCLE_TARGET: Prepared[Any] = Prepared(select(_y.sp_id).where(_CYCLE_KEY))
SET_CYCLE_TARGET: Prepared[Any] = Prepared(
    deprovision_cycles.update()
    .where(_CYCLE_KEY & _y.sp_id.is_(None))
    .values(sp_id=bindparam("sp_id"))
)
ADD_IDP_REMOVAL: Prepared[Any] = Prepared(
    idp_removals.insert().values(
        **{name: bindparam(name) for name in ("idp", "user_id", "user_key", "removed_at")},
        ended_at=bindparam("ended_at"),
    )
)
OPEN_OF_SP = Prepared(
    select(deprovisions).where(
        (_d.app == bindparam("app"))
        & (_d.sp_id == bindparam("sp_id"))
        & (_d.requested_at <= bindparam("ts"))
    ),
    DeprovisionRow,
)
LINKED: Prepared[Any] = Prepared(
    select(idp_links.c.app).where(
        (idp_links.c.idp == bindparam("idp"))
        & (idp_links.c.user_id == bindparam("user_id"))
        & (idp_links.c.app == bindparam("app"))
    )
)


def _record_removal(insert: Any) -> Prepared[Any]:
    """Removal evidence, its `applied` flag replaced when the same evidence is read again."""
    names = {"app": "k_app", "sp_id": "k_sp_id", "ts": "k_ts", "source": "k_source"}
    stmt = insert(scim_removals).values(
        **{column: bindparam(name) for column, name in names.items()},
        applied=bindparam("applied"),
    )
    return Prepared(
        stmt.on_conflict_do_update(
            index_elements=list(scim_removals.primary_key.columns),
            set_={"applied": stmt.excluded.applied},
        )
    )


RECORD_REMOVAL = {  # by dialect name: one statement where a read and a write were
    "sqlite": _record_removal(sqlite.insert),
    "postgresql": _record_removal(postgresql.insert),
}


people: dict[tuple[int, int], Prepared[Removal]] = {}


def removals_of(user_ids: int, keys: int) -> Prepared[Removal]:
    """The removals of people with any of `user_ids` ids or `keys` keys, in one statement: the
    one in force now (`ended_at` None) and those a (re)activation ended. Built once per shape."""
    found = people.get((user_ids, keys))
    if found is None:
        _p, _e = idp_people.c, idp_removals.c
        now = select(_p.idp, _p.user_id, _p.user_key, _p.state_at, _p.activated_at, null())
        ended = select(_e.idp, _e.user_id, _e.user_key, _e.removed_at, null(), _e.ended_at)
        found = people[(user_ids, keys)] = Prepared(
            now.where(_of(_p, user_ids, keys) & one_of(_p.state, REMOVED_STATES)).union_all(
                ended.where(_of(_e, user_ids, keys))
            ),
            Removal,
        )
    return found


def _of(columns: Any, user_ids: int, keys: int) -> ColumnElement[bool]:
    """By user id whichever IdP issued it (an account's externalId and IdP id do not say;
    the column holds only IdP names), or by user key: one index probe per value."""
    clauses: list[ColumnElement[bool]] = [
        columns.user_id == bindparam(f"u{i}") for i in range(user_ids)
    ]
    clauses += [columns.user_key == bindparam(f"k{i}") for i in range(keys)]
    return or_(*clauses)
