"""Microsoft Graph audit records as IdP facts (reference sections 2.6-2.9).

Two record types: `provisioningObjectSummary` (what the provisioning service did to one
object in one app) and `directoryAudit` (what happened to the person in the directory).
Graph's v1.0 names are read first, then the deprecated beta aliases (`action`, `statusInfo`),
because exports from older tooling still carry them.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor.classify.bodies import json_value
from monitor.classify.idp._fields import first_of_type, is_mapping, items, mapping, text
from monitor.classify.idp.reason import parse_graph_reason
from monitor.events import Idp, IdpAction, IdpEvent

__all__ = ["normalize_directory_audit", "normalize_provisioning"]

# provisioningAction, compared case-insensitively (the docs spell it both `stagedDelete` and
# `stageddelete`); unknown values pass through as logged.
_OPERATIONS = {
    name.lower(): name
    for name in ("create", "update", "delete", "disable", "stagedDelete", "other")
}
# provisioningStatusInfo.status -> success. `skipped` (out of scope, nothing to do) and
# `warning` do not say whether the SP holds the change, so neither confirms nor refutes it.
_STATUS = {"success": True, "failure": False}
# A skipped record says the service left the app alone: not that the person has an account
# there (out-of-scope users are logged as skipped in every cycle), so it is no PROVISION fact,
# which would link the person to the app and make a later removal expect a deprovision there.
_SKIPPED = "skipped"
_ACTIVITIES = {
    "add user": IdpAction.CREATE,
    "disable account": IdpAction.DEACTIVATE,
    "enable account": IdpAction.ACTIVATE,
    "delete user": IdpAction.DELETE,
    "hard delete user": IdpAction.DELETE,
    "restore user": IdpAction.ACTIVATE,
}
_UPDATE_USER = "update user"
_ENABLED_CHANGE: dict[tuple[bool | None, bool | None], IdpAction] = {
    (True, False): IdpAction.DEACTIVATE,
    (False, True): IdpAction.ACTIVATE,
}
_BOOL_WORDS = {"true": True, "false": False}


def normalize_provisioning(raw: Mapping[str, object], ts: float, key: str) -> list[IdpEvent]:
    """One provisioning operation of Entra to an app; records about groups, and skipped ones,
    are OTHER events."""
    if not is_mapping(raw):
        return []
    source = mapping(raw, "sourceIdentity")
    status_info = mapping(raw, "provisioningStatusInfo") or mapping(raw, "statusInfo")
    error = mapping(status_info, "errorInformation")
    reason = parse_graph_reason(error.get("reason"))
    detail = text(error, "errorCode") or ""
    identity_type = text(source, "identityType") or "User"
    is_user = identity_type.lower() == "user"
    status = text(status_info, "status")
    provisioned = is_user and (status is None or status.lower() != _SKIPPED)
    return [
        IdpEvent(
            ts,
            Idp.ENTRA,
            IdpAction.PROVISION if provisioned else IdpAction.OTHER,
            key,
            user_id=text(source, "id") if is_user else None,
            user_name=text(mapping(source, "details"), "UserPrincipalName") if is_user else None,
            app_ref=_service_principal(raw),
            operation=_operation(raw),
            success=_STATUS.get(status.lower()) if status else None,
            status=reason.status,
            scim_type=reason.scim_type,
            retry_at=reason.retry_at,
            target_id=text(mapping(raw, "targetIdentity"), "id"),
            detail=detail if is_user else f"{identity_type} {detail}".rstrip(),
        )
    ]


def normalize_directory_audit(raw: Mapping[str, object], ts: float, key: str) -> list[IdpEvent]:
    """What a directory audit says happened to the person it targets."""
    if not is_mapping(raw):
        return []
    activity = text(raw, "activityDisplayName") or ""
    user = first_of_type(items(raw, "targetResources"), "type", "User")
    name = activity.lower()
    action = _ACTIVITIES.get(name)
    if action is None and name == _UPDATE_USER:
        action = _ENABLED_CHANGE.get(_account_enabled(user))
    result = text(raw, "result")
    return [
        IdpEvent(
            ts,
            Idp.ENTRA,
            action or IdpAction.OTHER,
            key,
            user_id=text(user, "id"),
            user_name=_user_principal_name(user),
            success=result is not None and result.lower() == "success",
            detail=(text(raw, "resultReason") or "") if action else activity,
        )
    ]


def _operation(raw: Mapping[str, object]) -> str | None:
    action = text(raw, "provisioningAction") or text(raw, "action")
    return _OPERATIONS.get(action.lower(), action) if action else None


def _service_principal(raw: Mapping[str, object]) -> str | None:
    """`servicePrincipal.id`; an old doc table calls it a collection, so a list is read too."""
    principal = raw.get("servicePrincipal")
    if isinstance(principal, list | tuple):
        principal = principal[0] if principal else None
    found = text(principal, "id")
    if found is None:  # the target system names the app's service principal as well
        found = text(mapping(mapping(raw, "targetSystem"), "details"), "ServicePrincipalId")
    return found


def _account_enabled(user: Mapping[str, object]) -> tuple[bool | None, bool | None]:
    """AccountEnabled (old, new) from an `Update user` target's modifiedProperties."""
    for prop in items(user, "modifiedProperties"):
        name = text(prop, "displayName")
        if name is not None and name.lower() == "accountenabled" and is_mapping(prop):
            return _flag(prop.get("oldValue")), _flag(prop.get("newValue"))
    return None, None


def _flag(value: object) -> bool | None:
    """A boolean from a modifiedProperties value: "[true]", "[\\"True\\"]", [false], "False"."""
    decoded = json_value(value) if isinstance(value, str) else value
    if decoded is None and isinstance(value, str):
        decoded = value  # not JSON: a bare `True`
    if isinstance(decoded, list | tuple):
        decoded = decoded[0] if len(decoded) == 1 else None
    if isinstance(decoded, bool):
        return decoded
    if isinstance(decoded, str):
        return _BOOL_WORDS.get(decoded.strip().strip('"').lower())
    return None


def _user_principal_name(user: Mapping[str, object]) -> str | None:
    """The UPN; a soft-deleted user's UPN is logged with its object id (no dashes) prefixed."""
    upn, object_id = text(user, "userPrincipalName"), text(user, "id")
    if upn is None or object_id is None:
        return upn
    prefix = object_id.replace("-", "")
    if len(upn) > len(prefix) and upn[: len(prefix)].lower() == prefix.lower():
        return upn[len(prefix) :]
    return upn
