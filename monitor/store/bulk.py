"""Bulk writes on PostgreSQL: COPY for plain inserts, bounded pipelines for the rest.

psycopg runs `executemany` as one pipeline: every row's statement is sent before any result is
read. Over TCP (loopback included) a pipeline of a few hundred KiB stalled for about 200 ms,
once in every few batches: the server's receive window fell below a segment and the sender
waited for the TCP persist timer (packet captures show a window of 62 units before each
gap). A batch's held writes (thousands of account representations of 550 bytes) hit that in
most replays; pipelines under 64 KiB never did in the same runs, and neither did COPY.

So, on PostgreSQL, a plain `INSERT ... VALUES` (no ON CONFLICT, no RETURNING, every value a
parameter or a literal) of more than a few rows is written with `COPY ... FROM STDIN`, which
is also 1.5-3 times faster than the pipeline. Every other statement is sent in pipelines of
at most `PIPELINE_BYTES` of parameters. Both run on the transaction's own cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Table
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter

__all__ = ["COPY_MIN_ROWS", "PIPELINE_BYTES", "CopyPlan", "copy_plan", "pipelines"]

PIPELINE_BYTES = 64 * 1024
COPY_MIN_ROWS = 8  # below this a pipeline costs no more than starting a COPY


class CopyPlan(NamedTuple):
    """`COPY <table> (<columns>) FROM STDIN`, and how a row's parameters give its values."""

    sql: str
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]


def copy_plan(stmt: ClauseElement) -> CopyPlan | None:
    """The COPY that writes what `stmt` inserts, or None when it does more than insert."""
    if not _plain_insert(stmt):
        return None
    assert isinstance(stmt, Insert) and isinstance(stmt.table, Table)
    sources = _sources(stmt)
    if sources is None:
        return None
    quote, table = _quote, stmt.table
    name = quote(table.name)
    if table.schema is not None:
        name = f"{quote(table.schema)}.{name}"
    sql = f"COPY {name} ({', '.join(quote(c) for c in sources)}) FROM STDIN"
    return CopyPlan(sql, _values_of(tuple(sources.values())))


Source = tuple[str | None, Any]  # (parameter name, or None for a column default; the default)


def _sources(stmt: Insert) -> dict[str, Source] | None:
    """Each column the insert writes, and where its value comes from: the statement's own
    parameters and literals, then the Python-side defaults an INSERT would fill in."""
    given: Mapping[Any, Any] = stmt._values or {}  # SQLAlchemy's own column -> value map
    sources: dict[str, Source] = {}
    for column, value in given.items():
        if not isinstance(value, BindParameter):
            return None  # a SQL expression: COPY takes values only
        sources[str(getattr(column, "name", column))] = (
            str(value.key),
            None if value.required else value.value,
        )
    for column in stmt.table.columns:
        if column.name in sources or column.default is None:
            continue
        if not getattr(column.default, "is_scalar", False):
            return None  # computed per row by SQLAlchemy
        sources[column.name] = (None, getattr(column.default, "arg", None))
    return sources


def _plain_insert(stmt: ClauseElement) -> bool:
    return (
        isinstance(stmt, Insert)
        and isinstance(stmt.table, Table)
        and stmt.select is None
        and not stmt._multi_values
        and stmt._post_values_clause is None  # ON CONFLICT
        and not stmt._returning
        and bool(stmt._values)
    )


def _values_of(sources: tuple[Source, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    def values(params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            default if name is None else params.get(name, default) for name, default in sources
        )

    return values


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pipelines(rows: Sequence[Any], limit: int = PIPELINE_BYTES) -> Iterator[Sequence[Any]]:
    """`rows` (driver parameters: tuples or mappings) in runs of at most `limit` bytes of
    text, estimated (a non-text value counts 16 bytes); each run holds at least one row."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        size += _size(row)
        if size > limit and i > start:
            yield rows[start:i]
            start, size = i, _size(row)
    if start < len(rows):
        yield rows[start:]


def _size(row: Any) -> int:
    values = row.values() if isinstance(row, Mapping) else row
    return sum(len(v) if isinstance(v, str) else 16 for v in values)
