"""Row writes held back in memory and written in bulk.

A batch inserts and updates thousands of rows of the same tables, one statement each; on
PostgreSQL every statement is a round trip. The detectors already keep every row they read or
write in memory for the transaction, so a write can wait: `HeldRows` notes which rows are new
and which columns of the others changed, and writes them from memory, one `executemany` per
statement shape, when a statement is about to touch the table (`Db.hold`) or the batch ends.
A row inserted and then changed is inserted once, as it ends up; a row changed several times
is updated once, with every column that changed.

The writes still land inside the batch's transaction (and savepoint): a write the database
refuses (a replica inserted the same row first) fails the batch, which detection then redoes
one record at a time (`monitor.detect.guard`). Rows are written in key order, so replicas
writing overlapping rows lock them in the same order instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, bindparam

from monitor.store.prepared import Db, Prepared

__all__ = ["HeldRows", "held_params", "update_columns"]

K = TypeVar("K", bound=tuple[str, ...])
R = TypeVar("R")
Columns = tuple[str, ...]


_updates: dict[tuple[str, Columns], Prepared[Any]] = {}


def update_columns(table: Table, where: ColumnElement[bool], columns: Columns) -> Prepared[Any]:
    """`UPDATE <table> SET <columns> WHERE <where>` (one row by its key), parameters `v_<name>`;
    built once per table and set of columns, as held updates come in a few shapes."""
    found = _updates.get((table.name, columns))
    if found is None:
        values: dict[str, Any] = {name: bindparam("v_" + name) for name in columns}
        found = _updates[(table.name, columns)] = Prepared(
            table.update().where(where).values(values)
        )
    return found


def held_params(
    key: Mapping[str, Any], row: object, columns: Columns | None, every: Columns
) -> dict[str, Any]:
    """A held row's parameters: its `key`, then every column (`every`) for the insert
    (`columns` None), or the changed `columns` as `v_<name>` for an update (`update_columns`)."""
    names, prefix = (every, "") if columns is None else (columns, "v_")
    return {**key, **{prefix + name: getattr(row, name) for name in names}}


class HeldRows(Generic[K, R]):
    """The held inserts and updates of one table; rows come from the owner's memory."""

    def __init__(
        self,
        db: Db,
        table: str,
        row: Callable[[K], R],
        insert: Prepared[Any],
        update: Callable[[Columns], Prepared[Any]],
        params: Callable[[R, Columns | None], Mapping[str, Any]],
    ) -> None:
        """`row`: the current row of a key; `update`: the statement setting some columns;
        `params`: a row's parameters for the insert (columns None) or for an update."""
        self.db = db
        self.table = table
        self._row = row
        self._insert = insert
        self._update = update
        self._params = params
        self._new: dict[K, None] = {}
        self._changed: dict[K, set[str]] = {}

    def inserted(self, key: K) -> None:
        if not self._new and not self._changed:
            self.db.hold(self.table, self.write)
        self._new[key] = None

    def updated(self, key: K, columns: Iterable[str]) -> None:
        if key in self._new:
            return  # a new row is inserted as it ends up
        if not self._new and not self._changed:
            self.db.hold(self.table, self.write)
        found = self._changed.get(key)
        if found is None:
            self._changed[key] = set(columns)
        else:
            found.update(columns)

    def write(self) -> None:
        """Write what is held: the inserts, then one `executemany` per set of columns."""
        self.db.release(self.table)
        new, changed = self._new, self._changed
        self._new, self._changed = {}, {}
        if new:  # in key order, as every replica does: rows are locked in the same order
            rows = [self._params(self._row(key), None) for key in sorted(new)]
            self.db.run_many(self._insert, rows)
        shapes: dict[Columns, list[Mapping[str, Any]]] = {}
        for key, names in sorted(changed.items()):
            columns = tuple(sorted(names))
            shapes.setdefault(columns, []).append(self._params(self._row(key), columns))
        for columns, params in shapes.items():
            self.db.run_many(self._update(columns), params)
