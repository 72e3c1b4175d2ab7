"""Statements built once and run on the DBAPI cursor: the detectors' hot path.

Building a SQLAlchemy statement per record (WHERE clauses, `values()`, cache keys, execution
contexts) cost about 20 times what SQLite spends running it. A `Prepared` statement is written
once at import with `bindparam`s, compiled once per dialect, and each call passes only its
parameters to the driver's cursor inside the caller's transaction (the same DBAPI connection,
so the same transaction). Rows come back as the NamedTuple the statement names, so the
detectors keep attribute access and static types.

A detector may hold its writes to a table back and write them in bulk (`Db.hold`): each
statement knows the tables it touches, and one that touches a held table has the held writes
written first, so no statement ever sees the table without them. The one exception is a read
by primary key the owner of the held rows makes for a key it has no row of in memory
(`by_key=True`): every held row is in that memory, so none can be the one asked for, and
writing them first would write a batch's rows one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import Boolean, ColumnElement, Connection, Table, literal
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import SelectBase
from sqlalchemy.sql.util import find_tables

from monitor.store.bulk import COPY_MIN_ROWS, CopyPlan, copy_plan, pipelines

__all__ = ["Db", "Prepared", "one_of"]

R = TypeVar("R", bound=tuple[Any, ...])
_Args = Callable[[Mapping[str, Any]], Any]


def one_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (constants)` with one fixed parameter per value (no per-call expansion)."""
    return column.in_([literal(value, column.type) for value in values])


class _Compiled(NamedTuple):
    sql: str
    args: _Args  # named parameters -> what the driver takes (a tuple or a dict)
    booleans: tuple[int, ...]  # result columns a driver without a boolean type gives as 0/1


class Prepared(Generic[R]):
    """One statement with named parameters; `row` builds each result row."""

    def __init__(
        self, stmt: ClauseElement, row: Callable[..., R] | None = None, *, by_key: bool = False
    ) -> None:
        """`by_key`: a read by primary key for rows its caller holds no write of (see above),
        which runs without writing the held rows first."""
        self.stmt = stmt
        self.row = row
        self.by_dialect: dict[str, _Compiled] = {}
        found = find_tables(stmt, include_aliases=True, include_crud=True, check_columns=True)
        self.tables = frozenset(t.name for t in found if isinstance(t, Table))  # reads, writes
        self.synced = frozenset[str]() if by_key else self.tables  # held writes to write first

    @cached_property
    def copy(self) -> CopyPlan | None:
        """The COPY writing what this statement inserts, if it only inserts (PostgreSQL)."""
        return copy_plan(self.stmt)

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self.by_dialect.get(dialect.name)
        if found is None:
            found = self.by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = cast(SQLCompiler, self.stmt.compile(dialect=dialect))
        required = {key for key, bind in compiled.binds.items() if bind.required}
        values = compiled.construct_params(_check=False) or {}
        defaults = {key: value for key, value in values.items() if key not in required}
        names = tuple(compiled.positiontup or ()) if dialect.positional else None
        booleans: tuple[int, ...] = ()
        if isinstance(self.stmt, SelectBase) and not dialect.supports_native_boolean:
            columns = list(self.stmt.selected_columns)
            booleans = tuple(i for i, c in enumerate(columns) if isinstance(c.type, Boolean))
        return _Compiled(compiled.string, _arguments(names, defaults), booleans)


def _arguments(names: tuple[str, ...] | None, defaults: dict[str, Any]) -> _Args:
    """How a call's named parameters become the driver's: a tuple in `names` order for
    positional styles (SQLite's `?`), the mapping itself for named ones (psycopg's
    `%(name)s`); literals the statement carries are merged in."""
    if names is None:
        return (lambda params: {**defaults, **params}) if defaults else dict
    if not names:
        return lambda params: ()
    pick = itemgetter(*names)
    if len(names) == 1:
        return (lambda params: (pick({**defaults, **params}),)) if defaults else _single(pick)
    return (lambda params: pick({**defaults, **params})) if defaults else pick


