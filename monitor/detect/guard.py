"""Detection that one record cannot stop.

A batch commits with its source's checkpoint, so a record that makes detection raise (a value
the database refuses, such as a SCIM id past PostgreSQL's index entry size, or a bug on a
shape nobody foresaw) used to fail its batch again on every retry: the source stalled for good
behind it, and everything after it in that source went unread. Now such a batch is detected
again one record at a time, each under a savepoint; a record that raises is undone alone,
reported to `on_failed`, and skipped, and the rest of the batch lands as it would have.

The first pass runs as before (prefetch, one pass, one savepoint for the whole batch), so a
healthy batch costs two statements more. Errors that say the database itself is unavailable
are not the record's fault: they propagate, the transaction rolls back, and the whole batch is
retried later as before. PostgreSQL names the class of each error (SQLSTATE): only data
exceptions, integrity violations and program limits (22, 23, 54) are the record's; a lost
connection, a serialization failure, a full disk, a missing table or permission are not. Other
drivers (SQLite) have PEP 249's classes: OperationalError, InterfaceError and InternalError (a
locked or full file, a lost connection) are outages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc

from monitor.detect.correlate import Correlator
from monitor.detect.findings import Outcomes
from monitor.events import Record, ScimEvent
from monitor.store.tables_alerting import detection_skips
from monitor.store.upserts import count_upsert

__all__ = ["Failed", "MakeCorrelator", "detect_batch", "record_skips"]

Item = ScimEvent | Record
Failed = Callable[[Item, Exception], None]
MakeCorrelator = Callable[[Connection, Outcomes], Correlator]

_OUTAGES_SA = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.InternalError)


def detect_batch(
    conn: Connection, items: Sequence[Item], make: MakeCorrelator, on_failed: Failed
) -> Outcomes:
    """Detect over `items` inside the caller's transaction; the outcomes of what landed."""
    outcomes = Outcomes()
    savepoint = conn.begin_nested()
    try:
        correlator = make(conn, outcomes)
        correlator.handle_all(items)
        correlator.finish()
    except Exception as err:
        _raise_if_outage(conn, err)
        savepoint.rollback()
        return _one_at_a_time(conn, items, make, on_failed)
    savepoint.commit()
    return outcomes


def record_skips(conn: Connection, kinds: Sequence[str], now: float) -> None:
    """Count skipped records per kind in the minute of `now`, in the batch's transaction: the
    DetectionSkippingRecords condition reads them on whichever replica holds the lease."""
    if kinds:
        rows = [
            {"kind": k, "minute": int(now // 60), "count": n} for k, n in Counter(kinds).items()
        ]
        conn.execute(count_upsert(detection_skips, conn.dialect.name), rows)


def _one_at_a_time(
    conn: Connection, items: Sequence[Item], make: MakeCorrelator, on_failed: Failed
) -> Outcomes:
    """Each record under its own savepoint, its write-behind rows flushed inside it; after a
    failure the correlator is replaced, since its memory may hold rows the savepoint undid."""
    outcomes = Outcomes()
    correlator = make(conn, outcomes)
    for item in items:
        opened, confirmed = Counter(outcomes.opened), len(outcomes.confirmed)
        savepoint = conn.begin_nested()
        try:
            correlator.handle(item)
            correlator.finish()
        except Exception as err:
            _raise_if_outage(conn, err)
            savepoint.rollback()
            outcomes.opened = opened
            del outcomes.confirmed[confirmed:]
            on_failed(item, err)
            correlator = make(conn, outcomes)
        else:
            savepoint.commit()
    return outcomes


def _raise_if_outage(conn: Connection, err: Exception) -> None:
    """Re-raise errors of the database itself: the batch is retried whole, later."""
    if conn.invalidated:
        raise err
    sqlstate = getattr(err, "sqlstate", None)  # PostgreSQL says which class of error it is
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate[:2] not in _RECORD_CLASSES:
            raise err
        return
    dbapi = conn.dialect.loaded_dbapi
    if isinstance(err, (dbapi.OperationalError, dbapi.InterfaceError, dbapi.InternalError)):
        raise err
    if isinstance(err, _OUTAGES_SA):
        raise err


# SQLSTATE classes a record's own values cause: data exceptions (a value too long or out of
# range), integrity violations, program limits (an index entry past PostgreSQL's 2,704 bytes).
# psycopg files class 54 under OperationalError, so the class decides, not the exception type.
_RECORD_CLASSES = frozenset({"22", "23", "54"})
