"""Silences: mute alerts that match, for a time range or until they resolve.

Same semantics as Alertmanager's (matchers, start, end, author, comment; expired silences are
kept for the record), plus "until resolved" (Alertmanager #3825): such a silence expires by
itself once every alert it matched has resolved. Muted alerts still resolve in the receivers
that heard them fire (#226).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from alerts.alert import Alert
from alerts.matchers import Matcher, matches_all, parse_matcher
from monitor.store.tables_alerting import silences

__all__ = ["Silence", "add", "expire", "expire_resolved", "listing", "muted_by"]


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float | None
    until_resolved: bool
    created_by: str
    comment: str
    created_at: float
    expired_at: float | None

    def state(self, now: float) -> str:
        if self.expired_at is not None and self.expired_at <= now:
            return "expired"
        if self.ends_at is not None and self.ends_at <= now:
            return "expired"
        return "active" if self.starts_at <= now else "pending"

    def mutes(self, alert: Alert, now: float) -> bool:
        return self.state(now) == "active" and matches_all(self.matchers, alert.labels)

    def to_json(self, now: float) -> dict[str, object]:
        return {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "until_resolved": self.until_resolved,
            "created_by": self.created_by,
            "comment": self.comment,
            "created_at": self.created_at,
            "status": self.state(now),
        }


def add(
    conn: Connection,
    *,
    matchers: Sequence[str],
    created_by: str,
    comment: str,
    now: float,
    starts_at: float | None = None,
    ends_at: float | None = None,
    until_resolved: bool = False,
) -> Silence:
    """Validate and store a silence; MatcherError or ValueError for bad input."""
    parsed = tuple(parse_matcher(m) for m in matchers)
    if not parsed:
        raise ValueError("a silence needs at least one matcher")
    if ends_at is None and not until_resolved:
        raise ValueError("give an end time or ask for until_resolved")
    start = now if starts_at is None else starts_at
    if ends_at is not None and ends_at <= start:
        raise ValueError("the silence would end before it starts")
    if not created_by.strip() or not comment.strip():
        raise ValueError("a silence needs an author and a comment")
    silence = Silence(
        id=str(uuid.uuid4()),
        matchers=parsed,
        starts_at=start,
        ends_at=ends_at,
        until_resolved=until_resolved,
        created_by=created_by.strip(),
        comment=comment.strip(),
        created_at=now,
        expired_at=None,
    )
    conn.execute(
        silences.insert().values(
            id=silence.id,
            matchers=json.dumps([str(m) for m in parsed]),
            starts_at=silence.starts_at,
            ends_at=silence.ends_at,
            until_resolved=until_resolved,
            created_by=silence.created_by,
            comment=silence.comment,
            created_at=now,
            expired_at=None,
        )
    )
    return silence


def listing(conn: Connection) -> list[Silence]:
    rows = conn.execute(select(silences).order_by(silences.c.created_at, silences.c.id))
    return [
        Silence(
            id=row.id,
            matchers=tuple(parse_matcher(m) for m in json.loads(row.matchers)),
            starts_at=float(row.starts_at),
            ends_at=None if row.ends_at is None else float(row.ends_at),
            until_resolved=bool(row.until_resolved),
            created_by=row.created_by,
            comment=row.comment,
            created_at=float(row.created_at),
            expired_at=None if row.expired_at is None else float(row.expired_at),
        )
        for row in rows
    ]


def expire(conn: Connection, silence_id: str, now: float) -> bool:
    """End a silence now; False when there is no such silence or it already ended."""
    result = conn.execute(
        update(silences)
        .where((silences.c.id == silence_id) & silences.c.expired_at.is_(None))
        .values(expired_at=now)
    )
    return bool(result.rowcount)


def expire_resolved(conn: Connection, alerts: Sequence[Alert], now: float) -> None:
    """End the "until resolved" silences whose alerts have all resolved (or never fired)."""
    for silence in listing(conn):
        if not silence.until_resolved or silence.state(now) != "active":
            continue
        matched = [a for a in alerts if matches_all(silence.matchers, a.labels)]
        firing = [a for a in matched if not a.resolved]
        if matched and not firing:
            expire(conn, silence.id, now)


def muted_by(active: Sequence[Silence], alert: Alert, now: float) -> list[str]:
    return [s.id for s in active if s.mutes(alert, now)]
