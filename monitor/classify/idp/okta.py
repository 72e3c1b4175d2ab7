"""Okta System Log LogEvents as IdP facts (reference sections 1.7-1.10).

The person is always the `User` *target*: the actor of a lifecycle event is the admin or the
API token's owner, never the person it happened to. Sessions are the exception: a sign-in
often has no User target, and then the actor (when it is a User) is the person signing in.
A fact without a User target keeps its action with no person (the IdP still did it); an
event type we do not read is an OTHER event whose `detail` is the eventType. A failed push
carries the SP's status when `outcome.reason` quotes it (see reason.py).

Renames (`application.user_membership.change_username`) take the new app user name from, in
order: the `AppUser` target's `changeDetails.to` (`userName` or `login`), the `AppUser`
target's `alternateId` (the event is written after the change, so it names the app user as
renamed), or `debugContext.debugData` keys `newUserName` / `newUsername`. None of these is a
documented contract (debugData is explicitly unstable); when none is present the event still
says that a rename happened, with `new_user_name` None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.classify.idp._fields import first_of_type, is_mapping, items, mapping, text
from monitor.classify.idp.reason import okta_remote_status
from monitor.events import Idp, IdpAction, IdpEvent

__all__ = ["normalize_okta"]

_FACTS = {
    "user.lifecycle.create": IdpAction.CREATE,
    "user.lifecycle.activate": IdpAction.ACTIVATE,
    "user.lifecycle.reactivate": IdpAction.ACTIVATE,
    "user.lifecycle.unsuspend": IdpAction.ACTIVATE,
    "user.lifecycle.deactivate": IdpAction.DEACTIVATE,
    "user.lifecycle.suspend": IdpAction.SUSPEND,
    "user.lifecycle.delete.initiated": IdpAction.DELETE,
    "user.lifecycle.delete.completed": IdpAction.DELETE,
    "application.user_membership.add": IdpAction.ASSIGN,
    "application.user_membership.remove": IdpAction.UNASSIGN,
    "application.user_membership.change_username": IdpAction.RENAME,
}
_PROVISION = "application.provision.user."
_SESSION_PREFIX = "user.authentication."
_SESSIONS = frozenset({"user.session.start"})
# outcome.result -> success. Only SUCCESS makes a fact; ALLOW/DENY come from policy checks
# that gate a sign-in, so they count for sessions only.
_RESULTS = {"SUCCESS": True, "FAILURE": False}
_SESSION_RESULTS = {**_RESULTS, "ALLOW": True, "DENY": False}
_NEW_NAME_KEYS = ("userName", "login")
_DEBUG_NEW_NAME_KEYS = ("newUserName", "newUsername")


def normalize_okta(raw: Mapping[str, object], ts: float, key: str) -> list[IdpEvent]:
    """The one fact an Okta LogEvent states (an OTHER event for event types we do not read)."""
    if not is_mapping(raw):
        return []
    event_type = text(raw, "eventType") or ""
    if event_type.startswith(_PROVISION):
        return [_provision(raw, ts, key, event_type)]
    targets = items(raw, "target")
    user = first_of_type(targets, "type", "User")
    result, reason = _outcome(raw)
    fact = _FACTS.get(event_type)
    success: bool | None
    if fact is not None:  # only SUCCESS is a fact: a FAILURE deactivate did not deactivate
        action, success, detail = fact, result == "SUCCESS", reason
    elif event_type in _SESSIONS or event_type.startswith(_SESSION_PREFIX):
        action, success, detail = IdpAction.SESSION, _SESSION_RESULTS.get(result), reason
        user = user or _actor_user(raw)
    else:
        action, success, detail = IdpAction.OTHER, _RESULTS.get(result), event_type
    return [
        IdpEvent(
            ts,
            Idp.OKTA,
            action,
            key,
            user_id=text(user, "id"),
            user_name=text(user, "alternateId"),
            app_ref=text(first_of_type(targets, "type", "AppInstance"), "id"),
            success=success,
            new_user_name=_new_user_name(raw, targets) if action is IdpAction.RENAME else None,
            detail=detail,
        )
    ]


def _provision(raw: Mapping[str, object], ts: float, key: str, event_type: str) -> IdpEvent:
    """Okta's record of one push to an app: `application.provision.user.<operation>`."""
    targets = items(raw, "target")
    user = first_of_type(targets, "type", "User")
    result, reason = _outcome(raw)
    success = _RESULTS.get(result)
    return IdpEvent(
        ts,
        Idp.OKTA,
        IdpAction.PROVISION,
        key,
        user_id=text(user, "id"),
        user_name=text(user, "alternateId"),
        app_ref=text(first_of_type(targets, "type", "AppInstance"), "id"),
        operation=event_type[len(_PROVISION) :] or None,
        success=success,
        status=okta_remote_status(reason) if success is False else None,
        target_id=text(first_of_type(targets, "type", "AppUser"), "id"),
        detail=reason,
    )


def _outcome(raw: Mapping[str, object]) -> tuple[str, str]:
    """`outcome.result` and `outcome.reason`, empty when absent (real events send nulls)."""
    outcome = mapping(raw, "outcome")
    return text(outcome, "result") or "", text(outcome, "reason") or ""


def _actor_user(raw: Mapping[str, object]) -> Mapping[str, object]:
    actor = mapping(raw, "actor")
    return actor if text(actor, "type") == "User" else {}


def _new_user_name(raw: Mapping[str, object], targets: Sequence[object]) -> str | None:
    app_user = first_of_type(targets, "type", "AppUser")
    changed_to = mapping(mapping(app_user, "changeDetails"), "to")
    debug = mapping(mapping(raw, "debugContext"), "debugData")
    candidates = (
        *(text(changed_to, name_key) for name_key in _NEW_NAME_KEYS),
        text(app_user, "alternateId"),
        *(text(debug, name_key) for name_key in _DEBUG_NEW_NAME_KEYS),
    )
    return next((name for name in candidates if name is not None), None)
