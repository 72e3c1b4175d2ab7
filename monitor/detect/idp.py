"""What IdP audit records teach: who exists, who was removed when, where they were provisioned,
and who kept signing in after the IdP removed them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from monitor.detect._deprovision_sql import ADD_IDP_REMOVAL as _ADD_IDP_REMOVAL
from monitor.detect._idp_sql import (
    ADD_LINK,
    ADD_PERSON,
    APPS_OF,
    LINK,
    LINKS_MANY,
    PEOPLE_MANY,
    PERSON,
    SEEN_MANY,
    SEEN_PG,
    SEEN_SQLITE,
    SP_ID,
    LinkRow,
    link_params,
    link_update,
    person_params,
    person_update,
    row_user_id,
)
from monitor.detect.activity import ActivityDetector
from monitor.detect.deprovision import (
    REMOVED_STATES,
    Deprovisions,
    PersonRow,
    person_key,
    person_target,
)
from monitor.detect.findings import Findings
from monitor.detect.held import HeldRows
from monitor.detect.idp_windows import IdpWindows
from monitor.detect.keys import normalize_key
from monitor.detect.prefetch import by_scope, in_parts, read_rows
from monitor.detect.resources import Resources, SpRow
from monitor.events import Idp, IdpAction, IdpEvent
from monitor.store.prepared import Db, Prepared

__all__ = ["REMOVAL_OPERATIONS", "REMOVE_ACTIONS", "AppIndex", "IdpDetector"]

REMOVE_ACTIONS = frozenset({IdpAction.DEACTIVATE, IdpAction.SUSPEND, IdpAction.DELETE})
_START = frozenset({IdpAction.CREATE, IdpAction.ACTIVATE})
_REQUESTS_ROWS = _START | REMOVE_ACTIONS | {IdpAction.UNASSIGN}
REMOVAL_OPERATIONS = frozenset({"disable", "delete", "deactivate", "deprovision", "stageddelete"})


class AppIndex:
    """Maps an IdP's id for an app (Okta app id, Entra servicePrincipal id, Google app name)
    to the configured app, and lists the apps each IdP provisions."""

    def __init__(self, refs: Mapping[tuple[str, str], str], by_idp: Mapping[str, Iterable[str]]):
        self._refs = dict(refs)
        self._by_idp = {idp: tuple(apps) for idp, apps in by_idp.items()}

    def app(self, idp: str, ref: str | None) -> str | None:
        return self._refs.get((idp, ref.casefold())) if ref else None

    def apps_of(self, idp: str) -> tuple[str, ...]:
        return self._by_idp.get(idp, ())


class IdpDetector:
    """Handles one normalized IdP fact inside the batch transaction."""

    def __init__(
        self, resources: Resources, deprovisions: Deprovisions, apps: AppIndex, findings: Findings
    ) -> None:
        self.db: Db = resources.db
        self.resources = resources
        self.findings = findings
        self.activity: ActivityDetector | None = None
        self.windows: IdpWindows | None = None  # told of every person and ended removal written
        self.deprovisions = deprovisions
        self.apps = apps
        # Rows read or written in this transaction (all writes to both tables go through here).
        self._people: dict[tuple[str, str], PersonRow | None] = {}
        self._links: dict[tuple[str, str, str], LinkRow | None] = {}
        # People whose links were all read up front: (idp, user_id) -> the apps linked
        self._linked: dict[tuple[str, str], set[str]] = {}
        # Dedupe keys read up front (`prefetch`): those asked for, those already stored (or
        # seen earlier in the batch), and the new ones, inserted at the end of the batch.
        self._asked: set[str] = set()
        self._known: set[str] = set()
        self._unwritten: list[dict[str, Any]] = []
        # Inserts and updates of both tables, written in bulk (`monitor.detect.held`)
        people, links = self._people.__getitem__, self._links.__getitem__
        self._held_people = HeldRows(
            self.db, "idp_people", people, ADD_PERSON, person_update, person_params
        )
        self._held_links = HeldRows(self.db, "idp_links", links, ADD_LINK, link_update, link_params)

    def prefetch(self, events: Iterable[IdpEvent]) -> None:
        """Read the batch's dedupe keys and people up front (`monitor.detect.prefetch`)."""
        wanted = [e for e in events if e.user_id and e.success is not False]
        for part, params in in_parts(self.db, (e.key for e in wanted if e.key not in self._asked)):
            self._known.update(self.db.scalars(SEEN_MANY, **params))
            self._asked.update(part)
        asking = (e for e in wanted if e.action in _REQUESTS_ROWS)  # reset or request
        self.deprovisions.prefetch(person_key(str(e.idp), str(e.user_id)) for e in asking)
        people = ((str(e.idp), str(e.user_id)) for e in wanted)
        for idp, user_ids in by_scope(people, self._people).items():
            for user_id, row in read_rows(self.db, PEOPLE_MANY, user_ids, row_user_id, idp=idp):
                self._people.setdefault((idp, user_id), row)
            self._prefetch_links(idp, user_ids)

    def _prefetch_links(self, idp: str, user_ids: Iterable[str]) -> None:
        for part, params in in_parts(
            self.db, (u for u in user_ids if (idp, u) not in self._linked)
        ):
            for user_id in part:
                self._linked[(idp, user_id)] = set()
            for link in self.db.rows(LINKS_MANY, idp=idp, **params):
                self._links.setdefault((idp, link.user_id, link.app), link)
                self._linked[(idp, link.user_id)].add(link.app)

    def window_keys(self, events: Iterable[IdpEvent]) -> Iterator[str]:
        """The user keys whose IdP removal windows the events will ask (`IdpWindows`): the
        removed person's, the session's, the person's a (re)activation may end a removal of.
        Read after `prefetch`, so the people are known."""
        for event in events:
            if not event.user_id or event.success is False:
                continue
            person = self._people.get((str(event.idp), str(event.user_id)))
            if event.action is IdpAction.SESSION:
                key = _session_key(person, event)
            elif event.action in REMOVE_ACTIONS:
                key = normalize_key(event.user_name)
            else:
                key = person.user_key if event.action in _START and person is not None else None
            if key is not None:
                yield key

    def flush(self) -> None:
        """Write the people and links held back and insert the new dedupe keys of the batch
        (before the commit)."""
        self._held_people.write()
        self._held_links.write()
        if self._unwritten:
            self.db.run_many(self._seen_insert(), self._unwritten)
            self._unwritten = []

    def handle(self, event: IdpEvent, source: str) -> None:
        if not event.user_id or event.success is False or self._seen(event):
            return
        idp, action = str(event.idp), event.action
        app = self.apps.app(idp, event.app_ref)
        if action in _START:
            self._started(event)
        elif action in REMOVE_ACTIONS:
            self._removed(event)
        elif action is IdpAction.ASSIGN and app:
            self._link(idp, event.user_id, app, event.ts)
        elif action is IdpAction.UNASSIGN and app:
            self._unassigned(event, app)
        elif action is IdpAction.PROVISION and app:
            self._provisioned(event, app)
        elif action is IdpAction.SESSION:
            self._session(event, source)

    def _seen(self, event: IdpEvent) -> bool:
        """Record the key; True when it was already there (a duplicate or overlap re-read).
        Keys read up front are answered from memory and written at `flush`."""
        key = event.key
        if key in self._asked:
            if key in self._known:
                return True
            self._known.add(key)
            self._unwritten.append({"key": key, "ts": event.ts})
            return False
        return self.db.run(self._seen_insert(), key=key, ts=event.ts) == 0

    def _seen_insert(self) -> Prepared[Any]:
        return SEEN_PG if self.db.dialect.name == "postgresql" else SEEN_SQLITE

    def _person(self, idp: str, user_id: str) -> PersonRow | None:
        key = (idp, user_id)
        if key in self._people:
            return self._people[key]
        row = self._people[key] = self.db.first(PERSON, k_idp=idp, k_user_id=user_id)
        return row

    def _set_person(self, event: IdpEvent, state: str) -> PersonRow | None:
        idp, user_id = str(event.idp), str(event.user_id)
        before = self._person(idp, user_id)
        activated = event.ts if state == "active" else None
        values: dict[str, Any] = {
            "user_key": normalize_key(event.user_name),
            "state": state,
            "state_at": event.ts,
        }
        key = (idp, user_id)
        if before is None:
            self._people[key] = PersonRow(idp, user_id, activated_at=activated, **values)
            self._held_people.inserted(key)
        elif event.ts >= before.state_at:
            if activated is not None:
                values["activated_at"] = max(activated, before.activated_at or activated)
            elif before.state in REMOVED_STATES:
                values["state_at"] = before.state_at  # removed since then: keep the earliest
            if before.user_key and not values["user_key"]:
                values["user_key"] = before.user_key
            self._people[key] = before._replace(**values)
            self._held_people.updated(key, values)
        if self.windows is not None and (before is None or event.ts >= before.state_at):
            was = before.user_key if before is not None else None
            self.windows.person(key, was, values["user_key"], state, values["state_at"])
        if state in REMOVED_STATES:  # the person's ids and keys name a removal now
            self.deprovisions.no_removals.written(user_id, values["user_key"])
        return before

    def _started(self, event: IdpEvent) -> None:
        before = self._set_person(event, "active")
        if before is not None and before.state in REMOVED_STATES and before.state_at < event.ts:
            self._removal_ended(before, event.ts)
        self.deprovisions.reset(person=person_key(str(event.idp), str(event.user_id)), ts=event.ts)

    def _removal_ended(self, person: PersonRow, ts: float) -> None:
        """Keep the removal this (re)activation ends: accounts and sessions read later are
        judged against it as if they had arrived in time (`idp_removals`)."""
        ended = {"idp": person.idp, "user_id": person.user_id, "user_key": person.user_key}
        self.db.run(_ADD_IDP_REMOVAL, **ended, removed_at=person.state_at, ended_at=ts)
        if self.windows is not None:
            self.windows.ended(person.user_key, person.state_at, ts)
        self.deprovisions.no_removals.written(person.user_id, person.user_key)
        if self.activity is not None and person.user_key:
            self.activity.after_idp_removal(person.user_key, ended=True)

    def _removed(self, event: IdpEvent) -> None:
        before = self._set_person(event, str(event.action))
        if before is not None and before.activated_at and event.ts < before.activated_at:
            return  # a removal from an earlier cycle, arriving late
        idp, user_id = str(event.idp), str(event.user_id)
        linked = frozenset(self._linked_apps(idp, user_id))
        self._request(event, self._with_idp_apps(idp, linked), linked=linked)
        if self.activity is not None:
            self.activity.after_idp_removal(normalize_key(event.user_name))

    def apps_of_person(self, idp: str, user_id: str) -> list[str]:
        return self._with_idp_apps(idp, self._linked_apps(idp, user_id))

    def _with_idp_apps(self, idp: str, linked: Collection[str]) -> list[str]:
        """The linked apps and every app the IdP provisions, in a stable order."""
        return sorted({*linked, *self.apps.apps_of(idp)})

    def _linked_apps(self, idp: str, user_id: str) -> set[str]:
        linked = self._linked.get((idp, user_id))
        if linked is None:
            linked = set(self.db.scalars(APPS_OF, idp=idp, user_id=user_id))
        return linked

    def _request(
        self, event: IdpEvent, apps: Sequence[str], linked: Collection[str] | None = None
    ) -> None:
        self.deprovisions.request_all(
            apps,
            linked=linked,
            person=person_key(str(event.idp), str(event.user_id)),
            user_id=event.user_id,
            user_key=normalize_key(event.user_name),
            ts=event.ts,
            user_name=event.user_name,
        )

    def _link(
        self,
        idp: str,
        user_id: str,
        app: str,
        ts: float,
        sp_id: str | None = None,
        user_name: str | None = None,
    ) -> None:
        key = {"k_idp": idp, "k_user_id": user_id, "k_app": app}
        cached = (idp, user_id, app)
        if cached in self._links:
            row = self._links[cached]
        elif (idp, user_id) in self._linked:  # all the person's links were read up front
            row = None
        else:
            row = self.db.first(LINK, **key)
        if row is None:
            row = self._links[cached] = LinkRow(idp, user_id, app, sp_id, ts, None)
            self._held_links.inserted(cached)
            if (idp, user_id) in self._linked:
                self._linked[(idp, user_id)].add(app)
        elif sp_id and row.sp_id != sp_id:
            row = self._links[cached] = row._replace(sp_id=sp_id)
            self._held_links.updated(cached, SP_ID)
        self._links[cached] = row
        if sp_id:
            self._link_identity(app, sp_id, user_id, user_name, ts)

    def _link_identity(
        self, app: str, sp_id: str, user_id: str, user_name: str | None, ts: float
    ) -> None:
        """The IdP names the SP id it provisioned: the only link a log without bodies gives."""
        known = self.resources.get(app, sp_id)
        if known is not None and known.idp_user_id == user_id:
            return
        if known is None:
            fresh = SpRow(
                app=app,
                sp_id=sp_id,
                resource_type="User",
                user_name=user_name,
                user_key=normalize_key(user_name),
                idp_user_id=user_id,
                first_seen=ts,
                last_seen=ts,
            )
            self.resources.insert(fresh)
        else:
            self.resources.update(app, sp_id, idp_user_id=user_id)
        row = self.resources.get(app, sp_id)
        if row is not None:  # a removal recorded before this link applies to it as well
            self.deprovisions.identity_appeared(app, row)

    def _unassigned(self, event: IdpEvent, app: str) -> None:
        idp, user_id = str(event.idp), str(event.user_id)
        self._link(idp, user_id, app, event.ts)
        person = self._person(idp, user_id)
        if person is not None and person.activated_at and event.ts < person.activated_at:
            return
        self._request(event, (app,))

    def _provisioned(self, event: IdpEvent, app: str) -> None:
        idp, user_id = str(event.idp), str(event.user_id)
        sp_id = event.target_id if event.idp is Idp.ENTRA else None
        self._link(idp, user_id, app, event.ts, sp_id, event.user_name)
        if (event.operation or "").casefold() not in REMOVAL_OPERATIONS or not event.success:
            return
        identity = self.deprovisions.identity(
            app, user_id=user_id, user_key=normalize_key(event.user_name)
        )
        target = identity.sp_id if identity is not None else person_target(person_key(idp, user_id))
        self.deprovisions.removal(app=app, sp_id=target, ts=event.ts, applied=True, source="idp")

    def _session(self, event: IdpEvent, source: str) -> None:
        user = _session_key(self._person(str(event.idp), str(event.user_id)), event)
        if user is not None and self.activity is not None:
            self.activity.action(app="", user_key=user, ts=event.ts, source=source)


def _session_key(person: PersonRow | None, event: IdpEvent) -> str | None:
    """Whom a session counts for: the person's stored key, else the name or id it names."""
    return (
        (person.user_key if person is not None else None)
        or normalize_key(event.user_name)
        or normalize_key(event.user_id)
    )
