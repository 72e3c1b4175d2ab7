"""Alert states in the store: what fires now, what resolved, and since when.

`sync` is the only writer: the conditions' current answer goes in, and every alert that is no
longer in it is resolved (ends_at = now). Alerts survive restarts and are the same on every
replica, so a resolve after a restart still reaches the receivers that heard the firing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from alerts.alert import Alert
from monitor.store.sql import dialect_insert
from monitor.store.tables_alerting import alert_states

__all__ = ["Candidate", "current_alerts", "sync"]

RESOLVED_KEEP = 5 * 86400.0  # resolved alerts stay visible (and notifiable) this long


@dataclass(frozen=True, slots=True)
class Candidate:
    """An alert the conditions say fires now."""

    labels: dict[str, str]
    annotations: dict[str, str]


def _dump(values: dict[str, str]) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def sync(conn: Connection, candidates: Iterable[Candidate], now: float) -> None:
    """Make the stored states match the conditions' answer at `now`."""
    active = {Alert(labels=c.labels).fingerprint: c for c in candidates}
    known = {
        row.fingerprint: row
        for row in conn.execute(
            select(alert_states.c.fingerprint, alert_states.c.ends_at, alert_states.c.annotations)
        )
    }
    insert = dialect_insert(conn)
    for fp, cand in active.items():
        row = known.get(fp)
        notes = _dump(cand.annotations)
        if row is None:
            conn.execute(
                insert(alert_states).values(
                    fingerprint=fp,
                    alertname=cand.labels.get("alertname", ""),
                    labels=_dump(cand.labels),
                    annotations=notes,
                    starts_at=now,
                    ends_at=None,
                    updated_at=now,
                )
            )
        elif row.ends_at is not None:  # fires again: a new episode
            conn.execute(
                update(alert_states)
                .where(alert_states.c.fingerprint == fp)
                .values(annotations=notes, starts_at=now, ends_at=None, updated_at=now)
            )
        elif row.annotations != notes:
            conn.execute(
                update(alert_states)
                .where(alert_states.c.fingerprint == fp)
                .values(annotations=notes, updated_at=now)
            )
    gone = [fp for fp, row in known.items() if row.ends_at is None and fp not in active]
    if gone:
        conn.execute(
            update(alert_states)
            .where(alert_states.c.fingerprint.in_(gone))
            .values(ends_at=now, updated_at=now)
        )
    conn.execute(
        delete(alert_states).where(
            alert_states.c.ends_at.is_not(None) & (alert_states.c.ends_at < now - RESOLVED_KEEP)
        )
    )


def current_alerts(conn: Connection) -> list[Alert]:
    """Every stored alert, firing and recently resolved, oldest first."""
    rows = conn.execute(
        select(alert_states).order_by(alert_states.c.starts_at, alert_states.c.fingerprint)
    )
    return [
        Alert(
            labels=json.loads(row.labels),
            annotations=json.loads(row.annotations),
            starts_at=float(row.starts_at),
            ends_at=None if row.ends_at is None else float(row.ends_at),
        )
        for row in rows
    ]
