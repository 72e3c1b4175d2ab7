"""Deprovision tracking: requested by the IdP, confirmed by evidence, one per (app, person).

Requested at the earliest IdP removal after the person's last (re)activation, for apps where the
person has a known SP identity. Confirmed at the first applied removal of that identity at or
after the request: the SP's own log first; the IdP's provisioning record only for apps whose
SCIM log carries no bodies. Every step reads facts from the store, so records that arrive late
(IdP audit logs lag by minutes) give the same answer as records in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Row, exists, func, or_, select

from monitor.detect.findings import Findings
from monitor.detect.resources import Resources
from monitor.store.tables import deprovisions, idp_links, idp_people, scim_removals, sp_resources

__all__ = ["PERSON_TARGET", "Deprovisions", "person_key", "person_target"]

REMOVED_STATES = ("deactivate", "suspend", "delete")
PERSON_TARGET = "~"  # removal evidence about a person, where no SP id is known


def person_key(idp: str, user_id: str) -> str:
    return f"{idp}:{user_id}"


def person_target(person: str) -> str:
    return PERSON_TARGET + person


class Deprovisions:
    """Deprovision rows, inside the caller's transaction."""

    def __init__(self, conn: Connection, resources: Resources, findings: Findings) -> None:
        self.conn = conn
        self.resources = resources
        self.findings = findings
        self._bodies: set[str] = set()
        self.apps_of: Callable[[str, str], list[str]] = lambda idp, user_id: []
        self.on_confirmed: Callable[[str, str | None], None] = lambda app, user_key: None

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
        self,
        *,
        app: str,
        person: str,
        user_id: str | None,
        user_key: str | None,
        ts: float,
        user_name: str | None = None,
    ) -> None:
        identity = self.identity(app, user_id=user_id, user_key=user_key)
        if identity is not None:
            target: str | None = identity.sp_id
            user_name, user_key = identity.user_name, identity.user_key
        elif not self._has_bodies(app) and self._linked(person, app):
            # A log without bodies never shows the account; the IdP's own link stands in, and
            # only its provisioning records can confirm (contract section 5).
            target = None
        else:
            return  # no account there: nothing to remove
        where = (deprovisions.c.app == app) & (deprovisions.c.person == person)
        row = self.conn.execute(select(deprovisions).where(where)).first()
        values = {"sp_id": target, "user_name": user_name, "user_key": user_key, "requested_at": ts}
        if row is None:
            self.conn.execute(
                deprovisions.insert().values(app=app, person=person, confirmed_at=None, **values)
            )
        elif row.requested_at is not None and row.requested_at <= ts:
            if row.sp_id is None and target is not None:
                # Requested before the account was seen: it is known now, and its own log
                # (when it has bodies) is the evidence that counts.
                self.conn.execute(
                    deprovisions.update()
                    .where(where)
                    .values(sp_id=target, user_name=user_name, user_key=user_key)
                )
                self._confirm(app, person, target, row.requested_at)
            return  # already requested earlier in this cycle
        else:
            self.conn.execute(deprovisions.update().where(where).values(**values))
        self._confirm(app, person, target or person_target(person), ts)

    def _linked(self, person: str, app: str) -> bool:
        idp, _, user_id = person.partition(":")
        return (
            self.conn.execute(
                select(idp_links.c.app).where(
                    (idp_links.c.idp == idp)
                    & (idp_links.c.user_id == user_id)
                    & (idp_links.c.app == app)
                )
            ).first()
            is not None
        )

    def identity_appeared(self, app: str, row: Row[Any]) -> None:
        """An account first seen after its person was removed: the removal applies to it too."""
        clauses = []
        for user_id in {row.external_id, row.idp_user_id} - {None}:
            clauses.append(idp_people.c.user_id == user_id)
        for key in {row.user_key, row.email_key} - {None}:
            clauses.append(idp_people.c.user_key == key)
        if not clauses:
            return
        people = self.conn.execute(
            select(idp_people).where(or_(*clauses) & idp_people.c.state.in_(REMOVED_STATES))
        )
        for person in people:
            if person.activated_at is not None and person.state_at < person.activated_at:
                continue
            if app in self.apps_of(person.idp, person.user_id):
                self.request(
                    app=app,
                    person=person_key(person.idp, person.user_id),
                    user_id=person.user_id,
                    user_key=person.user_key,
                    ts=person.state_at,
                )

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
        match: Any
        if sp_id.startswith(PERSON_TARGET):
            match = deprovisions.c.sp_id.is_(None) & (
                deprovisions.c.person == sp_id[len(PERSON_TARGET) :]
            )
        else:
            match = deprovisions.c.sp_id == sp_id
        open_rows = self.conn.execute(
            select(deprovisions).where(
                (deprovisions.c.app == app) & match & (deprovisions.c.requested_at <= ts)
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
        user_key = self.conn.execute(select(deprovisions.c.user_key).where(where)).scalar()
        self.on_confirmed(app, user_key)
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