def _single(pick: Callable[[Mapping[str, Any]], Any]) -> _Args:
    return lambda params: (pick(params),)


class Db:
    """The transaction's DBAPI cursor, running `Prepared` statements."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self._name = conn.dialect.name
        self._cursor = conn.connection.cursor()
        self._held: dict[str, Callable[[], None]] = {}  # table -> writes held back for it

    def hold(self, table: str, write: Callable[[], None]) -> None:
        """Writes to `table` are held back in memory: `write` is called before the next
        statement that reads or writes the table runs, so every statement sees them. The
        owner writes them itself before the commit (`release` first), and holds again when it
        holds back more."""
        self._held[table] = write

    def release(self, table: str) -> None:
        """The owner is writing what it held back for `table` itself."""
        self._held.pop(table, None)

    def _sync(self, stmt: Prepared[Any]) -> None:
        for table in stmt.synced & self._held.keys():
            self._held.pop(table)()

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> _Compiled:
        if self._held and not self._held.keys().isdisjoint(stmt.synced):
            self._sync(stmt)
        compiled = stmt.by_dialect.get(self._name) or stmt.compiled(self.dialect)
        self._cursor.execute(compiled.sql, compiled.args(params))
        return compiled

    def run(self, stmt: Prepared[Any], **params: Any) -> int:
        """Execute a write; the number of rows it changed."""
        self._execute(stmt, params)
        return int(self._cursor.rowcount)

    def run_many(self, stmt: Prepared[Any], params: Iterable[Mapping[str, Any]]) -> None:
        """Execute a write once per parameter set, in one driver call (`executemany`)."""
        if self._held and not self._held.keys().isdisjoint(stmt.synced):
            self._sync(stmt)
        compiled = stmt.by_dialect.get(self._name) or stmt.compiled(self.dialect)
        if self._name == "postgresql":
            self._bulk(stmt, compiled, params)
        else:
            self._cursor.executemany(compiled.sql, [compiled.args(one) for one in params])

    def _bulk(
        self, stmt: Prepared[Any], compiled: _Compiled, params: Iterable[Mapping[str, Any]]
    ) -> None:
        """PostgreSQL: COPY when the statement only inserts, else pipelines of bounded size
        (`monitor.store.bulk` says why)."""
        rows = params if isinstance(params, list) else list(params)
        plan = stmt.copy
        if plan is not None and len(rows) >= COPY_MIN_ROWS and hasattr(self._cursor, "copy"):
            with self._cursor.copy(plan.sql) as copy:
                for row in rows:
                    copy.write_row(plan.values(row))
            return
        for part in pipelines([compiled.args(one) for one in rows]):
            self._cursor.executemany(compiled.sql, part)

    def rows(self, stmt: Prepared[R], **params: Any) -> list[R]:
        compiled = self._execute(stmt, params)
        fetched = self._cursor.fetchall()
        if compiled.booleans:
            fetched = [_booleans(row, compiled.booleans) for row in fetched]
        make = stmt.row
        return [make(*row) for row in fetched] if make is not None else list(fetched)

    def first(self, stmt: Prepared[R], **params: Any) -> R | None:
        compiled = self._execute(stmt, params)
        found = self._cursor.fetchall()  # to the end: no statement left open at commit
        if not found:
            return None
        row = found[0]
        if compiled.booleans:
            row = _booleans(row, compiled.booleans)
        make = stmt.row
        return make(*row) if make is not None else row

    def scalar(self, stmt: Prepared[Any], **params: Any) -> Any:
        compiled = self._execute(stmt, params)
        found = self._cursor.fetchall()
        if not found:
            return None
        value = found[0][0]
        return bool(value) if 0 in compiled.booleans and value is not None else value

    def scalars(self, stmt: Prepared[Any], **params: Any) -> list[Any]:
        self._execute(stmt, params)
        return [row[0] for row in self._cursor.fetchall()]


def _booleans(row: Iterable[Any], indexes: tuple[int, ...]) -> list[Any]:
    values = list(row)
    for i in indexes:
        if values[i] is not None:
            values[i] = bool(values[i])
    return values
