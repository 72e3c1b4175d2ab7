"""The statements and rows of deprovision tracking (`monitor.detect.deprovision`)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, bindparam, func, or_, select

from monitor.detect.prefetch import one_of_params
from monitor.events import Idp
from monitor.store.prepared import Prepared, one_of
from monitor.store.tables import deprovisions, idp_links, idp_people, scim_removals

__all__ = ["REMOVED_STATES", "DeprovisionRow", "PersonRow", "removed_people"]

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


_d, _r = deprovisions.c, scim_removals.c
KEY = (_d.app == bindparam("k_app")) & (_d.person == bindparam("k_person"))
GET = Prepared(select(deprovisions).where(KEY), DeprovisionRow)
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
CONFIRMED: Prepared[Any] = Prepared(select(_d.confirmed_at, _d.user_key).where(KEY))
SET_CONFIRMED: Prepared[Any] = Prepared(
    deprovisions.update().where(KEY).values(confirmed_at=bindparam("confirmed_at"))
)
PEOPLE_WITH_ROWS: Prepared[Any] = Prepared(
    select(_d.person).distinct().where(one_of_params(_d.person))
)
RESET: Prepared[Any] = Prepared(
    deprovisions.delete().where(
        (_d.person == bindparam("person")) & (_d.requested_at < bindparam("ts"))
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
OPEN_OF_PERSON = Prepared(
    select(deprovisions).where(
        (_d.app == bindparam("app"))
        & (_d.sp_id.is_(None) & (_d.person == bindparam("person")))
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
RKEY = (
    (_r.app == bindparam("k_app"))
    & (_r.sp_id == bindparam("k_sp_id"))
    & (_r.ts == bindparam("k_ts"))
    & (_r.source == bindparam("k_source"))
)
REMOVAL: Prepared[Any] = Prepared(select(_r.ts).where(RKEY))
ADD_REMOVAL: Prepared[Any] = Prepared(
    scim_removals.insert().values(
        app=bindparam("k_app"),
        sp_id=bindparam("k_sp_id"),
        ts=bindparam("k_ts"),
        source=bindparam("k_source"),
        applied=bindparam("applied"),
    )
)
SET_APPLIED: Prepared[Any] = Prepared(
    scim_removals.update().where(RKEY).values(applied=bindparam("applied"))
)


def first_removal(sources: tuple[str, ...]) -> Prepared[Any]:
    return Prepared(
        select(func.min(_r.ts)).where(
            (_r.app == bindparam("app"))
            & (_r.sp_id == bindparam("sp_id"))
            & (_r.ts >= bindparam("since"))
            & _r.applied.is_(True)
            & one_of(_r.source, sources)
        )
    )


FIRST_SCIM = first_removal(("scim",))
FIRST_ANY = first_removal(("scim", "idp"))
people: dict[tuple[int, int], Prepared[PersonRow]] = {}


def removed_people(user_ids: int, keys: int) -> Prepared[PersonRow]:
    """Removed people with any of `user_ids` ids or `keys` keys, built once per shape."""
    found = people.get((user_ids, keys))
    if found is None:
        # By (idp, user_id), the primary key: `user_id` alone has no index of its own.
        clauses: list[ColumnElement[bool]] = [
            (idp_people.c.idp == str(idp)) & (idp_people.c.user_id == bindparam(f"u{i}"))
            for i in range(user_ids)
            for idp in Idp
        ]
        clauses += [idp_people.c.user_key == bindparam(f"k{i}") for i in range(keys)]
        where = or_(*clauses) & one_of(idp_people.c.state, REMOVED_STATES)
        found = people[(user_ids, keys)] = Prepared(select(idp_people).where(where), PersonRow)
    return found
