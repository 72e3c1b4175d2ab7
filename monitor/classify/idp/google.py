"""Google Workspace Reports activities as IdP facts (reference sections 3.3, 3.5, 3.9).

An activity holds a list of `events`; each becomes one IdpEvent, keyed `<record key>#<index>`
when there are several so keys stay unique. Google identifies people by primary email, so
`user_id` and `user_name` are both that email: the `USER_EMAIL` parameter for admin actions
(the actor is the admin), the actor's email for sign-ins and token use (the actor is the
person). Reports pages come newest first; order does not matter here, every activity is
read on its own. The audit log records completed actions only, so facts are successes,
except a `login_failure`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from monitor.classify.idp._fields import is_mapping, items, mapping, text
from monitor.events import Idp, IdpAction, IdpEvent

__all__ = ["normalize_google"]


class _Fact(NamedTuple):
    action: IdpAction
    success: bool | None = None
    user: str | None = None
    app_ref: str | None = None
    new_user_name: str | None = None
    detail: str = ""


Params = Mapping[str, str]
Reader = Callable[[str, Params, str | None], _Fact]

_ADMIN = {
    "CREATE_USER": IdpAction.CREATE,
    "SUSPEND_USER": IdpAction.SUSPEND,
    "UNSUSPEND_USER": IdpAction.ACTIVATE,
    "DELETE_USER": IdpAction.DELETE,
    "UNDELETE_USER": IdpAction.ACTIVATE,
    "RENAME_USER": IdpAction.RENAME,
}
_TOKEN_USE = frozenset({"activity", "authorize", "request"})
_SIGN_INS = {"login_success": True, "login_failure": False}


def normalize_google(
    raw: Mapping[str, object], ts: float, key: str, application: str
) -> list[IdpEvent]:
    """One IdpEvent per entry of the activity's `events` (none when it has no events)."""
    if not is_mapping(raw):
        return []
    events = items(raw, "events")
    actor = text(mapping(raw, "actor"), "email")
    read = _READERS.get(application, _other)
    out = []
    for index, event in enumerate(events):
        fact = read(text(event, "name") or "", _params(event), actor)
        out.append(
            IdpEvent(
                ts,
                Idp.GOOGLE,
                fact.action,
                f"{key}#{index}" if len(events) > 1 else key,
                user_id=fact.user,
                user_name=fact.user,
                app_ref=fact.app_ref,
                success=fact.success,
                new_user_name=fact.new_user_name,
                detail=fact.detail,
            )
        )
    return out


def _params(event: object) -> Params:
    """The event's own single-valued parameters (`value`) by name. No fact is read from the
    other kinds (reference 3.3: `multiValue` token scopes, `multiMessageValue` scope data, int
    and bool values), and the `parameter` lists nested in a message value are never merged in:
    their names are their own and must not shadow the event's."""
    params = {}
    for param in items(event, "parameters"):
        name, value = text(param, "name"), text(param, "value")
        if name is not None and value is not None:
            params[name] = value
    return params


def _admin(name: str, params: Params, actor: str | None) -> _Fact:
    """`admin` USER_SETTINGS: the person is the USER_EMAIL parameter, not the acting admin."""
    action = _ADMIN.get(name)
    user = params.get("USER_EMAIL")
    if action is None:
        return _Fact(IdpAction.OTHER, user=user, detail=name)
    new_name = params.get("NEW_VALUE") if action is IdpAction.RENAME else None
    return _Fact(action, True, user, new_user_name=new_name)


def _token(name: str, params: Params, actor: str | None) -> _Fact:
    """`token`: an OAuth token issued to or used by an app for the actor; `detail` is
    `client_type/api_name` (either may be absent)."""
    app = params.get("app_name")
    if name not in _TOKEN_USE:
        return _Fact(IdpAction.OTHER, user=actor, app_ref=app, detail=name)
    kind = "/".join(part for part in (params.get("client_type"), params.get("api_name")) if part)
    return _Fact(IdpAction.SESSION, True, actor, app, detail=kind)


def _login(name: str, params: Params, actor: str | None) -> _Fact:
    """`login`: a sign-in to Google itself, so no app."""
    success = _SIGN_INS.get(name)
    if success is None:
        return _Fact(IdpAction.OTHER, user=actor, detail=name)
    return _Fact(IdpAction.SESSION, success, actor)


def _saml(name: str, params: Params, actor: str | None) -> _Fact:
    """`saml`: a SAML sign-in to the app named by `application_name`."""
    success = _SIGN_INS.get(name)
    app = params.get("application_name")
    if success is None:
        return _Fact(IdpAction.OTHER, user=actor, app_ref=app, detail=name)
    return _Fact(IdpAction.SESSION, success, actor, app, detail=params.get("failure_type", ""))


def _other(name: str, params: Params, actor: str | None) -> _Fact:
    return _Fact(IdpAction.OTHER, user=actor, detail=name)


_READERS: dict[str, Reader] = {"admin": _admin, "token": _token, "login": _login, "saml": _saml}
