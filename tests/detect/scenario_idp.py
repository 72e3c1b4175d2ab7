"""IdP audit records as the APIs return them (idp-audit-apis 1.10, 2.9, 3.9), and their pages.

Only the fields a record really has, with realistic neighbours (actor, transaction, steps)
so parsers cannot lean on a trimmed shape. Identifiers are made up per scenario.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from detect.scenario_lines import graph_time, rfc3339

__all__ = ["google_activity", "graph_audit", "graph_provisioning", "okta_event", "page"]

Json = dict[str, Any]
_ADMIN = "admin@corp.test"


def okta_event(
    uid: str,
    at: datetime,
    event_type: str,
    user_id: str,
    login: str,
    app_id: str | None,
    result: str,
) -> Json:
    """A System Log LogEvent. Lifecycle events name the person as the User target (an admin
    acts); sign-ins (`user.session.*`, `user.authentication.*`) have the person as actor."""
    person = {
        "id": user_id,
        "type": "User",
        "alternateId": login,
        "displayName": login.split("@")[0],
    }
    admin = {"id": "00uadm1n", "type": "User", "alternateId": _ADMIN, "displayName": "IT"}
    signs_in = event_type.startswith(("user.session.", "user.authentication."))
    target: list[Json] = [] if signs_in else [{**person, "detailEntry": None}]
    if event_type.startswith("application.provision."):  # Okta's own id of the app user
        target.insert(0, {**person, "id": "0ua" + user_id[3:], "type": "AppUser"})
    if app_id is not None:
        target.insert(
            0,
            {"id": app_id, "type": "AppInstance", "alternateId": "App", "displayName": "App"},
        )
    return {
        "uuid": uid,
        "published": rfc3339(at),
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "legacyEventType": None,
        "displayMessage": event_type.replace(".", " "),
        "actor": person if signs_in else admin,
        "client": None,
        "outcome": {"result": result, "reason": None},
        "target": target,
        "transaction": {"type": "WEB", "id": uid[:10], "detail": {}},
        "debugContext": {"debugData": {}},
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": None},
    }


def graph_audit(
    uid: str,
    at: datetime,
    activity: str,
    object_id: str,
    upn: str,
    enabled: tuple[bool, bool] | None,
) -> Json:
    """A directoryAudit; `enabled` adds AccountEnabled (old, new) as JSON-encoded arrays."""
    props = []
    if enabled is not None:
        old, new = (json.dumps([flag]) for flag in enabled)
        props.append({"displayName": "AccountEnabled", "oldValue": old, "newValue": new})
    return {
        "id": f"Directory_{uid}",
        "category": "UserManagement",
        "correlationId": uid,
        "result": "success",
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": graph_time(at),
        "loggedByService": "Core Directory",
        "operationType": "Update",
        "initiatedBy": {"user": {"id": "adm-1", "userPrincipalName": _ADMIN}, "app": None},
        "targetResources": [
            {
                "id": object_id,
                "displayName": None,
                "type": "User",
                "userPrincipalName": upn,
                "groupType": None,
                "modifiedProperties": props,
            }
        ],
        "additionalDetails": [{"key": "UserType", "value": "Member"}],
    }


def graph_provisioning(
    uid: str,
    at: datetime,
    action: str,
    object_id: str,
    upn: str,
    principal: str,
    target_id: str,
    status: str,
) -> Json:
    """A provisioningObjectSummary: what Entra did to one user in the app `principal`."""
    return {
        "id": uid,
        "activityDateTime": graph_time(at),
        "jobId": f"scim.{principal}",
        "cycleId": uid,
        "changeId": uid,
        "provisioningAction": action,
        "durationInMilliseconds": 812,
        "initiatedBy": {
            "id": "",
            "displayName": "Azure AD Provisioning Service",
            "initiatorType": "system",
        },
        "servicePrincipal": {"id": principal, "displayName": "App"},
        "sourceSystem": {"id": "src", "displayName": "Microsoft Entra ID", "details": {}},
        "targetSystem": {
            "id": "dst",
            "displayName": "App",
            "details": {"ServicePrincipalId": principal},
        },
        "sourceIdentity": {
            "id": object_id,
            "displayName": upn,
            "identityType": "User",
            "details": {"UserPrincipalName": upn},
        },
        "targetIdentity": {
            "id": target_id,
            "displayName": "",
            "identityType": "User",
            "details": {},
        },
        "provisioningStatusInfo": {"status": status, "errorInformation": None},
        "provisioningSteps": [],
        "modifiedProperties": [],
    }


def google_activity(
    qualifier: int,
    at: datetime,
    application: str,
    name: str,
    email: str,
    params: dict[str, str],
) -> Json:
    """A Reports activity: for `admin` the person is USER_EMAIL, otherwise the actor."""
    if application == "admin":
        actor, kind, values = _ADMIN, "USER_SETTINGS", {"USER_EMAIL": email}
    else:
        actor, kind, values = email, "auth", {"app_name": "Mail Client", **params}
    parameters = [{"name": key, "value": value} for key, value in values.items()]
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": rfc3339(at),
            "uniqueQualifier": str(qualifier),
            "applicationName": application,
            "customerId": "C0scenario",
        },
        "actor": {"callerType": "USER", "email": actor, "profileId": "104900"},
        "ipAddress": "203.0.113.10",
        "events": [{"type": kind, "name": name, "parameters": parameters}],
    }


def page(kind: str, records: list[Json]) -> Any:
    """One API page holding `records` (in time order): Okta an array, Graph `value`, Google
    `items` newest first."""
    if kind == "okta_system_log":
        return records
    if kind.startswith("entra"):
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs",
            "value": records,
        }
    return {"kind": "admin#reports#activities", "etag": '"e"', "items": records[::-1]}
