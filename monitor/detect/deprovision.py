"""Deprovision tracking: requested by the IdP, confirmed by evidence, one per (app, person).

Requested at the earliest IdP removal after the person's last (re)activation, for apps where the
person has a known SP identity. Confirmed at the first applied removal of that identity at or
after the request: the SP's own log first; the IdP's provisioning record only for apps whose
SCIM log carries no bodies. Every step reads facts from the store, so records that arrive late
(IdP audit logs lag by minutes) give the same answer as records in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, exists, func, select

from monitor.detect.findings import Findings
from monitor.detect.resources import Resources
from monitor.store.tables import deprovisions, scim_removals, sp_resources

__all__ = ["Deprovisions", "person_key"]


def person_key(idp: str, user_id: str) -> str:
    return f"{idp}:{user_id}"


class Deprovisions:
    """Deprovision rows, inside the caller's transaction."""

    def __init__(self, conn: Connection, resources: Resources, findings: Findings) -> None:
        self.conn = conn
        self.resources = resources
        self.findings = findings
        self._bodies: set[str] = set()

    def identity(self, app: str, *, user_id: str | None, user_key: str | None) -> Row[Any] | None:
        """The SP identity the IdP provisioned for a person: linked by ids, else by name."""
        rows = self.resources.matching(
            app, user_key=user_key, external_id=user_id, idp_user_id=user_id
        )
        linked = [r for r in rows if user_id and user_id in (r.external_id, r.idp_user_id)]
        pool = linked or rows
        if not pool:
            return None
        return max(
            pool,
            key=lambda r: (
                r.deleted_at is None,
                r.active is not False,
                r.created_at is not None,
                r.first_seen,
            ),
        )

    def request(
        self, *, app: str, person: str, user_id: str | None, user_key: str | None, ts: float
    ) -> None:
        identity = self.identity(app, user_id=user_id, user_key=user_key)
        if identity is None:
            return  # no account there: nothing to remove
        where = (deprovisions.c.app == app) & (deprovisions.c.person == person)
        row = self.conn.execute(select(deprovisions).where(where)).first()
        if row is None:
            self.conn.execute(
                deprovisions.insert().values(
                    app=app,
                    person=person,
                    sp_id=identity.sp_id,
                    user_name=identity.user_name,
                    user_key=identity.user_key,
                    requested_at=ts,
                    confirmed_at=None,
                )
            )
        elif row.requested_at is not None and row.requested_at <= ts:
            return  # already requested earlier in this cycle
        else:
            self.conn.execute(
                deprovisions.update()
                .where(where)
                .values(
                    requested_at=ts,
                    sp_id=identity.sp_id,
                    user_name=identity.user_name,
                    user_key=identity.user_key,
                )
            )
        self._confirm(app, person, identity.sp_id, ts)

    def reset(self, *, person: str, ts: float) -> None:
        """A (re)activation starts a new cycle: earlier requests no longer apply."""
        self.conn.execute(
            deprovisions.delete().where(
                (deprovisions.c.person == person) & (deprovisions.c.requested_at < ts)
            )
        )

    def removal(self, *, app: str, sp_id: str, ts: float, applied: bool, source: str) -> None:
        """Record removal evidence and confirm the deprovisions it answers."""
        key = (
            (scim_removals.c.app == app)
            & (scim_removals.c.sp_id == sp_id)
            & (scim_removals.c.ts == ts)
            & (scim_removals.c.source == source)
        )
        if self.conn.execute(select(scim_removals.c.ts).where(key)).first() is None:
            self.conn.execute(
                scim_removals.insert().values(
                    app=app, sp_id=sp_id, ts=ts, applied=applied, source=source
                )
            )
        else:
            self.conn.execute(scim_removals.update().where(key).values(applied=applied))
        open_rows = self.conn.execute(
            select(deprovisions).where(
                (deprovisions.c.app == app)
                & (deprovisions.c.sp_id == sp_id)
                & (deprovisions.c.requested_at <= ts)
            )
        )
        for row in open_rows:
            self._confirm(app, row.person, sp_id, row.requested_at)

    def _confirm(self, app: str, person: str, sp_id: str, requested_at: float) -> None:
        sources = ("scim",) if self._has_bodies(app) else ("scim", "idp")
        first = self.conn.execute(
            select(func.min(scim_removals.c.ts)).where(
                (scim_removals.c.app == app)
                & (scim_removals.c.sp_id == sp_id)
                & (scim_removals.c.ts >= requested_at)
                & scim_removals.c.applied.is_(True)
                & scim_removals.c.source.in_(sources)
            )
        ).scalar_one_or_none()
        where = (deprovisions.c.app == app) & (deprovisions.c.person == person)
        before = self.conn.execute(select(deprovisions.c.confirmed_at).where(where)).scalar()
        if before == first:
            return
        self.conn.execute(deprovisions.update().where(where).values(confirmed_at=first))
        if first is not None and before is None:
            self.findings.outcomes.confirmed.append((app, first - requested_at))
            self.findings.resolve(type="deprovision_not_applied", app=app, subject=sp_id, at=first)

    def _has_bodies(self, app: str) -> bool:
        """Whether the app's SCIM log shows bodies: then only its own evidence confirms."""
        if app in self._bodies:
            return True
        found = self.conn.execute(
            select(
                exists().where(
                    (sp_resources.c.app == app) & sp_resources.c.representation.is_not(None)
                )
            )
        ).scalar()
        if found:
            self._bodies.add(app)
        return bool(found)
