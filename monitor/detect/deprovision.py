"""Deprovision tracking: requested by the IdP, confirmed by evidence, one per (app, person).

Requested at the earliest IdP removal after the person's last (re)activation, for apps where the
person has a known SP identity. Confirmed at the first applied removal of that identity at or
after the request: the SP's own log first; the IdP's provisioning record only for apps whose
SCIM log carries no bodies. Every step reads facts from the store, so records that arrive late
(IdP audit logs lag by minutes) give the same answer as records in order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from monitor.detect import _deprovision_sql as sql
from monitor.detect._deprovision_sql import REMOVED_STATES, PersonRow
from monitor.detect.deprovision_rows import DeprovisionRows
from monitor.detect.evidence import Evidence
from monitor.detect.findings import Findings
from monitor.detect.matching import Keys
from monitor.detect.no_removals import NoRemovals
from monitor.detect.resources import Resources, SpRow
from monitor.store.prepared import Db, Prepared

__all__ = [
    "PERSON_TARGET",
    "REMOVED_STATES",
    "Deprovisions",
    "PersonRow",
    "person_key",
    "person_target",
]

Changed = Callable[[str | None, Collection[str | None] | None], None]
PERSON_TARGET = "~"  # removal evidence about a person, where no SP id is known


def _removed_by(row: SpRow, at: float) -> bool:
    """Deleted, or seen disabled, at or before `at` (a row seen active again is not)."""
    if row.deleted_at is not None and row.deleted_at <= at:
        return True
    return row.active is False and row.disabled_at is not None and row.disabled_at <= at


def _identity_keys(user_id: str | None, user_key: str | None) -> Keys:
    """What links an IdP person to an account: the name, or the IdP id as externalId or as
    the id the IdP's provisioning record named."""
    return (user_key, None, user_id, user_id)


def person_key(idp: str, user_id: str) -> str:
    return f"{idp}:{user_id}"


def person_target(person: str) -> str:
    return PERSON_TARGET + person


