"""The audit records each IdP writes about a person, in the shapes its API returns them.

Okta System Log LogEvents, Microsoft Graph directory audits and provisioning summaries, and
Google Reports admin activities (reference idp-audit-apis.md sections 1.7, 2.6, 2.8, 3.3).
Only the fields scimwatch reads are varied; the rest are the constant envelope every real
record carries, so a parser that trips over them is caught by the demo too. Ids come from one
seeded source, so the same simulation writes the same records.
"""

from __future__ import annotations

import random
import string
import time
import uuid
from http import HTTPStatus

import orjson

from monitor.demo.population import Person
from monitor.demo.recorder import rfc3339
from monitor.demo.wire import Json

__all__ = [
    "Ids",
    "entra_audit",
    "entra_provisioning",
    "google_admin",
    "okta_app",
    "okta_app_user",
    "okta_event",
    "okta_failure",
    "okta_user",
]

_B62 = string.ascii_letters + string.digits
_ADMIN_EMAIL = "it-admin@example.com"
_ADMIN_IP = "203.0.113.10"
_OKTA_ADMIN = {
    "id": "00u1adm1nd3m0000000",
    "type": "User",
    "alternateId": _ADMIN_EMAIL,
    "displayName": "IT Admin",
    "detailEntry": None,
}
_PROVISIONING_SERVICE = {
    "id": "",
    "displayName": "Azure AD Provisioning Service",
    "initiatorType": "system",
}


class Ids:
    """Random identifiers in each IdP's own alphabet, from one seeded source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def b62(self, prefix: str, length: int) -> str:
        return prefix + "".join(self._rng.choice(_B62) for _ in range(length))

    def number(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def signed(self) -> str:
        """Google's `uniqueQualifier`: a signed 64-bit integer as a string."""
        return str(self._rng.getrandbits(64) - (1 << 63))


def _graph_time(t: float) -> str:
    """Graph stamps carry 7 fractional digits (100 ns ticks)."""
    seconds, ticks = divmod(round(t * 1e7), 10**7)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ticks:07d}Z"


def okta_user(person: Person) -> Json:
    return {
        "id": person.okta_id,
        "type": "User",
        "alternateId": person.user_name,
        "displayName": person.display_name,
        "detailEntry": None,
    }


def okta_app(app_id: str, label: str) -> Json:
    return {
        "id": app_id,
        "type": "AppInstance",
        "alternateId": label,
        "displayName": label,
        "detailEntry": None,
    }


def okta_app_user(app_user_id: str, person: Person) -> Json:
    return {
        "id": app_user_id,
        "type": "AppUser",
        "alternateId": person.user_name,
        "displayName": person.user_name,
        "detailEntry": None,
    }


def okta_event(
    ids: Ids,
    t: float,
    event_type: str,
    targets: list[Json],
    failure: str | None = None,
    actor: Json | None = None,
) -> Json:
    """One LogEvent; `failure` is the outcome reason of a push the app refused; `actor` the
    user who acted (default: the IT admin)."""
    job = event_type.startswith("application.provision.")
    return {
        "uuid": ids.uuid(),
        "published": rfc3339(t),
        "eventType": event_type,
        "version": "0",
        "severity": "WARN" if failure else "INFO",
        "legacyEventType": None,
        "displayMessage": event_type.replace(".", " ").replace("_", " ").capitalize(),
        "actor": actor or _OKTA_ADMIN,
        "client": None,
        "outcome": {"result": "FAILURE" if failure else "SUCCESS", "reason": failure},
        "target": targets,
        "transaction": {"type": "JOB" if job else "WEB", "id": ids.b62("", 10), "detail": {}},
        "debugContext": {"debugData": {}},
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": None},
        "securityContext": {},
        "request": {"ipChain": []},
    }


def okta_failure(person: Person, label: str, verb: str, status: int) -> str:
    """Okta's outcome reason for a push the app answered with an error (section 1.9)."""
    phrase = HTTPStatus(status).phrase
    return (
        f"Automatic provisioning of user {person.display_name} to app {label} failed: "
        f"Error while trying to {verb} user {person.user_name}: {phrase}. "
        f"Errors reported by remote server: {status}"
    )


