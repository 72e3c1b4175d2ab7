"""The durable outbox: a notification is written here, in the same transaction as the nflog
entry that decided it, before anyone tries to send it; it is marked once delivered.

States: pending -> sending (an attempt started) -> sent | pending (retry later) | failed
(not recoverable) | superseded (a newer notification of the same group and integration,
with the same status, carries everything it said). Rows of one group and integration go out
in order, so a resolve never overtakes its firing message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from alerts.notifiers.base import Notification
from monitor.store.tables_alerting import outbox

__all__ = ["Row", "due", "enqueue", "mark", "prune"]

OPEN = ("pending", "sending")
SENT_KEEP = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    group_key: str
    receiver: str
    integration: int
    payload: dict[str, object]
    state: str
    attempts: int
    created_at: float


def enqueue(
    conn: Connection, notification: Notification, integration: int, now: float, *, episode: float
) -> str:
    """Queue a notification; older untried-or-failing rows with the same status fold into it."""
    new = set(notification.new)
    older = conn.execute(
        select(outbox.c.id, outbox.c.payload).where(
            (outbox.c.group_key == notification.group_key)
            & (outbox.c.receiver == notification.receiver)
            & (outbox.c.integration == integration)
            & (outbox.c.state == "pending")
        )
    ).all()
    folded = []
    for row_id, payload in older:
        doc = json.loads(payload)
        if ("firing" if doc.get("firing") else "resolved") == notification.status:
            new.update(doc.get("new") or ())
            folded.append(row_id)
    if folded:
        conn.execute(update(outbox).where(outbox.c.id.in_(folded)).values(state="superseded"))
    row_id = notification.id or str(uuid.uuid4())
    doc = notification.to_json()
    doc["id"] = row_id
    doc["new"] = sorted(new & {a.fingerprint for a in notification.firing})
    doc["episode"] = episode
    seq = conn.execute(select(func.coalesce(func.max(outbox.c.seq), 0))).scalar_one() + 1
    conn.execute(
        outbox.insert().values(
            id=row_id,
            seq=seq,
            group_key=notification.group_key,
            receiver=notification.receiver,
            integration=integration,
            payload=json.dumps(doc, sort_keys=True),
            state="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return row_id


def due(conn: Connection, now: float) -> Iterator[Row]:
    """The head row of every group and integration, when its next attempt is due."""
    rows = conn.execute(select(outbox).where(outbox.c.state.in_(OPEN)).order_by(outbox.c.seq)).all()
    heads: set[tuple[str, str, int]] = set()
    for row in rows:
        lane = (row.group_key, row.receiver, row.integration)
        if lane in heads:
            continue
        heads.add(lane)
        if row.next_attempt_at <= now:
            yield Row(
                id=row.id,
                group_key=row.group_key,
                receiver=row.receiver,
                integration=int(row.integration),
                payload=json.loads(row.payload),
                state=row.state,
                attempts=int(row.attempts),
                created_at=float(row.created_at),
            )


def mark(
    conn: Connection,
    row_id: str,
    *,
    state: str,
    now: float,
    next_attempt_at: float | None = None,
    reason: str | None = None,
    attempt: bool = False,
) -> None:
    values: dict[str, object] = {"state": state}
    if attempt:
        values["attempts"] = outbox.c.attempts + 1
    if state == "sent":
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if reason is not None:
        values["last_reason"] = reason
    conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))


def prune(conn: Connection, now: float) -> None:
    """Delivered, superseded and given-up rows are history; keep a week of it."""
    done = ("sent", "superseded", "failed")
    conn.execute(
        outbox.delete().where(outbox.c.state.in_(done) & (outbox.c.created_at < now - SENT_KEEP))
    )
