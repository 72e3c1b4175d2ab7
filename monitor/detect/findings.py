"""Findings: one row per (type, app, subject) with a lifecycle.

Repeated evidence updates `count` and `last_at` (and merges fields); it never adds rows. A
finding is `open` until its subject is mended (a twin deactivated, a deprovision finally
applied), then `resolved`; new evidence reopens it. `Outcomes` collects what a batch changed,
so metrics are published after the commit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from monitor.store.tables import findings

__all__ = ["Findings", "Merge", "Outcomes"]

Merge = Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]


def _keep(old: dict[str, Any], _new: Mapping[str, Any]) -> dict[str, Any]:
    return old


@dataclass(slots=True)
class Outcomes:
    """What one batch's detections changed: newly opened findings and confirmed deprovisions."""

    opened: Counter[tuple[str, str]] = field(default_factory=Counter)  # (app, type)
    confirmed: list[tuple[str, float]] = field(default_factory=list)  # (app, lag seconds)


class Findings:
    """Finding rows, inside the caller's transaction."""

    def __init__(self, conn: Connection, outcomes: Outcomes) -> None:
        self.conn = conn
        self.outcomes = outcomes

    def raise_(
        self,
        *,
        type: str,
        app: str | None,
        subject: str,
        fields: Mapping[str, Any],
        at: float,
        merge: Merge = _keep,
    ) -> None:
        """Open a finding or add evidence to it (count, last_at, merged fields)."""
        key = _key(type, app, subject)
        row = self.conn.execute(
            select(
                findings.c.fields, findings.c.first_at, findings.c.last_at, findings.c.count
            ).where(key)
        ).first()
        if row is None:
            self.conn.execute(
                findings.insert().values(
                    type=type,
                    app=app or "",
                    subject=subject,
                    fields=json.dumps(dict(fields), sort_keys=True),
                    first_at=at,
                    last_at=at,
                    count=1,
                    status="open",
                    resolved_at=None,
                )
            )
            self.outcomes.opened[(app or "", type)] += 1
            return
        merged = merge(json.loads(row.fields), fields)
        self.conn.execute(
            findings.update()
            .where(key)
            .values(
                fields=json.dumps(merged, sort_keys=True),
                first_at=min(row.first_at, at),
                last_at=max(row.last_at, at),
                count=int(row[3]) + 1,
                status="open",
                resolved_at=None,
            )
        )

    def put(
        self,
        *,
        type: str,
        app: str | None,
        subject: str,
        fields: Mapping[str, Any],
        first_at: float,
        last_at: float,
        count: int,
    ) -> None:
        """Set a finding to what the facts say (for findings recomputed, not accumulated)."""
        key = _key(type, app, subject)
        values = {
            "fields": json.dumps(dict(fields), sort_keys=True),
            "first_at": first_at,
            "last_at": last_at,
            "count": count,
            "status": "open",
            "resolved_at": None,
        }
        if self.conn.execute(select(findings.c.type).where(key)).first() is None:
            self.conn.execute(
                findings.insert().values(type=type, app=app or "", subject=subject, **values)
            )
            self.outcomes.opened[(app or "", type)] += 1
        else:
            self.conn.execute(findings.update().where(key).values(**values))

    def resolve(self, *, type: str, app: str | None, subject: str, at: float) -> None:
        """The subject was mended; evidence older than `at` no longer keeps it open."""
        self.conn.execute(
            findings.update()
            .where(
                _key(type, app, subject)
                & (findings.c.status == "open")
                & (findings.c.last_at <= at)
            )
            .values(status="resolved", resolved_at=at)
        )


def _key(type: str, app: str | None, subject: str) -> Any:
    return (
        (findings.c.type == type)
        & (findings.c.app == (app or ""))
        & (findings.c.subject == subject)
    )
