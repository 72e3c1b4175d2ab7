"""The IdPs' own audit logs: what each IdP records when the workforce changes and it provisions.

The SCIM logs show what reached the apps; these files show what the IdPs were asked to do and
what they say they did, which is what scimwatch needs to time deprovisions (contract section
5). A person's lifecycle step is logged at the moment it happens, so always before the SCIM
traffic it causes (Okta pushes seconds later, Entra and Google at their next cycle); a push
is logged just after its last SCIM exchange. Records go through a time-ordered buffer and are
written only once the simulation has passed their time, so every file stays in event-time
order and the bytes do not depend on how `run_until` calls are split.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from monitor.demo import idp_records as rec
from monitor.demo.apps import DemoApp
from monitor.demo.deployment import Deployment
from monitor.demo.dialects import DIALECTS
from monitor.demo.population import Person
from monitor.demo.wire import Job, Json

__all__ = ["AppLink", "IdpAudit"]

# The config key naming an app in each IdP's records, and the files each IdP writes.
_APP_KEYS = {
    "okta": "okta_app_id",
    "entra": "entra_service_principal_id",
    "google": "google_app_name",
}
# Per IdP: (stream, source type, Google Reports application); streams name their files.
_FILES: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "okta": (("okta", "okta_system_log", None),),
    "entra": (
        ("entra_audit", "entra_directory_audit", None),
        ("entra_provisioning", "entra_provisioning_log", None),
    ),
    "google": (("google_admin", "google_reports", "admin"),),
}
_FILE_NAMES = {
    "okta": "okta-system-log",
    "entra_audit": "entra-directory-audits",
    "entra_provisioning": "entra-provisioning",
    "google_admin": "google-admin",
}
_OKTA_PUSH = {
    "provision": ("application.provision.user.push", "push profile update for"),
    "disable": ("application.provision.user.deactivate", "deactivate"),
}
_SUSPEND_SHARE = 0.2  # Okta leavers who are suspended rather than deactivated
_DISABLE_SHARE = 0.6  # Entra leavers disabled with "Disable account" rather than "Update user"


@dataclass(frozen=True, slots=True)
class AppLink:
    """How one IdP names one app in its records."""

    idp: str
    ref: str
    label: str

    @property
    def config_key(self) -> str:
        return _APP_KEYS[self.idp]


def _path(stream: str) -> str:
    return f"idp/{_FILE_NAMES[stream]}.jsonl"


class IdpAudit:
    """The audit logs of the IdPs the demo apps are provisioned by."""

    def __init__(self, directory: Path, apps: Sequence[DemoApp], seed: int) -> None:
        self._rng = random.Random(f"{seed}:idp")
        self._ids = rec.Ids(self._rng)
        self._tenant = self._ids.uuid()
        self.links: dict[str, AppLink] = {}
        for app in apps:
            idp = DIALECTS[app.idp].config_idp
            if idp in _APP_KEYS:
                self.links[app.name] = AppLink(idp, self._app_ref(idp, app.name), app.name.title())
        self._idps = sorted({link.idp for link in self.links.values()})
        self._paths = {
            stream: directory / _path(stream) for idp in self._idps for stream, _, _ in _FILES[idp]
        }
        (directory / "idp").mkdir(parents=True, exist_ok=True)
        for path in self._paths.values():
            path.write_bytes(b"")
        self._pending: list[tuple[float, int, str, bytes]] = []
        self._seq = itertools.count()
        self._app_users: dict[tuple[str, int], str] = {}
        self._suspended: set[int] = set()
        self._deleted: set[int] = set()
        self.written = 0

    def sources(self) -> list[dict[str, str]]:
        """Config `sources` entries (contract section 2) for the files written here."""
        out = []
        for idp in self._idps:
            for stream, kind, application in _FILES[idp]:
                source = {"type": kind}
                if application is not None:
                    source["application"] = application
                out.append({**source, "path": _path(stream)})
        return out

    def hired(self, t: float, person: Person) -> None:
        idps = self._idps_of(person)
        if "okta" in idps:
            self._okta(t, "user.lifecycle.create", person)
            self._okta(t + self._rng.uniform(0.05, 0.3), "user.lifecycle.activate", person)
            for name in person.apps:
                link = self.links.get(name)
                if link is not None and link.idp == "okta":
                    app = rec.okta_app(link.ref, link.label)
                    when = t + self._rng.uniform(0.3, 0.9)
                    self._okta(when, "application.user_membership.add", person, app)
        if "entra" in idps:
            self._entra(t, "Add user", person, None)
        if "google" in idps:
            self._google(t, "CREATE_USER", person)

    def left(self, t: float, person: Person) -> None:
        idps = self._idps_of(person)
        if "okta" in idps:
            suspend = self._rng.random() < _SUSPEND_SHARE
            if suspend:
                self._suspended.add(person.key)
            kind = "suspend" if suspend else "deactivate"
            self._okta(t, f"user.lifecycle.{kind}", person)
        if "entra" in idps:
            if self._rng.random() < _DISABLE_SHARE:
                self._entra(t, "Disable account", person, (True, False))
            else:
                self._entra(t, "Update user", person, (True, False))
        if "google" in idps:
            self._google(t, "SUSPEND_USER", person)

    def rehired(self, t: float, person: Person) -> None:
        idps = self._idps_of(person)
        deleted = person.key in self._deleted
        if "okta" in idps:
            kind = "unsuspend" if person.key in self._suspended else "activate"
            self._okta(t, f"user.lifecycle.{kind}", person)
        if "entra" in idps:
            if deleted:
                self._entra(t, "Restore user", person, None)
            else:
                self._entra(t, "Update user", person, (False, True))
        if "google" in idps:
            self._google(t, "UNDELETE_USER" if deleted else "UNSUSPEND_USER", person)
        self._suspended.discard(person.key)
        self._deleted.discard(person.key)

    def signed_in(self, t: float, person: Person, app: str) -> None:
        """An SSO into `app` through Okta (Okta apps only: the others' IdPs log no sign-ins
        here); after a removal, an Okta session that outlived it."""
        link = self.links.get(app)
        if link is None or link.idp != "okta":
            return
        targets = [rec.okta_app(link.ref, link.label), rec.okta_user(person)]
        user = rec.okta_user(person)
        event = rec.okta_event(self._ids, t, "user.authentication.sso", targets, actor=user)
        self._emit(t, "okta", event)

    def purged(self, t: float, person: Person) -> None:
        """The IdP's hard delete of a leaver; Okta keeps deactivated users, so only the others."""
        idps = self._idps_of(person)
        self._deleted.add(person.key)
        if "entra" in idps:
            self._entra(t, "Delete user", person, None)
        if "google" in idps:
            self._google(t, "DELETE_USER", person)

    def reported(self, a: Deployment, person: Person, operation: str, job: Job) -> Job:
        """`job`, followed by the IdP's record of the push (nothing when it sent nothing)."""
        known = a.state.users.get(person.key)
        try:
            request = next(job)
        except StopIteration:
            return
        status = 0
        try:
            while True:
                response = yield request
                status = response.status
                request = job.send(response)
        except StopIteration:
            self._pushed(a, person, operation, status, known)
        except GeneratorExit:  # the IdP gave up after repeated server errors
            job.close()
            self._pushed(a, person, operation, status, known)
            raise

    def flush(self, upto: float) -> int:
        """Append every record stamped at or before `upto`; returns how many."""
        batches: dict[str, list[bytes]] = {}
        while self._pending and self._pending[0][0] <= upto:
            _, _, stream, line = heapq.heappop(self._pending)
            batches.setdefault(stream, []).append(line)
        for stream, lines in batches.items():
            with self._paths[stream].open("ab") as f:
                f.write(b"".join(lines))
        count = sum(len(lines) for lines in batches.values())
        self.written += count
        return count

    def _pushed(
        self, a: Deployment, person: Person, operation: str, status: int, known: str | None
    ) -> None:
        """`known` is the SP id the IdP held before the job: a delete forgets it."""
        link = self.links.get(a.app.name)
        if link is None:
            return
        current = a.state.users.get(person.key)
        sp_id = current or known
        ok = current is not None if operation == "provision" else 200 <= status < 300
        if operation == "delete":
            ok = ok or status == 404
        failed = None if ok else (status if status >= 400 else 500)
        when = a.last_done + self._rng.uniform(0.2, 2.0)
        if link.idp == "okta" and operation in _OKTA_PUSH:
            self._okta_push(when, link, person, operation, sp_id, failed)
        elif link.idp == "entra":
            action = operation
            if operation == "provision":
                action = "create" if known is None else "update"
            record = rec.entra_provisioning(
                self._ids,
                when,
                tenant=self._tenant,
                principal=(link.ref, link.label),
                person=person,
                action=action,
                sp_id=sp_id,
                status=failed,
            )
            self._emit(when, "entra_provisioning", record)

    def _okta_push(
        self,
        when: float,
        link: AppLink,
        person: Person,
        operation: str,
        sp_id: str | None,
        failed: int | None,
    ) -> None:
        event_type, verb = _OKTA_PUSH[operation]
        targets = [rec.okta_app(link.ref, link.label), rec.okta_user(person)]
        if sp_id is not None:
            app_user = self._app_users.setdefault((link.ref, person.key), self._ids.b62("0ua", 17))
            targets.append(rec.okta_app_user(app_user, person))
        reason = rec.okta_failure(person, link.label, verb, failed) if failed else None
        self._emit(when, "okta", rec.okta_event(self._ids, when, event_type, targets, reason))

    def _idps_of(self, person: Person) -> set[str]:
        return {self.links[name].idp for name in person.apps if name in self.links}

    def _app_ref(self, idp: str, name: str) -> str:
        if idp == "okta":
            return self._ids.b62("0oa", 17)
        if idp == "entra":
            return self._ids.uuid()
        return f"{name.title()} Workspace"

    def _okta(self, t: float, event_type: str, person: Person, app: Json | None = None) -> None:
        targets = [rec.okta_user(person)] if app is None else [app, rec.okta_user(person)]
        self._emit(t, "okta", rec.okta_event(self._ids, t, event_type, targets))

    def _entra(
        self, t: float, activity: str, person: Person, enabled: tuple[bool, bool] | None
    ) -> None:
        self._emit(t, "entra_audit", rec.entra_audit(self._ids, t, activity, person, enabled))

    def _google(self, t: float, name: str, person: Person) -> None:
        self._emit(t, "google_admin", rec.google_admin(self._ids, t, name, person.user_name))

    def _emit(self, t: float, stream: str, record: Json) -> None:
        line = orjson.dumps(record) + b"\n"
        heapq.heappush(self._pending, (t, next(self._seq), stream, line))
