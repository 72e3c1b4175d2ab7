"""Rows a batch will ask for, read up front with a few set queries instead of one per record.

Most records of a batch each look up their resource, their person, or their IdP dedupe key
once, and most of those lookups find nothing (a new account, a new record): one statement per
record was about a third of a replay. A batch's keys are known before its records are handled,
so each table is asked once per `IN_SIZE` keys, and the answers (rows found, and None for keys
not there) go into the same per-transaction memory the detectors already keep.

On SQLite every statement has exactly `IN_SIZE` parameters (a short last part repeats its last
key), so it is prepared once, like the per-record statements. On PostgreSQL the keys travel
as arrays (`= ANY(...)`, `unnest(...)`), `ARRAY_SIZE` per statement.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    Table,
    any_,
    bindparam,
    column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Values
from sqlalchemy.sql.sqltypes import NullType

from monitor.store.prepared import Db, Prepared

__all__ = [
    "ARRAY_SIZE",
    "IN_SIZE",
    "by_pairs",
    "by_scope",
    "in_parts",
    "one_of_params",
    "pair_parts",
    "pairs_cte",
    "read_pairs",
    "read_rows",
    "slices",
]

IN_SIZE = 200
# PostgreSQL takes a part's values as arrays, up to this many a statement: 200 a statement
# had each cost a round trip and a plan of 200 or 400 parameters, about 1 ms before any row.
ARRAY_SIZE = 5000
T = TypeVar("T")
R = TypeVar("R", bound=tuple[Any, ...])


class _OneOf(ColumnElement[Any]):
    """`column IN (:v0, ..., :v199)`, or `column = ANY(:one_of)` on PostgreSQL (`in_parts`).
    Untyped: a Boolean element made SQLite's WHERE `... = 1`, which no index answers."""

    inherit_cache = True
    type = NullType()

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column


@compiles(_OneOf)
def _one_of_listed(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    listed = element.column.in_([bindparam(f"v{i}") for i in range(IN_SIZE)])
    return compiler.process(listed, **kw)


@compiles(_OneOf, "postgresql")
def _one_of_array(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(bindparam("one_of", type_=ARRAY(String))), **kw)


def one_of_params(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """`column` is one of a part's values (`in_parts` gives each part's parameters)."""
    return _OneOf(column)


class _Pairs(Values):
    """`pairs(app, v)`: `IN_SIZE` (app, value) rows, or two unnested arrays on PostgreSQL."""

    inherit_cache = True


@compiles(_Pairs, "postgresql")
def _pairs_unnested(element: _Pairs, compiler: SQLCompiler, **kw: Any) -> str:
    apps = compiler.process(bindparam("pair_apps", type_=ARRAY(String)), **kw)
    values = compiler.process(bindparam("pair_values", type_=ARRAY(String)), **kw)
    return f"SELECT unnest({apps}) AS app, unnest({values}) AS v"


@compiles(_Pairs)
def _pairs_listed(element: _Pairs, compiler: SQLCompiler, **kw: Any) -> str:
    listed: str = compiler.visit_values(element, **kw)  # type: ignore[no-untyped-call]
    return listed


def slices(values: Iterable[T], size: int = IN_SIZE) -> Iterator[Sequence[T]]:
    """Distinct values, in first-seen order, `size` at a time."""
    distinct = list(dict.fromkeys(values))
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]


def in_parts(db: Db, values: Iterable[str]) -> Iterator[tuple[Sequence[str], dict[str, Any]]]:
    """Distinct values in parts, each with the parameters of `one_of_params`: `IN_SIZE`
    values `v0`..`v199` (the last repeated to fill them), or one array on PostgreSQL."""
    if db.dialect.name == "postgresql":
        for part in slices(values, ARRAY_SIZE):
            yield part, {"one_of": list(part)}
        return
    for part in slices(values):
        padded = [*part, *[part[-1]] * (IN_SIZE - len(part))]
        yield part, {f"v{i}": value for i, value in enumerate(padded)}


def pair_parts(
    db: Db, pairs: Iterable[tuple[str, str]]
) -> Iterator[tuple[Sequence[tuple[str, str]], dict[str, Any]]]:
    """Distinct (app, value) pairs in parts, each with the parameters of `pairs_cte`."""
    if db.dialect.name == "postgresql":
        for part in slices(pairs, ARRAY_SIZE):
            yield (
                part,
                {
                    "pair_apps": [app for app, _ in part],
                    "pair_values": [value for _, value in part],
                },
            )
        return
    for part in slices(pairs):
        padded = [*part, *[part[-1]] * (IN_SIZE - len(part))]
        params: dict[str, Any] = {}
        for i, (app, value) in enumerate(padded):
            params[f"a{i}"], params[f"v{i}"] = app, value
        yield part, params


def pairs_cte() -> CTE:
    """`pairs(app, v)`: a table of (app, value) pairs (`pair_parts`) to join to an (app, key)
    index, one lookup per pair and any mix of apps in one statement. A statement per app made
    a batch's reads grow with its apps; a row-value `IN` list made SQLite scan the table."""
    rows: list[tuple[Any, Any]] = [(bindparam(f"a{i}"), bindparam(f"v{i}")) for i in range(IN_SIZE)]
    pairs = _Pairs(column("app", String), column("v", String), name="pairs").data(rows)
    return pairs.cte("pairs")


def by_pairs(table: Table, app: Any, key: Any, *columns: Any) -> Select[Any]:
    """`columns` (default: every column) of the rows whose (`app`, `key`) is one of the pairs."""
    asked = pairs_cte()
    found = select(*columns) if columns else select(table)
    return found.join_from(asked, table, (app == asked.c.app) & (key == asked.c.v))


def read_pairs(
    db: Db, stmt: Prepared[R], pairs: Iterable[tuple[str, str]], pair_of: Callable[[R], Any]
) -> Iterator[tuple[tuple[str, str], list[R]]]:
    """Each distinct pair with the rows `stmt` (`by_pairs`) finds for it, none included."""
    for part, params in pair_parts(db, pairs):
        found: dict[tuple[str, str], list[R]] = {}
        for row in db.rows(stmt, **params):
            found.setdefault(pair_of(row), []).append(row)
        for pair in part:
            yield pair, found.get(pair, [])


def read_rows(
    db: Db, stmt: Prepared[R], ids: Iterable[str], id_of: Callable[[R], str], **scope: object
) -> Iterator[tuple[str, R | None]]:
    """Each distinct id with its row, or None when `stmt` (`one_of_params` plus `scope`) finds
    none: a key that is absent is an answer too, so it is not asked again."""
    for part, params in in_parts(db, ids):
        found = {id_of(row): row for row in db.rows(stmt, **scope, **params)}
        for one in part:
            yield one, found.get(one)


def by_scope(
    keys: Iterable[tuple[str, str]], known: Container[tuple[str, str]]
) -> dict[str, list[str]]:
    """(scope, id) keys not `known` yet, their ids grouped by scope (an app, an IdP)."""
    grouped: dict[str, list[str]] = {}
    for key in keys:
        if key not in known:
            grouped.setdefault(key[0], []).append(key[1])
    return grouped
