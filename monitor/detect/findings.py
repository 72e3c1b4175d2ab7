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
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, select

from monitor.detect.held import HeldRows, held_params, update_columns
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import findings

__all__ = ["FindingRow", "Findings", "Merge", "Outcomes"]

Merge = Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]


def _keep(old: dict[str, Any], _new: Mapping[str, Any]) -> dict[str, Any]:
    return old


@dataclass(slots=True)
class Outcomes:
    """What one batch's detections changed: newly opened findings and confirmed deprovisions."""

    opened: Counter[tuple[str, str]] = field(default_factory=Counter)  # (app, type)
    confirmed: list[tuple[str, float]] = field(default_factory=list)  # (app, lag seconds)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One `findings` row, in column order (a dataclass: a NamedTuple cannot have `count`)."""

    type: str
    app: str
    subject: str
    fields: str
    first_at: float
    last_at: float
    count: int
    status: str
    resolved_at: float | None


Key = tuple[str, str, str]  # (type, app or "", subject)


class Findings:
    """Finding rows, inside the caller's transaction. A row read or written is kept for the
    transaction (every write of the table in a batch goes through here), and inserts and
    updates are held back and written in bulk (`monitor.detect.held`): a finding raised again
    and again in a batch (an Entra quirk on every retry) is read once and written once."""

    def __init__(self, db: Db, outcomes: Outcomes) -> None:
        self.db = db
        self.outcomes = outcomes
        # (type, app) -> subjects that may be open: read once, then added to (`open_subjects`)
        self._open: dict[tuple[str, str], set[str]] = {}
        self._rows: dict[Key, FindingRow | None] = {}
        self._held = HeldRows(db, "findings", self._rows.__getitem__, _INSERT, _update, _params)

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

    def flush(self) -> None:
        """Write the inserts and updates held back (before the commit)."""
        self._held.write()

    def _opened(self, type: str, app: str | None, subject: str) -> None:
        found = self._open.get((type, app or ""))
        if found is not None:
            found.add(subject)

    def _row(self, key: Key) -> FindingRow | None:
        if key in self._rows:
            return self._rows[key]
        found = self.db.first(_GET, k_type=key[0], k_app=key[1], k_subject=key[2])
        row = self._rows[key] = FindingRow(*found) if found is not None else None
        return row

    def _insert(self, key: Key, fields: Mapping[str, Any], first_at: float, **values: Any) -> None:
        text = json.dumps(dict(fields), sort_keys=True)
        self._rows[key] = FindingRow(
            *key, text, first_at, status="open", resolved_at=None, **values
        )
        self._held.inserted(key)
        self.outcomes.opened[(key[1], key[0])] += 1

    def _update(self, key: Key, row: FindingRow, **values: Any) -> None:
        self._rows[key] = replace(row, **values)
        self._held.updated(key, values)

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
        key = (type, app or "", subject)
        self._opened(type, app, subject)
        row = self._row(key)
        if row is None:
            self._insert(key, fields, at, last_at=at, count=1)
            return
        merged = merge(json.loads(row.fields), fields)
        self._update(
            key,
            row,
            fields=json.dumps(merged, sort_keys=True),
            first_at=min(row.first_at, at),
            last_at=max(row.last_at, at),
            count=row.count + 1,
            **_OPEN_AGAIN,
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
        key = (type, app or "", subject)
        self._opened(type, app, subject)
        row = self._row(key)
        if row is None:
            self._insert(key, fields, first_at, last_at=last_at, count=count)
            return
        text = json.dumps(dict(fields), sort_keys=True)
        values = {"fields": text, "first_at": first_at, "last_at": last_at, "count": count}
        self._update(key, row, **values, **_OPEN_AGAIN)

    def withdraw(self, *, type: str, app: str | None, subject: str) -> None:
        """The facts no longer show the finding at all (a recomputed one whose evidence turned
        out to lie outside its window): it goes, as if it had never been raised."""
        self.db.run(_DELETE, k_type=type, k_app=app or "", k_subject=subject)  # after the held
        self._rows[(type, app or "", subject)] = None

    def resolve(self, *, type: str, app: str | None, subject: str, at: float) -> None:
        """The subject was mended; evidence older than `at` no longer keeps it open."""
        key = (type, app or "", subject)
        if key not in self._rows:  # not read in this transaction: the table decides
            self.db.run(_RESOLVE, k_type=type, k_app=app or "", k_subject=subject, at=at)
            return
        row = self._rows[key]
        if row is not None and row.status == "open" and row.last_at <= at:
            self._update(key, row, status="resolved", resolved_at=at)


_OPEN_AGAIN: dict[str, Any] = {"status": "open", "resolved_at": None}


_c = findings.c
_KEY = (
    (_c.type == bindparam("k_type"))
    & (_c.app == bindparam("k_app"))
    & (_c.subject == bindparam("k_subject"))
)
_GET: Prepared[Any] = Prepared(select(findings).where(_KEY), by_key=True)  # not held
_COLUMNS = ("fields", "first_at", "last_at", "count", "status", "resolved_at")
_INSERT: Prepared[Any] = Prepared(
    findings.insert().values(
        type=bindparam("k_type"),
        app=bindparam("k_app"),
        subject=bindparam("k_subject"),
        **{name: bindparam(name) for name in _COLUMNS},
    )
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


def _update(columns: tuple[str, ...]) -> Prepared[Any]:
    return update_columns(findings, _KEY, columns)


def _params(row: FindingRow | None, columns: tuple[str, ...] | None) -> dict[str, Any]:
    """A held finding's parameters: for the insert (columns None) or for an update."""
    assert row is not None  # held rows stay in memory until written
    key = {"k_type": row.type, "k_app": row.app, "k_subject": row.subject}
    return held_params(key, row, columns, _COLUMNS)
