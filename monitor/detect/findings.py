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

from sqlalchemy import bindparam, select

from monitor.store.prepared import Db, Prepared
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

    def __init__(self, db: Db, outcomes: Outcomes) -> None:
        self.db = db
        self.outcomes = outcomes
        # (type, app) -> subjects that may be open: read once, then added to (`open_subjects`)
        self._open: dict[tuple[str, str], set[str]] = {}

    def open_subjects(self, type: str, app: str | None) -> set[str]:
        """The subjects of the app's open findings of a type, read once per transaction and
        kept as a superset since: every finding raised or put is added; one resolved stays
        (resolving it again changes nothing). A mending event asks it before resolving, so
        the common case, nothing open, costs no statement per event."""
        key = (type, app or "")
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = set(self.db.scalars(_OPEN, type=type, app=app or ""))
        return found

    def _opened(self, type: str, app: str | None, subject: str) -> None:
        found = self._open.get((type, app or ""))
        if found is not None:
            found.add(subject)

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
        key = {"k_type": type, "k_app": app or "", "k_subject": subject}
        self._opened(type, app, subject)
        row = self.db.first(_EVIDENCE, **key)
        if row is None:
            fresh = json.dumps(dict(fields), sort_keys=True)
            self.db.run(_INSERT, **key, fields=fresh, first_at=at, last_at=at, count=1)
            self.outcomes.opened[(app or "", type)] += 1
            return
        merged = merge(json.loads(row[0]), fields)
        self.db.run(
            _SET,
            **key,
            fields=json.dumps(merged, sort_keys=True),
            first_at=min(row[1], at),
            last_at=max(row[2], at),
            count=int(row[3]) + 1,
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
        key = {"k_type": type, "k_app": app or "", "k_subject": subject}
        values = {
            "fields": json.dumps(dict(fields), sort_keys=True),
            "first_at": first_at,
            "last_at": last_at,
            "count": count,
        }
        self._opened(type, app, subject)
        if self.db.first(_EXISTS, **key) is None:
            self.db.run(_INSERT, **key, **values)
            self.outcomes.opened[(app or "", type)] += 1
        else:
            self.db.run(_SET, **key, **values)

    def withdraw(self, *, type: str, app: str | None, subject: str) -> None:
        """The facts no longer show the finding at all (a recomputed one whose evidence turned
        out to lie outside its window): it goes, as if it had never been raised."""
        self.db.run(_DELETE, k_type=type, k_app=app or "", k_subject=subject)

    def resolve(self, *, type: str, app: str | None, subject: str, at: float) -> None:
        """The subject was mended; evidence older than `at` no longer keeps it open."""
        self.db.run(_RESOLVE, k_type=type, k_app=app or "", k_subject=subject, at=at)


_c = findings.c
_KEY = (
    (_c.type == bindparam("k_type"))
    & (_c.app == bindparam("k_app"))
    & (_c.subject == bindparam("k_subject"))
)
_EVIDENCE: Prepared[Any] = Prepared(
    select(_c.fields, _c.first_at, _c.last_at, _c.count).where(_KEY)
)
_EXISTS: Prepared[Any] = Prepared(select(_c.type).where(_KEY))
_VALUES: dict[str, Any] = {
    name: bindparam(name) for name in ("fields", "first_at", "last_at", "count")
}
_INSERT: Prepared[Any] = Prepared(
    findings.insert().values(
        type=bindparam("k_type"),
        app=bindparam("k_app"),
        subject=bindparam("k_subject"),
        status="open",
        resolved_at=None,
        **_VALUES,
    )
)
_SET: Prepared[Any] = Prepared(
    findings.update().where(_KEY).values(status="open", resolved_at=None, **_VALUES)
)
_DELETE: Prepared[Any] = Prepared(findings.delete().where(_KEY))
_OPEN: Prepared[Any] = Prepared(
    select(_c.subject).where(
        (_c.type == bindparam("type")) & (_c.app == bindparam("app")) & (_c.status == "open")
    )
)
_RESOLVE: Prepared[Any] = Prepared(
    findings.update()
    .where(_KEY & (_c.status == "open") & (_c.last_at <= bindparam("at")))
    .values(status="resolved", resolved_at=bindparam("at"))
)
