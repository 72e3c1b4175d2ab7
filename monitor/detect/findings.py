"""Findings: one row per (type, app, subject); repeated evidence updates it, never adds rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from monitor.store.tables import findings

__all__ = ["Merge", "raise_finding"]

Merge = Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]


def _keep(old: dict[str, Any], _new: Mapping[str, Any]) -> dict[str, Any]:
    return old


def raise_finding(
    conn: Connection,
    *,
    type: str,
    app: str | None,
    subject: str,
    fields: Mapping[str, Any],
    at: float,
    count: int = 1,
    merge: Merge = _keep,
) -> None:
    """Open a finding or add evidence to it (count, last_at, merged fields)."""
    key = (
        (findings.c.type == type)
        & (findings.c.app == (app or ""))
        & (findings.c.subject == subject)
    )
    row = conn.execute(
        select(findings.c.fields, findings.c.first_at, findings.c.last_at, findings.c.count).where(
            key
        )
    ).first()
    if row is None:
        conn.execute(
            findings.insert().values(
                type=type,
                app=app or "",
                subject=subject,
                fields=json.dumps(dict(fields), sort_keys=True),
                first_at=at,
                last_at=at,
                count=count,
                status="open",
            )
        )
        return
    merged = merge(json.loads(row.fields), fields)
    conn.execute(
        findings.update()
        .where(key)
        .values(
            fields=json.dumps(merged, sort_keys=True),
            first_at=min(row.first_at, at),
            last_at=max(row.last_at, at),
            count=int(row[3]) + count,
            status="open",
        )
    )
