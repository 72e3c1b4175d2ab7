"""The statements and rows of IdP facts (`monitor.detect.idp`): people, links, dedupe keys,
and how held-back writes of people and links are written (`monitor.detect.held`)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from monitor.detect._deprovision_sql import PersonRow
from monitor.detect.held import held_params, update_columns
from monitor.detect.prefetch import one_of_params
from monitor.store.prepared import Prepared
from monitor.store.tables import idp_links, idp_people, idp_seen

__all__ = [
    "ADD_LINK",
    "ADD_PERSON",
    "APPS_OF",
    "LINK",
    "LINKS_MANY",
    "PEOPLE_MANY",
    "PERSON",
    "SEEN_MANY",
    "SEEN_PG",
    "SEEN_SQLITE",
    "SP_ID",
    "LinkRow",
    "link_params",
    "link_update",
    "person_params",
    "person_update",
    "row_user_id",
]


class LinkRow(NamedTuple):
    """One `idp_links` row, in column order."""

    idp: str
    user_id: str
    app: str
    sp_id: str | None
    linked_at: float
    removed_at: float | None


_p, _l = idp_people.c, idp_links.c
_PKEY = (_p.idp == bindparam("k_idp")) & (_p.user_id == bindparam("k_user_id"))
PERSON = Prepared(select(idp_people).where(_PKEY), PersonRow)
PEOPLE_MANY = Prepared(
    select(idp_people).where((_p.idp == bindparam("idp")) & one_of_params(_p.user_id)), PersonRow
)
_STATE: dict[str, Any] = {name: bindparam(name) for name in ("user_key", "state", "state_at")}
ADD_PERSON: Prepared[Any] = Prepared(
    idp_people.insert().values(
        idp=bindparam("k_idp"),
        user_id=bindparam("k_user_id"),
        activated_at=bindparam("activated_at"),
        **_STATE,
    )
)
_LKEY = (
    (_l.idp == bindparam("k_idp"))
    & (_l.user_id == bindparam("k_user_id"))
    & (_l.app == bindparam("k_app"))
)
LINK = Prepared(select(idp_links).where(_LKEY), LinkRow)
ADD_LINK: Prepared[Any] = Prepared(
    idp_links.insert().values(
        idp=bindparam("k_idp"),
        user_id=bindparam("k_user_id"),
        app=bindparam("k_app"),
        sp_id=bindparam("sp_id"),
        linked_at=bindparam("linked_at"),
    )
)
LINKS_MANY = Prepared(
    select(idp_links).where((_l.idp == bindparam("idp")) & one_of_params(_l.user_id)), LinkRow
)
APPS_OF: Prepared[Any] = Prepared(
    select(_l.app).where((_l.idp == bindparam("idp")) & (_l.user_id == bindparam("user_id")))
)


SP_ID = ("sp_id",)


def person_update(columns: tuple[str, ...]) -> Prepared[Any]:
    return update_columns(idp_people, _PKEY, columns)


def link_update(columns: tuple[str, ...]) -> Prepared[Any]:
    return update_columns(idp_links, _LKEY, columns)


def person_params(row: PersonRow | None, columns: tuple[str, ...] | None) -> dict[str, Any]:
    """A held person's parameters: for the insert (columns None) or for an update."""
    assert row is not None  # held rows stay remembered until written
    key = {"k_idp": row.idp, "k_user_id": row.user_id}
    return held_params(key, row, columns, ("user_key", "state", "state_at", "activated_at"))


def link_params(row: LinkRow | None, columns: tuple[str, ...] | None) -> dict[str, Any]:
    """A held link's parameters: for the insert (columns None) or for an update."""
    assert row is not None
    key = {"k_idp": row.idp, "k_user_id": row.user_id, "k_app": row.app}
    return held_params(key, row, columns, ("sp_id", "linked_at"))


def row_user_id(row: PersonRow) -> str:
    return row.user_id


def _seen_stmt(insert: Any) -> Prepared[Any]:
    stmt = insert(idp_seen).values(key=bindparam("key"), ts=bindparam("ts"))
    return Prepared(stmt.on_conflict_do_nothing(index_elements=["key"]))


SEEN_MANY: Prepared[Any] = Prepared(select(idp_seen.c.key).where(one_of_params(idp_seen.c.key)))
SEEN_SQLITE = _seen_stmt(sqlite.insert)
SEEN_PG = _seen_stmt(postgresql.insert)