def entra_audit(
    ids: Ids, t: float, activity: str, person: Person, enabled: tuple[bool, bool] | None
) -> Json:
    """A directoryAudit; `enabled` is AccountEnabled (old, new) when the activity changed it."""
    changed = (
        [
            {
                "displayName": "AccountEnabled",
                "oldValue": orjson.dumps([enabled[0]]).decode(),
                "newValue": orjson.dumps([enabled[1]]).decode(),
            }
        ]
        if enabled is not None
        else []
    )
    return {
        "id": f"Directory_{ids.uuid()}_{ids.b62('', 5)}_{ids.b62('', 8)}",
        "category": "UserManagement",
        "correlationId": ids.uuid(),
        "result": "success",
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": _graph_time(t),
        "loggedByService": "Core Directory",
        "operationType": "Add" if activity == "Add user" else "Update",
        "initiatedBy": {
            "user": {
                "id": "7f3c2a51-0d4e-4b8a-9c61-2e5f8d0a7b13",
                "displayName": None,
                "userPrincipalName": _ADMIN_EMAIL,
                "ipAddress": _ADMIN_IP,
            },
            "app": None,
        },
        "targetResources": [
            {
                "id": person.entra_id,
                "displayName": None,
                "type": "User",
                "userPrincipalName": person.user_name,
                "groupType": None,
                "modifiedProperties": changed,
            }
        ],
        "additionalDetails": [{"key": "UserType", "value": "Member"}],
    }


def _graph_error(status: int, retry_at: float) -> Json:
    name = HTTPStatus(status).phrase.replace(" ", "")
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status)}
    reason = (
        f"StatusCode: {name}\r\nMessage: Processing of the HTTP request resulted in an "
        f"exception.\r\nWeb Response: \r\n{orjson.dumps(body).decode()}. This operation was "
        f"retried 0 times. It will be retried again after this date: {_graph_time(retry_at)} UTC"
    )
    return {
        "errorCode": name,
        "reason": reason,
        "additionalDetails": None,
        "errorCategory": "nonServiceFailure",
        "recommendedAction": None,
    }


def entra_provisioning(
    ids: Ids,
    t: float,
    *,
    tenant: str,
    principal: tuple[str, str],
    person: Person,
    action: str,
    sp_id: str | None,
    status: int | None,
) -> Json:
    """A provisioningObjectSummary; `status` is the SP's error status when the export failed."""
    sp_ref, label = principal
    return {
        "id": ids.uuid(),
        "activityDateTime": _graph_time(t),
        "tenantId": tenant,
        "jobId": f"scim.{tenant.replace('-', '')}.{sp_ref}",
        "cycleId": ids.uuid(),
        "changeId": ids.uuid(),
        "durationInMilliseconds": ids.number(200, 4000),
        "initiatedBy": _PROVISIONING_SERVICE,
        "servicePrincipal": {"id": sp_ref, "displayName": label},
        "sourceSystem": {"id": ids.uuid(), "displayName": "Microsoft Entra ID", "details": {}},
        "targetSystem": {
            "id": ids.uuid(),
            "displayName": label,
            "details": {"ServicePrincipalId": sp_ref},
        },
        "sourceIdentity": {
            "id": person.entra_id,
            "displayName": person.display_name,
            "identityType": "User",
            "details": {"UserPrincipalName": person.user_name},
        },
        "targetIdentity": {
            "id": sp_id or "",
            "displayName": "",
            "identityType": "User",
            "details": {},
        },
        "provisioningAction": action,
        "provisioningStatusInfo": {
            "status": "failure" if status is not None else "success",
            "errorInformation": _graph_error(status, t + 2400.0) if status is not None else None,
        },
        "provisioningSteps": [],
        "modifiedProperties": [],
    }


def google_admin(ids: Ids, t: float, name: str, email: str) -> Json:
    """One Reports `admin` activity: an admin acting on the USER_EMAIL account."""
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": rfc3339(t),
            "uniqueQualifier": ids.signed(),
            "applicationName": "admin",
            "customerId": "C03demo42",
        },
        "etag": f'"{ids.b62("", 20)}"',
        "actor": {
            "callerType": "USER",
            "email": _ADMIN_EMAIL,
            "profileId": "104937221554902387777",
        },
        "ipAddress": _ADMIN_IP,
        "ownerDomain": "example.com",
        "events": [
            {
                "type": "USER_SETTINGS",
                "name": name,
                "parameters": [{"name": "USER_EMAIL", "value": email}],
            }
        ],
    }
