"""`SqlStore`: the store on SQLAlchemy 2.x, for SQLite files and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from monitor.store.base import RequestKey, StoreError
from monitor.store.tables import (
    activity,
    deprovisions,
    findings,
    idp_seen,
    rejected_lines,
    request_counts,
    sources,
)
from monitor.store.upserts import count_upsert, insert_for, source_upsert

__all__ = ["SqlStore", "dialect_insert", "normalize_url"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain `postgresql://` URLs."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def dialect_insert(conn: Connection) -> Any:
    """The INSERT construct with ON CONFLICT support for the connection's database."""
    return insert_for(conn.dialect.name)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database url>"


class SqlStore:
    """State in a relational database; the schema is migrated to head on open."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self._url = normalize_url(url)
        try:
            self._engine = create_engine(self._url, pool_pre_ping=True)
        except (SQLAlchemyError, ValueError) as err:
            raise StoreError(f"bad database URL {_safe(self._url)}: {type(err).__name__}") from None
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine, "connect", _sqlite_pragmas)
            event.listen(self._engine, "begin", _sqlite_begin)
        if migrate:
            self.migrate()

    @property
    def engine(self) -> Engine:
        return self._engine

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = AlembicConfig()
        config.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self._engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Replicas starting together must not migrate concurrently.
                    conn.execute(text("SELECT pg_advisory_xact_lock(727364)"))
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except SQLAlchemyError as err:
            raise StoreError(f"cannot migrate {_safe(self._url)}: {_reason(err)}") from None

    def checkpoint(self, *, source: str) -> dict[str, object] | None:
        with self._connect() as conn:
            raw = conn.execute(
                select(sources.c.checkpoint).where(sources.c.name == source)
            ).scalar_one_or_none()
        if not raw:
            return None
        value = json.loads(raw)
        return value if isinstance(value, dict) else None

    def commit_batch(
        self,
        *,
        source: str,
        checkpoint: Mapping[str, object],
        units: int,
        newest_ts: float | None,
        rejected: Mapping[str, int],
        requests: Mapping[RequestKey, int],
        now: float,
    ) -> None:
        with self.transaction() as conn:
            self.write_source(
                conn,
                source=source,
                checkpoint=checkpoint,
                units=units,
                newest_ts=newest_ts,
                rejected=rejected,
                now=now,
            )
            self.add_requests(conn, requests)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work: everything a batch changes commits together or not at all."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as err:
            raise StoreError(f"cannot commit: {_reason(err)}") from None

    def write_source(
        self,
        conn: Connection,
        *,
        source: str,
        checkpoint: Mapping[str, object],
        units: int,
        newest_ts: float | None,
        rejected: Mapping[str, int],
        now: float,
    ) -> None:
        """A source's progress: checkpoint, units read, newest event time, rejected lines."""
        self._upsert_source(conn, source, checkpoint, units, newest_ts, now)
        if rejected:
            self._add_counts(
                conn,
                rejected_lines,
                [
                    {"source": source, "reason": reason, "count": n}
                    for reason, n in rejected.items()
                ],
            )

    def add_requests(self, conn: Connection, requests: Mapping[RequestKey, int]) -> None:
        if requests:
            self._add_counts(
                conn, request_counts, [{**key._asdict(), "count": n} for key, n in requests.items()]
            )

    def _upsert_source(
        self,
        conn: Connection,
        source: str,
        checkpoint: Mapping[str, object],
        units: int,
        newest_ts: float | None,
        now: float,
    ) -> None:
        conn.execute(
            source_upsert(conn.dialect.name),
            {
                "name": source,
                "checkpoint": json.dumps(dict(checkpoint), sort_keys=True),
                "units_total": units,
                "newest_ts": newest_ts,
                "updated_at": now,
            },
        )

    def _add_counts(self, conn: Connection, table: Any, rows: list[dict[str, object]]) -> None:
        conn.execute(count_upsert(table, conn.dialect.name), rows)

    def request_counts(self) -> dict[str, dict[str, int]]:
        query = select(
            request_counts.c.app, request_counts.c.outcome, func.sum(request_counts.c.count)
        ).group_by(request_counts.c.app, request_counts.c.outcome)
        out: dict[str, dict[str, int]] = {}
        with self._connect() as conn:
            for app, outcome, count in conn.execute(query):
                out.setdefault(app, {})[outcome] = int(count)
        return out

    def deprovision_rows(
        self, *, app: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Deprovisions the IdPs requested (optionally of one app, pending or confirmed)."""
        query = select(deprovisions).where(deprovisions.c.requested_at.is_not(None))
        if app is not None:
            query = query.where(deprovisions.c.app == app)
        if status == "pending":
            query = query.where(deprovisions.c.confirmed_at.is_(None))
        elif status == "confirmed":
            query = query.where(deprovisions.c.confirmed_at.is_not(None))
        query = query.order_by(deprovisions.c.app, deprovisions.c.user_key, deprovisions.c.person)
        with self._connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def finding_rows(
        self,
        *,
        app: str | None = None,
        type: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of findings (fields decoded) and how many match in all."""
        where: Any = findings.c.type.is_not(None)
        if app is not None:
            where &= findings.c.app == app
        if type is not None:
            where &= findings.c.type == type
        if status is not None:
            where &= findings.c.status == status
        query = (
            select(findings)
            .where(where)
            .order_by(findings.c.type, findings.c.app, findings.c.first_at, findings.c.subject)
            .offset(offset)
            .limit(limit)
        )
        with self._connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(findings).where(where)).scalar_one()
            )
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows, total

    def newest_by_source(self) -> dict[str, float]:
        """The newest event time each source has delivered."""
        query = select(sources.c.name, sources.c.newest_ts).where(sources.c.newest_ts.is_not(None))
        with self._connect() as conn:
            return {name: float(ts) for name, ts in conn.execute(query)}

    def pending_deprovisions(self) -> list[tuple[str, float]]:
        """(app, requested_at) of every deprovision not confirmed yet."""
        query = select(deprovisions.c.app, deprovisions.c.requested_at).where(
            deprovisions.c.requested_at.is_not(None) & deprovisions.c.confirmed_at.is_(None)
        )
        with self._connect() as conn:
            return [(app, float(ts)) for app, ts in conn.execute(query)]

    def open_findings(self) -> dict[tuple[str, str], int]:
        """Open findings by (app, type); IdP-level findings have app ''."""
        query = (
            select(findings.c.app, findings.c.type, func.count())
            .where(findings.c.status == "open")
            .group_by(findings.c.app, findings.c.type)
        )
        with self._connect() as conn:
            return {(app, kind): int(n) for app, kind, n in conn.execute(query)}

    def prune(self, *, before: float) -> int:
        """Forget per-action facts older than `before`: stored activity and IdP dedupe keys.

        Deprovisions, findings and identities are kept; they are state, not history.
        """
        with self.transaction() as conn:
            gone = conn.execute(activity.delete().where(activity.c.ts < before)).rowcount
            gone += conn.execute(idp_seen.delete().where(idp_seen.c.ts < before)).rowcount
        return int(gone)

    def rejected_total(self) -> int:
        with self._connect() as conn:
            return int(
                conn.execute(
                    select(func.coalesce(func.sum(rejected_lines.c.count), 0))
                ).scalar_one()
            )

    def newest_ts(self) -> float | None:
        with self._connect() as conn:
            value = conn.execute(select(func.max(sources.c.newest_ts))).scalar_one_or_none()
        return float(value) if value is not None else None

    def refresh_statistics(self) -> None:
        """ANALYZE, on PostgreSQL. A replay into an empty database grows its tables faster
        than autovacuum re-reads their statistics, and the plans made while a table looked
        empty stay in use as it grows: a 200-value lookup by (idp, user_id) used the index
        for `idp` alone and compared every row of the IdP with the 200 values. (SQLite plans
        from its indexes without statistics.)"""
        if self._engine.dialect.name != "postgresql":
            return
        try:
            with self._engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        except SQLAlchemyError as err:
            raise StoreError(f"cannot analyze {_safe(self._url)}: {_reason(err)}") from None

    def ping(self) -> None:
        with self._connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self._engine.dispose()

    def _connect(self) -> Connection:
        try:
            return self._engine.connect()
        except SQLAlchemyError as err:
            raise StoreError(f"cannot reach {_safe(self._url)}: {_reason(err)}") from None


def _reason(err: SQLAlchemyError) -> str:
    """The driver's first line, never the statement parameters."""
    orig = getattr(err, "orig", None)
    message = str(orig if orig is not None else type(err).__name__).strip().splitlines()
    return message[0][:200] if message else type(err).__name__


_WRITE = "scimwatch_write"


def _sqlite_begin(conn: Connection) -> None:
    """Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE), so concurrent
    writers (ingest workers, the alert pipeline) queue on busy_timeout instead of failing with
    "database is locked" when a read would have to upgrade to a write mid-transaction."""
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


SQLITE_CACHE_KIB = 64 * 1024  # page cache per SQLite connection


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # The driver's own implicit BEGIN is off; `_sqlite_begin` emits the right one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")  # a long batch may hold the write lock
    # SQLite's default page cache is 2 MiB: past that the state re-reads its pages from the OS
    # and spills dirty ones to the WAL mid-batch (a 19 MB replay made 121,000 reads and 86,000
    # writes; 16,000 and 47,000 with this). The memory is per connection, taken as pages are read.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()
