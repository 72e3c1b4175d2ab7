"""Detection that one record cannot stop.

A batch commits with its source's checkpoint, so a record that makes detection raise (a value
the database refuses, such as a 300-character SCIM id on PostgreSQL, or a detector bug on a
shape nobody foresaw) used to fail its batch again on every retry: the source stalled for good
behind it, and everything after it in that source went unread. Now such a batch is detected
again one record at a time, each under a savepoint; a record that raises is undone alone,
reported to `on_failed`, and skipped, and the rest of the batch lands as it would have.

The first pass runs as before (prefetch, one pass, one savepoint for the whole batch), so a
healthy batch costs two statements more. Errors that say the database itself is unavailable
(PEP 249's OperationalError, InterfaceError and InternalError: a lost connection, a locked or
full SQLite file, a serialization failure) are not the record's fault: they propagate, the
transaction rolls back, and the whole batch is retried later as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc

from monitor.detect.correlate import Correlator
from monitor.detect.findings import Outcomes
from monitor.events import Record, ScimEvent

__all__ = ["Failed", "MakeCorrelator", "detect_batch"]

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
    dbapi = conn.dialect.loaded_dbapi
    outages = (dbapi.OperationalError, dbapi.InterfaceError, dbapi.InternalError)
    if isinstance(err, outages + _OUTAGES_SA) or conn.invalidated:
        raise err
