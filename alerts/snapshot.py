"""What the built-in conditions look at, read from the store in one pass per evaluation.

Kept apart from `alerts.conditions` so the conditions are pure functions of a `Snapshot` (unit
tests build one by hand) and the SQL lives in one place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, func, select

from monitor.store.tables import deprovisions, findings
from monitor.store.tables_alerting import app_health, detection_skips, outbox, scim_traffic

__all__ = ["CollectorStatus", "Health", "ReceiverStatus", "Snapshot", "read_snapshot"]


@dataclass(frozen=True, slots=True)
class Health:
    last_ok_at: float | None
    last_auth_error_at: float | None
    auth_streak: int


@dataclass(frozen=True, slots=True)
class CollectorStatus:
    name: str
    down_since: float | None
    reason: str | None
    newest_event: float | None


@dataclass(frozen=True, slots=True)
class ReceiverStatus:
    receiver: str
    pending: int
    oldest_attempted: float | None  # created_at of the oldest undelivered, tried row
    last_reason: str | None
    failed: int  # given up since the last success


@dataclass(slots=True)
class Snapshot:
    now: float
    findings: list[dict[str, object]] = field(default_factory=list)
    pending: list[dict[str, object]] = field(default_factory=list)  # unconfirmed deprovisions
    traffic: dict[str, dict[str, int]] = field(default_factory=dict)  # app -> outcome -> n
    health: dict[str, Health] = field(default_factory=dict)
    requested: dict[str, int] = field(default_factory=dict)  # deprovisions asked in the window
    collectors: Sequence[CollectorStatus] = ()
    receivers: Sequence[ReceiverStatus] = ()
    skipped: dict[str, int] = field(default_factory=dict)  # kind -> records skipped in the window


def read_snapshot(
    conn: Connection,
    *,
    now: float,
    error_window: float,
    mass_window: float,
    collectors: Sequence[CollectorStatus] = (),
    skip_window: float = 3600.0,
) -> Snapshot:
    snap = Snapshot(now=now, collectors=collectors)
    for row in conn.execute(select(findings).where(findings.c.status == "open")):
        item = dict(row._mapping)
        item["fields"] = json.loads(item["fields"])
        snap.findings.append(item)
    pending = select(deprovisions).where(
        deprovisions.c.requested_at.is_not(None) & deprovisions.c.confirmed_at.is_(None)
    )
    snap.pending = [dict(row._mapping) for row in conn.execute(pending)]
    first_minute = int((now - error_window) // 60)
    traffic = (
        select(scim_traffic.c.app, scim_traffic.c.outcome, func.sum(scim_traffic.c.count))
        .where((scim_traffic.c.minute >= first_minute) & (scim_traffic.c.minute <= now // 60))
        .group_by(scim_traffic.c.app, scim_traffic.c.outcome)
    )
    for app, outcome, n in conn.execute(traffic):
        snap.traffic.setdefault(app, {})[outcome] = int(n)
    for row in conn.execute(select(app_health)):
        snap.health[row.app] = Health(row.last_ok_at, row.last_auth_error_at, int(row.auth_streak))
    asked = (
        select(deprovisions.c.app, func.count())
        .where(
            (deprovisions.c.requested_at > now - mass_window) & (deprovisions.c.requested_at <= now)
        )
        .group_by(deprovisions.c.app)
    )
    snap.requested = {app: int(n) for app, n in conn.execute(asked)}
    snap.receivers = _receivers(conn)
    since = int((now - skip_window) // 60)
    skipped = (
        select(detection_skips.c.kind, func.sum(detection_skips.c.count))
        .where(detection_skips.c.minute >= since)
        .group_by(detection_skips.c.kind)
    )
    snap.skipped = {kind: int(n) for kind, n in conn.execute(skipped) if n}
    return snap


def _receivers(conn: Connection) -> list[ReceiverStatus]:
    last_sent = dict(
        conn.execute(
            select(outbox.c.receiver, func.max(outbox.c.sent_at)).group_by(outbox.c.receiver)
        ).all()
    )
    out: dict[str, ReceiverStatus] = {}
    rows = conn.execute(
        select(
            outbox.c.receiver,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.last_reason,
        ).where(outbox.c.state.in_(("pending", "sending", "failed")))
    )
    for receiver, state, attempts, created, reason in rows:
        cur = out.get(receiver) or ReceiverStatus(receiver, 0, None, None, 0)
        sent = last_sent.get(receiver)
        if state == "failed":
            if sent is None or created > sent:
                cur = _with(cur, failed=cur.failed + 1, last_reason=reason)
        else:
            oldest = cur.oldest_attempted
            if attempts > 0 and (oldest is None or created < oldest):
                oldest = created
            cur = _with(cur, pending=cur.pending + 1, oldest_attempted=oldest)
            if attempts > 0 and reason:
                cur = _with(cur, last_reason=reason)
        out[receiver] = cur
    return sorted(out.values(), key=lambda r: r.receiver)


def _with(status: ReceiverStatus, **changes: object) -> ReceiverStatus:
    return replace(status, **changes)  # type: ignore[arg-type]
