"""Rows a batch will ask for, read up front with a few set queries instead of one per record.

Most records of a batch each look up their resource, their person, or their IdP dedupe key
once, and most of those lookups find nothing (a new account, a new record): one statement per
record was about a third of a replay. A batch's keys are known before its records are handled,
so each table is asked once per `IN_SIZE` keys, and the answers (rows found, and None for keys
not there) go into the same per-transaction memory the detectors already keep.

Every statement has exactly `IN_SIZE` parameters (a short last slice repeats its last key),
so it is prepared once, like the per-record statements, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import CTE, ColumnElement, Select, String, Table, bindparam, column, select, values

from monitor.store.prepared import Db, Prepared

__all__ = [
    "IN_SIZE",
    "by_pairs",
    "by_scope",
    "in_params",
    "one_of_params",
    "pairs_cte",
    "pairs_params",
    "read_pairs",
    "read_rows",
    "slices",
]

IN_SIZE = 200
T = TypeVar("T")
R = TypeVar("R", bound=tuple[Any, ...])


def one_of_params(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """`column IN (:v0, ..., :v199)`, for `in_params` to fill."""
    return column.in_([bindparam(f"v{i}") for i in range(IN_SIZE)])


def slices(values: Iterable[T]) -> Iterator[Sequence[T]]:
    """Distinct values, in first-seen order, `IN_SIZE` at a time."""
    distinct = list(dict.fromkeys(values))
    for start in range(0, len(distinct), IN_SIZE):
        yield distinct[start : start + IN_SIZE]


def in_params(values: Sequence[object]) -> dict[str, object]:
    """Parameters `v0`..`v199` for one slice, the last value repeated to fill it."""
    assert 0 < len(values) <= IN_SIZE
    padded = [*values, *[values[-1]] * (IN_SIZE - len(values))]
    return {f"v{i}": value for i, value in enumerate(padded)}


def pairs_cte() -> CTE:
    """`pairs(app, v)`: a VALUES table of `IN_SIZE` (app, value) pairs (`pairs_params`) to
    join to an (app, key) index, one lookup per pair and any mix of apps in one statement. A
    statement per app made a batch's reads grow with its apps; a row-value `IN` list made
    SQLite scan the table."""
    rows: list[tuple[Any, Any]] = [(bindparam(f"a{i}"), bindparam(f"v{i}")) for i in range(IN_SIZE)]
    pairs = values(column("app", String), column("v", String), name="pairs").data(rows)
    return pairs.cte("pairs")


def by_pairs(table: Table, app: Any, key: Any, *columns: Any) -> Select[Any]:
    """`columns` (default: every column) of the rows whose (`app`, `key`) is one of the pairs."""
    asked = pairs_cte()
    found = select(*columns) if columns else select(table)
    return found.join_from(asked, table, (app == asked.c.app) & (key == asked.c.v))


def pairs_params(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Parameters `a0`, `v0` .. `a199`, `v199`, the last pair repeated to fill them."""
    assert 0 < len(pairs) <= IN_SIZE
    padded = [*pairs, *[pairs[-1]] * (IN_SIZE - len(pairs))]
    params: dict[str, str] = {}
    for i, (app, value) in enumerate(padded):
        params[f"a{i}"], params[f"v{i}"] = app, value
    return params


def read_pairs(
    db: Db, stmt: Prepared[R], pairs: Iterable[tuple[str, str]], pair_of: Callable[[R], Any]
) -> Iterator[tuple[tuple[str, str], list[R]]]:
    """Each distinct pair with the rows `stmt` (`by_pairs`) finds for it, none included."""
    for part in slices(pairs):
        found: dict[tuple[str, str], list[R]] = {}
        for row in db.rows(stmt, **pairs_params(part)):
            found.setdefault(pair_of(row), []).append(row)
        for pair in part:
            yield pair, found.get(pair, [])


def read_rows(
    db: Db, stmt: Prepared[R], ids: Iterable[str], id_of: Callable[[R], str], **scope: object
) -> Iterator[tuple[str, R | None]]:
    """Each distinct id with its row, or None when `stmt` (`one_of_params` plus `scope`) finds
    none: a key that is absent is an answer too, so it is not asked again."""
    for part in slices(ids):
        found = {id_of(row): row for row in db.rows(stmt, **scope, **in_params(part))}
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
