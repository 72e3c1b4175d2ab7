"""Upserts built once per dialect: a source's progress and the counter tables.

Building `INSERT ... ON CONFLICT DO UPDATE` per call is costly in SQLAlchemy: `stmt.excluded`
copies every column of the table, and the new statement has to be looked up in the compiled
cache again. Sources are written once per batch and per replay source, so the statements are
written once here with bound parameters and reused (SQLAlchemy caches their compiled form).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite

from monitor.store.tables import sources

__all__ = ["count_upsert", "insert_for", "source_upsert"]


def insert_for(dialect: str) -> Any:
    """The INSERT construct with ON CONFLICT support for a dialect name."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@cache
def source_upsert(dialect: str) -> Any:
    """A source's checkpoint, units added to its total, and the newest event time kept;
    parameters `name`, `checkpoint`, `units_total`, `newest_ts`, `updated_at`."""
    columns = ("name", "checkpoint", "units_total", "newest_ts", "updated_at")
    stmt = insert_for(dialect)(sources).values({name: bindparam(name) for name in columns})
    old_ts = func.coalesce(sources.c.newest_ts, stmt.excluded.newest_ts)
    new_ts = func.coalesce(stmt.excluded.newest_ts, sources.c.newest_ts)
    pick = func.max if dialect == "sqlite" else func.greatest
    return stmt.on_conflict_do_update(
        index_elements=[sources.c.name],
        set_={
            "checkpoint": stmt.excluded.checkpoint,
            "units_total": sources.c.units_total + stmt.excluded.units_total,
            "newest_ts": pick(old_ts, new_ts),
            "updated_at": stmt.excluded.updated_at,
        },
    )


@cache
def count_upsert(table: Table, dialect: str) -> Any:
    """Add `count` to the row of the table's primary key (created at `count` when new);
    run with one parameter set per row."""
    stmt = insert_for(dialect)(table)
    return stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"count": table.c.count + stmt.excluded.count},
    )