class Deprovisions:
    """Deprovision rows, inside the caller's transaction."""

    def __init__(self, db: Db, resources: Resources, findings: Findings) -> None:
        self.db = db
        self.resources = resources
        self.findings = findings
        self.apps_of: Callable[[str, str], list[str]] = lambda idp, user_id: []
        self.on_confirmed: Callable[[str, str | None], None] = lambda app, user_key: None
        # For readers that cache confirmed times by (app, user_key): told the app and the keys
        # a change may have moved (None: it cannot say which).
        self.on_changed: Changed = lambda app, keys: None
        # For activity: a confirmed deprovision of (app, user_key) was ended by a (re)activation,
        # or an ended one got (earlier) confirmation: its window of force changed.
        self.on_ended: Callable[[str, str], None] = lambda app, user_key: None
        # For the same readers: a first confirmation of (app, user_key) at this time (it can
        # only lower the key's earliest confirmed time, so they need not read it again).
        self.on_first_confirmed: Callable[[str, str | None, float], None] = lambda *_: None
        self._cycle_apps: set[str] | None = None  # apps with ended deprovisions, read once
        self.rows = DeprovisionRows(db)  # every read and write of `deprovisions` goes here
        self.no_removals = NoRemovals(db)  # ids and keys that name no removal
        self.evidence = Evidence(db)  # removal evidence of the accounts asked about

    def prefetch(self, people: Iterable[str]) -> None:
        """The deprovision rows of these people, `IN_SIZE` per statement."""
        self.rows.prefetch_people(people)

    def _write(self, stmt: Prepared[Any], *, keys: Collection[str | None], **params: Any) -> bool:
        """Change the deprovision row of `k_app` and `k_person`; tell `on_changed` the user
        keys whose confirmed times may have moved (`keys`). Whether the row changed."""
        changed = self.rows.write(stmt, params)
        if changed and keys != ():
            self.on_changed(params["k_app"], keys)
        return changed

    def request_all(
        self,
        apps: Sequence[str],
        *,
        person: str,
        user_id: str | None,
        user_key: str | None,
        ts: float,
        user_name: str | None = None,
        linked: Collection[str] | None = None,
    ) -> None:
        """`request` in each of `apps` (an IdP removal asks every app the IdP provisions):
        the person's accounts in all of them are read with one statement, and an app where
        the person has none is skipped unless its log shows no accounts at all. `linked`,
        when the caller knows them, are the apps the IdP links the person to."""
        found = self.resources.matching_in(apps, _identity_keys(user_id, user_key))
        for app in apps:
            if found[app] or not self._has_bodies(app):
                self.request(
                    app=app,
                    person=person,
                    user_id=user_id,
                    user_key=user_key,
                    ts=ts,
                    user_name=user_name,
                    linked=None if linked is None else app in linked,
                )

    def identity(self, app: str, *, user_id: str | None, user_key: str | None) -> SpRow | None:
        """The SP identity the IdP provisioned for a person: linked by ids, else by name."""
        rows = self.resources.match(app, _identity_keys(user_id, user_key))
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
        linked: bool | None = None,
    ) -> None:
        """A removal of `person` the IdP asked for in `app` (`linked`: whether the IdP links
        the person to the app, when the caller knows it)."""
        identity = self.identity(app, user_id=user_id, user_key=user_key)
        if identity is not None:
            target: str | None = identity.sp_id
            user_name, user_key = identity.user_name, identity.user_key
        elif not self._has_bodies(app) and (
            self._linked(person, app) if linked is None else linked
        ):
            # A log without bodies never shows the account; the IdP's own link stands in, and
            # only its provisioning records can confirm (contract section 5).
            target = None
        else:
            return  # no account there: nothing to remove
        key = {"k_app": app, "k_person": person}
        row = self.rows.get(app, person)
        values = {"sp_id": target, "user_name": user_name, "user_key": user_key}
        if row is None:  # a new row has no confirmed time yet: no reader's cache moves
            self._write(sql.INSERT, keys=(), **key, **values, requested_at=ts)
        elif row.requested_at is not None and row.requested_at <= ts:
            if target is not None and (
                row.sp_id is None or self._outdated(app, row.sp_id, target, row.requested_at)
            ):
                # Requested before the account was seen (or before the SCIM log showed that the
                # account first chosen was already gone): the account is known now, and its own
                # log (when it has bodies) is the evidence that counts.
                self._write(sql.SET_TARGET, keys=(row.user_key, user_key), **key, **values)
                self._confirm(app, person, target, row.requested_at, (row.confirmed_at, user_key))
            return  # already requested earlier in this cycle
        else:
            self._write(
                sql.SET_REQUEST, keys=(row.user_key, user_key), **key, **values, requested_at=ts
            )
        confirmed = row.confirmed_at if row is not None else None  # the writes kept it
        self._confirm(app, person, target or person_target(person), ts, (confirmed, user_key))

    def _outdated(self, app: str, chosen: str, better: str, requested_at: float) -> bool:
        """Whether a request should move from the account `chosen` to `better`: `chosen` was
        already removed when the IdP asked, and `better` existed then and was not. A replay
        in event-time order sees both facts before the request and picks `better` at once; a
        daemon may read the IdP's request before the SCIM log that shows them."""
        if better == chosen:
            return False
        old, new = self.resources.get(app, chosen), self.resources.get(app, better)
        return (
            old is not None
            and new is not None
            and _removed_by(old, requested_at)
            and new.first_seen <= requested_at
            and not _removed_by(new, requested_at)
        )

    def _linked(self, person: str, app: str) -> bool:
        idp, _, user_id = person.partition(":")
        return self.db.first(sql.LINKED, idp=idp, user_id=user_id, app=app) is not None

    def identity_appeared(self, app: str, row: SpRow) -> None:
        """An account first seen after its person was removed: the removal applies to it too."""
        user_ids = list({u for u in (row.external_id, row.idp_user_id) if u is not None})
        keys = list({k for k in (row.user_key, row.email_key) if k is not None})
        if self.no_removals.none_for(user_ids, keys):
            return  # also when there are neither
        params = {f"u{i}": v for i, v in enumerate(user_ids)}
        params.update({f"k{i}": v for i, v in enumerate(keys)})
        removals = self.db.rows(sql.removals_of(len(user_ids), len(keys)), **params)
        for one in sorted(removals, key=_stable):  # whichever indexes answered
            if one.ended_at is not None:
                if row.first_seen < one.ended_at and app in self.apps_of(one.idp, one.user_id):
                    self._ended_request(app, row.sp_id, one, one.ended_at)
                continue
            if one.activated_at is not None and one.removed_at < one.activated_at:
                continue
            if app in self.apps_of(one.idp, one.user_id):
                self.request(
                    app=app,
                    person=person_key(one.idp, one.user_id),
                    user_id=one.user_id,
                    user_key=one.user_key,
                    ts=one.removed_at,
                )

    def _ended_request(self, app: str, sp_id: str, ended: sql.Removal, end: float) -> None:
        """An account seen only now existed during a removal a (re)activation has since ended:
        that removal asked for it (the deprovision is kept as ended, its target this account),
        and removal evidence from back then confirms it."""
        person = person_key(ended.idp, ended.user_id)
        cycle: dict[str, Any] = {"app": app, "person": person, "requested_at": ended.removed_at}
        known = self.db.first(sql.CYCLE_TARGET, **cycle)
        if known is None:
            values = {"sp_id": sp_id, "user_key": ended.user_key, "confirmed_at": None}
            self.db.run(sql.ADD_CYCLE, **cycle, **values, ended_at=end)
            self._cycle_apps_now().add(app)
        elif known[0] is None:
            self.db.run(sql.SET_CYCLE_TARGET, **cycle, sp_id=sp_id)
        else:
            return  # that cycle already has its account
        first = self.evidence.first(app, sp_id, ended.removed_at, self._sources(app))
        if first is not None and first < end:
            self.db.run(sql.CONFIRM_CYCLES, app=app, sp_id=sp_id, ts=first)
            if ended.user_key:
                self.on_ended(app, ended.user_key)

    def reset(self, *, person: str, ts: float) -> None:
        """A (re)activation starts a new cycle: earlier requests no longer apply. They are
        kept as ended (`deprovision_cycles`), so activity between a confirmation and the
        (re)activation still counts, and activity after it never does, in any arrival order."""
        if self.rows.none_of(person):
            return  # read up front: no row to delete (most starts are of people never removed)
        ended = self.rows.ending(person, ts)
        if ended:
            cycles = [{**_cycle(row), "ended_at": ts} for row in ended]
            self.db.run_many(sql.ADD_CYCLE, cycles)
            self._cycle_apps_now().update(row.app for row in ended)
        if self.rows.reset(person, ts, ended):
            self.on_changed(None, None)
        for row in ended:
            if row.user_key and row.confirmed_at is not None:
                self.on_ended(row.app, row.user_key)

    def removal(self, *, app: str, sp_id: str, ts: float, applied: bool, source: str) -> None:
        """Record removal evidence and confirm the deprovisions it answers."""
        self.evidence.record(app, sp_id, ts, source, applied)
        if sp_id.startswith(PERSON_TARGET):
            person = sp_id[len(PERSON_TARGET) :]
            open_rows = self.rows.open_of_person(app, person, ts)
        else:
            open_rows = self.rows.open_of_account(app, sp_id, ts)
        for row in open_rows:
            assert row.requested_at is not None  # the query compared it with `ts`
            self._confirm(
                app, row.person, sp_id, row.requested_at, (row.confirmed_at, row.user_key)
            )
        if applied and not sp_id.startswith(PERSON_TARGET):
            self._confirm_ended(app, sp_id, ts, source)

    def _confirm_ended(self, app: str, sp_id: str, ts: float, source: str) -> None:
        """A removal inside a deprovision a (re)activation has since ended confirms it (when
        this evidence counts for the app), as it would have before the (re)activation."""
        if app not in self._cycle_apps_now() or (source != "scim" and self._has_bodies(app)):
            return
        if self.db.run(sql.CONFIRM_CYCLES, app=app, sp_id=sp_id, ts=ts):
            for user_key in self.db.scalars(sql.CYCLE_KEYS, app=app, sp_id=sp_id, ts=ts):
                self.on_ended(app, user_key)

    def has_cycles(self, app: str) -> bool:
        """Whether `app` has any deprovision a (re)activation ended (most apps have none)."""
        return app in self._cycle_apps_now()

    def _cycle_apps_now(self) -> set[str]:
        if self._cycle_apps is None:
            self._cycle_apps = set(self.db.scalars(sql.CYCLE_APPS))
        return self._cycle_apps

    def _confirm(
        self,
        app: str,
        person: str,
        sp_id: str,
        requested_at: float,
        state: tuple[float | None, str | None],
    ) -> None:
        """Set the deprovision's confirmed time to the first removal evidence since it was
        requested; `state`: its confirmed time and user key as they stand (the caller has
        just read or written the row)."""
        first = self.evidence.first(app, sp_id, requested_at, self._sources(app))
        key = {"k_app": app, "k_person": person}
        before, user_key = state
        if before == first:
            return
        if before is None and first is not None:  # a first confirmation: tell its time
            if self._write(sql.SET_CONFIRMED, keys=(), **key, confirmed_at=first):
                self.on_first_confirmed(app, user_key, first)
        else:
            self._write(sql.SET_CONFIRMED, keys=(user_key,), **key, confirmed_at=first)
        self.on_confirmed(app, user_key)
        if first is not None and before is None:
            self.findings.outcomes.confirmed.append((app, first - requested_at))
            if sp_id in self.findings.open_subjects(_NOT_APPLIED, app):
                self.findings.resolve(type=_NOT_APPLIED, app=app, subject=sp_id, at=first)

    def _sources(self, app: str) -> tuple[str, ...]:
        """The evidence that confirms in an app: its own log's, when it shows bodies."""
        return ("scim",) if self._has_bodies(app) else ("scim", "idp")

    def _has_bodies(self, app: str) -> bool:
        """Whether the app's SCIM log shows bodies: then only its own evidence confirms."""
        return self.resources.has_bodies(app)


_NOT_APPLIED = "deprovision_not_applied"


def _cycle(row: sql.DeprovisionRow) -> dict[str, Any]:
    """A deprovision row's columns that an ended cycle keeps."""
    return {name: getattr(row, name) for name in sql.CYCLE_COLUMNS if name != "ended_at"}


def _stable(one: sql.Removal) -> tuple[str, str, float, float]:
    return one.idp, one.user_id, one.removed_at, one.ended_at or 0.0
