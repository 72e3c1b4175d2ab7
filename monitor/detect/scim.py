"""What SCIM traffic teaches: representations, removals, silent attribute loss, twins, churn,
deprovisions that were not applied, and vendor quirks that were rejected."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from monitor.classify.bodies import json_value, response_json
from monitor.detect.deprovision import Deprovisions
from monitor.detect.findings import Findings
from monitor.detect.patch_engine import (
    apply_patch,
    attribute_paths,
    lost_attributes,
    surviving_paths,
    targeted_paths,
)
from monitor.detect.quirks import hint
from monitor.detect.resources import (
    Resources,
    SpRow,
    as_bool,
    dump_representation,
    load_representation,
)
from monitor.events import Lifecycle, Operation, Outcome, Resource, ScimEvent

__all__ = ["IDENTITY_KEYS", "ScimDetector"]

CHURN_WINDOW = 3600.0  # "within the hour around it"
_REMOVALS = frozenset({Lifecycle.DISABLE, Lifecycle.DELETE})


def _union(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = sorted(set(old.get("lost_attributes", [])) | set(new.get("lost_attributes", [])))
    return {**old, "lost_attributes": merged}


class ScimDetector:
    """Handles one classified SCIM request inside the batch transaction."""

    def __init__(
        self, resources: Resources, deprovisions: Deprovisions, findings: Findings
    ) -> None:
        self.resources = resources
        self.deprovisions = deprovisions
        self.findings = findings
        self.db = resources.db

    def handle(self, event: ScimEvent) -> None:
        if event.resource not in (Resource.USER, Resource.GROUP) or event.request is None:
            return
        if event.outcome is Outcome.CLIENT_ERROR and event.quirks:  # not 401/403/404/409/429
            self._quirk(event)
        if not 200 <= event.status < 300:
            return
        kind = event.resource.value
        answer = response_json(event.request) if _full_answer(event) else None
        operation = event.operation
        if operation in (Operation.LIST, Operation.SEARCH):
            for rep in _resources_of(answer):
                self._seen(event.app, rep, event.ts, kind)
        elif operation is Operation.CREATE:
            self._created(event, _with_id(answer, event.sp_id), kind)
        elif operation is Operation.GET and isinstance(answer, dict):
            self._seen(event.app, answer, event.ts, kind)
        elif operation is Operation.REPLACE and event.sp_id:
            self._replaced(event, answer, kind)
        elif operation is Operation.PATCH and event.sp_id:
            self._patched(event, answer, kind)
        elif operation is Operation.DELETE and event.sp_id:
            self._deleted(event, kind)

    # -- representations ---------------------------------------------------------------------

    def _seen(
        self,
        app: str,
        rep: Mapping[str, object],
        ts: float,
        kind: str,
        *,
        created: bool = False,
        own: frozenset[str] = frozenset(),
    ) -> SpRow | None:
        """Learn a representation; `own` names what the request that returned it wrote itself."""
        dumped = dump_representation(rep)
        previous = self.resources.learn(
            app, rep, ts, resource_type=kind, created=created, dumped=dumped
        )
        if previous is None and kind == "User":
            row = self.resources.get(app, str(rep.get("id")))
            if row is not None:
                self.deprovisions.identity_appeared(app, row)
        if previous is not None and previous.pending:
            self._check_pending(app, previous, rep, own)
        elif previous is not None and previous.representation == dumped:
            return previous  # unchanged since last seen: nothing new to correlate
        if kind == "User" and as_bool(rep.get("active")) is not False:
            self._twins(app, rep, ts)
        elif kind == "User" and isinstance(rep.get("id"), str):
            self._twins_resolved(app, str(rep["id"]), ts)
        return previous

    def _check_pending(
        self, app: str, row: SpRow, rep: Mapping[str, object], own: frozenset[str]
    ) -> None:
        """The next representation after a bodiless answer: was the write honoured?

        When that representation answers another write, what that write changed itself is no
        evidence either way (`own`; `*` for a PUT, which rewrites everything)."""
        assert row.pending is not None
        pending = json.loads(row.pending)
        self.resources.update(app, row.sp_id, pending=None)
        if "*" in own:
            return
        present = {path.casefold() for path in attribute_paths(rep)}
        mine = {path.casefold() for path in own}
        lost = sorted(
            p
            for p in pending.get("survive", [])
            if p.casefold() not in present and p.casefold() not in mine
        )
        if lost:
            self._silent_loss(app, row.sp_id, pending["ts"], lost)
        if pending.get("disable") and "active" not in mine and as_bool(rep.get("active")) is True:
            self._not_applied(app, row.sp_id, pending["ts"])

    def _created(self, event: ScimEvent, rep: Mapping[str, object] | None, kind: str) -> None:
        if rep is None:
            return
        sent = json_value(event.request.request_body) if event.request is not None else None
        if isinstance(sent, dict):  # keys an SP did not echo back still identify the account
            rep = {**{k: sent[k] for k in IDENTITY_KEYS if k in sent}, **rep}
        self._seen(event.app, rep, event.ts, kind, created=True)
        external = rep.get("externalId")
        if kind == "User" and isinstance(external, str) and external and event.sp_id:
            self._churn(event.app, external, event.sp_id, event.ts)

    def _replaced(self, event: ScimEvent, answer: object, kind: str) -> None:
        assert event.sp_id is not None and event.request is not None
        rep = _with_id(answer, event.sp_id)
        if rep is None:
            sent = json_value(event.request.request_body)
            rep = {**sent, "id": event.sp_id} if isinstance(sent, dict) else None
        if rep is not None and _full_answer(event):
            self._seen(event.app, rep, event.ts, kind, own=_EVERYTHING)
        if event.lifecycle is Lifecycle.DISABLE:
            applied = rep is None or as_bool(rep.get("active")) is not True
            self._removed(event, applied=applied)

    def _patched(self, event: ScimEvent, answer: object, kind: str) -> None:
        assert event.sp_id is not None and event.request is not None
        app, sp_id, body = event.app, event.sp_id, json_value(event.request.request_body)
        before = self.resources.get(app, sp_id)
        stored = before.representation if before is not None else None
        snapshot = load_representation(stored) if stored else None
        after = _with_id(answer, sp_id)
        if snapshot is not None and after is not None and _full_answer(event):
            lost = lost_attributes(snapshot, body, after)
            if lost:
                self._silent_loss(app, sp_id, event.ts, lost)
        if after is not None:
            self._seen(app, after, event.ts, kind, own=self._own(app, after, event, body))
        elif snapshot is not None and _full_answer(event):
            self._expect(event, snapshot, body)
        if event.lifecycle is Lifecycle.DISABLE:
            applied = after is None or as_bool(after.get("active")) is not True
            self._removed(event, applied=applied)
        elif event.lifecycle is Lifecycle.ACTIVATE:
            self.resources.update(app, sp_id, active=True)

    def _own(
        self, app: str, after: Mapping[str, object], event: ScimEvent, body: object
    ) -> frozenset[str]:
        """What a PATCH wrote itself, which only a check of an earlier bodiless answer asks
        (`_check_pending`): worked out only when the account has one pending."""
        rep_id = after.get("id")
        row = self.resources.get(app, rep_id) if isinstance(rep_id, str) and rep_id else None
        if row is None or not row.pending:
            return frozenset()
        return frozenset(targeted_paths(body) | ({"active"} if event.lifecycle else set()))

    def _expect(self, event: ScimEvent, snapshot: dict[str, Any], body: object) -> None:
        """A 204 answer: keep the expected state and check it against the next representation."""
        assert event.sp_id is not None
        expected = apply_patch(snapshot, body)
        survive = surviving_paths(snapshot, body) if _full_answer(event) else set()
        pending = {
            "ts": event.ts,
            "survive": sorted(survive),
            "disable": event.lifecycle is Lifecycle.DISABLE,
        }
        values: dict[str, Any] = {"pending": json.dumps(pending)}
        if expected is not None:
            values["representation"] = dump_representation(expected)
        if event.lifecycle is Lifecycle.DISABLE:
            values["active"] = False
        self.resources.update(event.app, event.sp_id, **values)

    def _deleted(self, event: ScimEvent, kind: str) -> None:
        assert event.sp_id is not None
        self.resources.ensure(event.app, event.sp_id, event.ts, resource_type=kind)
        pending = json.dumps({"ts": event.ts, "survive": [], "disable": True})
        self.resources.update(
            event.app, event.sp_id, deleted_at=event.ts, active=False, pending=pending
        )
        self._twins_resolved(event.app, event.sp_id, event.ts)
        if kind == "User":
            self._removed(event, applied=True)
            self._churn_after_removal(event.app, event.sp_id, event.ts)

    def _removed(self, event: ScimEvent, *, applied: bool) -> None:
        assert event.sp_id is not None
        if not applied:
            self._not_applied(event.app, event.sp_id, event.ts)
        else:
            row = self.resources.ensure(event.app, event.sp_id, event.ts, resource_type="User")
            if row.disabled_at is None or row.active is not False:
                self.resources.update(event.app, event.sp_id, active=False, disabled_at=event.ts)
            self._twins_resolved(event.app, event.sp_id, event.ts)
            self._churn_after_removal(event.app, event.sp_id, event.ts)
        self.deprovisions.removal(
            app=event.app, sp_id=event.sp_id, ts=event.ts, applied=applied, source="scim"
        )

    # -- findings ----------------------------------------------------------------------------

    def _silent_loss(self, app: str, sp_id: str, at: float, lost: list[str]) -> None:
        self.findings.raise_(
            type="silent_attribute_loss",
            app=app,
            subject=sp_id,
            fields={"sp_id": sp_id, "lost_attributes": lost},
            at=at,
            merge=_union,
        )

    def _not_applied(self, app: str, sp_id: str, at: float) -> None:
        self.findings.raise_(
            type="deprovision_not_applied",
            app=app,
            subject=sp_id,
            fields={"sp_id": sp_id},
            at=at,
        )
        self.deprovisions.removal(app=app, sp_id=sp_id, ts=at, applied=False, source="scim")

    def _twins(self, app: str, rep: Mapping[str, object], ts: float) -> None:
        me = self.resources.get(app, str(rep.get("id")))
        if me is None:
            return
        others = self.resources.matching(
            app, user_key=me.user_key, email_key=me.email_key, external_id=me.external_id
        )
        for other in others:
            if other.sp_id == me.sp_id or other.active is False or other.deleted_at is not None:
                continue
            if other.first_seen > ts:
                continue  # known early from an IdP record, but not there yet: not at once
            pair = sorted([me.sp_id, other.sp_id])
            subject = "|".join(pair)
            self.findings.raise_(
                type="digital_twin",
                app=app,
                subject=subject,
                fields={"sp_ids": pair, "user_name": me.user_name or other.user_name},
                at=ts,
            )

    def _twins_resolved(self, app: str, sp_id: str, ts: float) -> None:
        """A twin that is deactivated or deleted is no longer a second live account (the
        app's open twins are read once per batch, `Findings.open_subjects`)."""
        subjects = self.findings.open_subjects("digital_twin", app)
        for subject in sorted(s for s in subjects if sp_id in s.split("|")):
            self.findings.resolve(type="digital_twin", app=app, subject=subject, at=ts)

    def _churn(self, app: str, external_id: str, new_sp_id: str, ts: float) -> None:
        for old in self.resources.matching(app, external_id=external_id):
            gone = old.deleted_at if old.deleted_at is not None else old.disabled_at
            if old.sp_id != new_sp_id and gone is not None and abs(gone - ts) <= CHURN_WINDOW:
                self._raise_churn(app, external_id, old.sp_id, new_sp_id, ts)

    def _churn_after_removal(self, app: str, sp_id: str, ts: float) -> None:
        """The removal of an id whose externalId was re-created shortly before it."""
        row = self.resources.get(app, sp_id)
        if row is None or not row.external_id:
            return
        for new in self.resources.matching(app, external_id=row.external_id):
            if (
                new.sp_id != sp_id
                and new.created_at is not None
                and abs(new.created_at - ts) <= CHURN_WINDOW
                and (row.created_at is None or new.created_at > row.created_at)
            ):
                self._raise_churn(app, row.external_id, sp_id, new.sp_id, new.created_at)

    def _raise_churn(self, app: str, external_id: str, old: str, new: str, at: float) -> None:
        self.findings.raise_(
            type="recreate_churn",
            app=app,
            subject=f"{old}|{new}",
            fields={"external_id": external_id, "old_sp_id": old, "new_sp_id": new},
            at=at,
        )

    def _quirk(self, event: ScimEvent) -> None:
        quirks = sorted(str(q) for q in event.quirks)
        self.findings.raise_(
            type="vendor_quirk_rejected",
            app=event.app,
            subject="",
            fields={
                "idp": str(event.idp),
                "quirk": quirks[0],
                "quirks": quirks,
                "hint": hint(quirks[0]),
            },
            at=event.ts,
            merge=_merge_quirks,
        )


def _merge_quirks(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return {**old, "quirks": sorted(set(old.get("quirks", [])) | set(new.get("quirks", [])))}


IDENTITY_KEYS = ("externalId", "userName", "emails")
_EVERYTHING = frozenset({"*"})


def _full_answer(event: ScimEvent) -> bool:
    """`attributes=` / `excludedAttributes=` ask for a partial representation: no loss to judge."""
    query = event.request.query.casefold() if event.request is not None else ""
    return "attributes=" not in query


def _with_id(answer: object, sp_id: str | None) -> dict[str, Any] | None:
    if not isinstance(answer, dict):
        return None
    if isinstance(answer.get("id"), str):
        return answer
    return (
        {**answer, "id": sp_id} if sp_id and ("userName" in answer or "active" in answer) else None
    )


def _resources_of(answer: object) -> list[dict[str, Any]]:
    if not isinstance(answer, dict):
        return []
    found = answer.get("Resources")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []
