"""Removal evidence per account, read once per batch and written in bulk.

A deprovision is confirmed by the first removal evidence for its account since it was
requested (a SCIM DELETE or disable, or the IdP's own provisioning record when the app's log
has no bodies). Each removal recorded its evidence with one statement and each confirmation
asked for the earliest evidence with another: two round trips per removal. An account has
little evidence, so all of it is read at once (the batch's removals up front, `IN_SIZE`
accounts per statement; any other account when it is first asked about), answered from memory
from then on, and the evidence the batch records is held back (`Db.hold`) and written with
one `executemany`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import bindparam, select

from monitor.detect._deprovision_sql import RECORD_REMOVAL
from monitor.detect.prefetch import by_pairs, read_pairs
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import scim_removals

__all__ = ["Evidence"]

Account = tuple[str, str]  # (app, sp_id)
Found = dict[tuple[float, str], bool]  # (ts, source) -> applied


class Evidence:
    """The removal evidence (`scim_removals`) of the accounts asked about in this batch."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._found: dict[Account, Found] = {}  # every row of each account read
        self._held: dict[tuple[str, str, float, str], bool] = {}

    def prefetch(self, accounts: Iterable[Account]) -> None:
        """Read all evidence of these accounts now, `IN_SIZE` accounts per statement."""
        wanted = (account for account in accounts if account not in self._found)
        for account, rows in read_pairs(self.db, _OF_MANY, wanted, _account):
            self._found[account] = {(row[2], row[3]): bool(row[4]) for row in rows}

    def record(self, app: str, sp_id: str, ts: float, source: str, applied: bool) -> None:
        """Evidence seen (again: its `applied` flag is replaced), written at `write`."""
        self._of(app, sp_id)[(ts, source)] = applied
        if not self._held:
            self.db.hold(scim_removals.name, self.write)
        self._held[(app, sp_id, ts, source)] = applied

    def first(self, app: str, sp_id: str, since: float, sources: Collection[str]) -> float | None:
        """The earliest applied evidence from `sources` at or after `since`."""
        found = [
            ts
            for (ts, source), applied in self._of(app, sp_id).items()
            if applied and ts >= since and source in sources
        ]
        return min(found, default=None)

    def write(self) -> None:
        """Write the evidence held back, in key order (before the commit)."""
        self.db.release(scim_removals.name)
        held, self._held = self._held, {}
        if held:
            rows = [
                {"k_app": a, "k_sp_id": s, "k_ts": t, "k_source": src, "applied": applied}
                for (a, s, t, src), applied in sorted(held.items())
            ]
            self.db.run_many(RECORD_REMOVAL[self.db.dialect.name], rows)

    def _of(self, app: str, sp_id: str) -> Found:
        found = self._found.get((app, sp_id))
        if found is None:
            rows = self.db.rows(_OF_ONE, app=app, sp_id=sp_id)
            found = self._found[(app, sp_id)] = {(r[1], r[2]): bool(r[3]) for r in rows}
        return found


_r = scim_removals.c
_COLUMNS = (_r.sp_id, _r.ts, _r.source, _r.applied)
_OF_ONE: Prepared[Any] = Prepared(
    select(*_COLUMNS).where((_r.app == bindparam("app")) & (_r.sp_id == bindparam("sp_id")))
)
_OF_MANY: Prepared[Any] = Prepared(by_pairs(scim_removals, _r.app, _r.sp_id, _r.app, *_COLUMNS))


def _account(row: Any) -> tuple[str, str]:
    return str(row[0]), str(row[1])
