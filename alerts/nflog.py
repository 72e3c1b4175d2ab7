"""The notification log: per (group, receiver, integration), which alerts it was last told
fire or resolved, when, and the integration's own state (e.g. the Slack message to update).

The dedup decision compares a group's current alerts with this record, as Alertmanager's
DedupStage does, so a restart or a second replica never repeats a notification.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Connection, select

from monitor.store.sql import dialect_insert
from monitor.store.tables_alerting import nflog

__all__ = ["Entry", "get", "merge_thread", "put"]


@dataclass(frozen=True, slots=True)
class Entry:
    firing: frozenset[str]
    resolved: frozenset[str]
    sent_at: float
    episode: float | None = None  # when the group last started firing after a full resolve
    thread: dict[str, str] = field(default_factory=dict)


def _key(group_key: str, receiver: str, integration: int) -> ColumnElement[bool]:
    return (
        (nflog.c.group_key == group_key)
        & (nflog.c.receiver == receiver)
        & (nflog.c.integration == integration)
    )


def get(conn: Connection, group_key: str, receiver: str, integration: int) -> Entry | None:
    row = conn.execute(select(nflog).where(_key(group_key, receiver, integration))).first()
    if row is None:
        return None
    return Entry(
        firing=frozenset(json.loads(row.firing)),
        resolved=frozenset(json.loads(row.resolved)),
        sent_at=float(row.sent_at),
        episode=None if row.group_first_at is None else float(row.group_first_at),
        thread=json.loads(row.thread),
    )


def put(
    conn: Connection,
    group_key: str,
    receiver: str,
    integration: int,
    *,
    firing: frozenset[str],
    resolved: frozenset[str],
    now: float,
    episode: float,
) -> None:
    """Record what a notification (now queued in the outbox) tells the integration."""
    values = {
        "firing": json.dumps(sorted(firing)),
        "resolved": json.dumps(sorted(resolved)),
        "sent_at": now,
        "group_first_at": episode,
    }
    stmt = dialect_insert(conn)(nflog).values(
        group_key=group_key, receiver=receiver, integration=integration, thread="{}", **values
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["group_key", "receiver", "integration"], set_=values
        )
    )


def merge_thread(
    conn: Connection, group_key: str, receiver: str, integration: int, thread: dict[str, str]
) -> None:
    """Keep what the integration returned for the group's next delivery."""
    if not thread:
        return
    entry = get(conn, group_key, receiver, integration)
    merged = {**(entry.thread if entry else {}), **thread}
    conn.execute(
        nflog.update()
        .where(_key(group_key, receiver, integration))
        .values(thread=json.dumps(merged, sort_keys=True))
    )
