"""The statements of SP resources (`monitor.detect.resources`), written once at import, and
the parameters a held-back row is written with (`monitor.detect.held`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from monitor.detect.held import update_columns
from monitor.detect.prefetch import by_pairs
from monitor.detect.sp_row import SpRow
from monitor.store.prepared import Prepared
from monitor.store.tables import sp_resources

__all__ = ["GET", "GET_MANY", "HAS_BODIES", "INSERT", "LAST_SEEN", "row_params", "update_stmt"]

_c = sp_resources.c
_KEY = (_c.app == bindparam("k_app")) & (_c.sp_id == bindparam("k_sp_id"))
GET = Prepared(select(sp_resources).where(_KEY), SpRow)
INSERT: Prepared[Any] = Prepared(
    sp_resources.insert().values({c: bindparam(c) for c in SpRow._fields})
)


def update_stmt(columns: tuple[str, ...]) -> Prepared[Any]:
    """`UPDATE ... SET <columns>` for one resource."""
    return update_columns(sp_resources, _KEY, columns)


LAST_SEEN = ("last_seen",)


def row_params(row: SpRow, columns: tuple[str, ...] | None) -> dict[str, Any]:
    """A row's parameters for the insert (columns None), or for updating those columns."""
    if columns is None:
        return row._asdict()
    values = {"v_" + name: getattr(row, name) for name in columns}
    return {"k_app": row.app, "k_sp_id": row.sp_id, **values}


GET_MANY = Prepared(by_pairs(sp_resources, _c.app, _c.sp_id), SpRow)  # (app, sp_id) pairs
HAS_BODIES: Prepared[Any] = Prepared(
    select(
        select(_c.sp_id)
        .where((_c.app == bindparam("app")) & _c.representation.is_not(None))
        .exists()
    )
)
