"""The records every stage passes along: the project's vocabulary.

Collectors turn raw input into records (`ScimRequest`, `ActivityRecord`, `IdpRecord`) or
`Rejected` markers; the classifier turns a `ScimRequest` into a `ScimEvent`. This is a leaf
module: it imports nothing from the project, so every package may depend on it.
Timestamps are float seconds since the Unix epoch (UTC); durations are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

__all__ = [
    "ActivityRecord",
    "Idp",
    "IdpAction",
    "IdpEvent",
    "IdpRecord",
    "Lifecycle",
    "Operation",
    "Outcome",
    "Quirk",
    "Record",
    "RejectReason",
    "Rejected",
    "RequestKey",
    "Resource",
    "ScimEvent",
    "ScimRequest",
]


class Outcome(StrEnum):
    """Outcome class of one SCIM request, by HTTP status (contract section 4)."""

    OK = "ok"
    AUTH_ERROR = "auth_error"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    THROTTLED = "throttled"
    CLIENT_ERROR = "client_error"
    SERVER_ERROR = "server_error"


class Resource(StrEnum):
    """What a SCIM request addresses; bounded so it can be a metric label."""

    USER = "User"
    GROUP = "Group"
    DISCOVERY = "discovery"
    BULK = "Bulk"
    OTHER = "other"


class Operation(StrEnum):
    """The SCIM operation a request performs (RFC 7644 section 3)."""

    CREATE = "create"
    GET = "get"
    LIST = "list"
    REPLACE = "replace"
    PATCH = "patch"
    DELETE = "delete"
    SEARCH = "search"
    BULK = "bulk"
    OTHER = "other"


class Lifecycle(StrEnum):
    """What a request does to the account it addresses."""

    DISABLE = "disable"
    DELETE = "delete"
    ACTIVATE = "activate"


class Idp(StrEnum):
    """The identity provider acting as SCIM client."""

    OKTA = "okta"
    ENTRA = "entra"
    GOOGLE = "google"
    ONELOGIN = "onelogin"
    JUMPCLOUD = "jumpcloud"
    GENERIC = "generic"
    UNKNOWN = "unknown"


class Quirk(StrEnum):
    """An IdP-specific request shape that strict service providers reject (scim-wire A.3.3)."""

    CAPITALIZED_OP = "capitalized_op"
    STRING_BOOLEAN = "string_boolean"
    VALUE_FILTER_PATH = "value_filter_path"
    REMOVE_WITH_VALUE = "remove_with_value"
    MANAGER_STRING = "manager_string"
    DOTTED_KEY_NO_PATH = "dotted_key_no_path"
    ADSCIM_GROUP_SCHEMA = "adscim_group_schema"
    READONLY_ID_IN_VALUE = "readonly_id_in_value"


class RejectReason(StrEnum):
    """Why an input line was skipped; bounded so it can be a metric label."""

    INVALID_JSON = "invalid_json"
    UNKNOWN_FORMAT = "unknown_format"
    MISSING_FIELD = "missing_field"
    BAD_TIMESTAMP = "bad_timestamp"
    BAD_STATUS = "bad_status"
    BAD_ENCODING = "bad_encoding"
    LINE_TOO_LONG = "line_too_long"


class RequestKey(NamedTuple):
    """The labels SCIM requests are counted by (metrics, store and report agree on them)."""

    app: str
    idp: str
    resource: str
    operation: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input line that could not be read; counted by reason, never fatal."""

    reason: RejectReason
    detail: str = ""


@dataclass(slots=True)
class ScimRequest:
    """One SCIM HTTP exchange as a log line recorded it, before classification.

    Bodies stay as the log gave them: a decoded JSON value, a string that still holds JSON
    (decoded only when a stage needs it), or None when the log has no bodies.
    """

    ts: float
    method: str
    path: str
    status: int
    query: str = ""
    app: str | None = None
    duration_s: float | None = None
    user_agent: str | None = None
    request_id: str | None = None
    request_body: object = None
    response_body: object = None
    response_headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One line of an app's own activity log (who did what, and how they authenticated)."""

    ts: float
    app: str | None
    user: str
    auth: str
    action: str
    status: int | None


@dataclass(frozen=True, slots=True)
class IdpRecord:
    """One IdP audit record (Okta LogEvent, Graph object, Google activity), kept raw."""

    ts: float
    kind: str
    key: str
    raw: Mapping[str, object]


Record = ScimRequest | ActivityRecord | IdpRecord


class IdpAction(StrEnum):
    """What an IdP audit record says happened to a person (or to their access to an app)."""

    CREATE = "create"  # person created in the IdP
    ACTIVATE = "activate"  # activated, reactivated, unsuspended, enabled, restored
    DEACTIVATE = "deactivate"  # deactivated, disabled (Entra AccountEnabled true -> false)
    SUSPEND = "suspend"
    DELETE = "delete"
    ASSIGN = "assign"  # given access to one app
    UNASSIGN = "unassign"  # access to one app removed
    RENAME = "rename"  # login / userName changed
    PROVISION = "provision"  # the IdP's own record of a provisioning operation to an app
    SESSION = "session"  # the person signed in or used a token
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IdpEvent:
    """One normalized fact from an IdP audit record (a record may yield several).

    `user_id` is the IdP's person id (Okta `00u...`, Entra object id; for Google the primary
    email); `user_name` the login (Okta login, Entra UPN, Google email) as logged. `app_ref` is
    the IdP's id for the app (Okta AppInstance id, Entra servicePrincipal id, Google app name),
    mapped to a configured app by the caller. Provisioning records carry `operation`
    (create, update, disable, delete, ...), `success`, and when the IdP reports it the SP's
    HTTP `status`, `scim_type`, the next retry time and the SP-side id (`target_id`).
    """

    ts: float
    idp: Idp
    action: IdpAction
    key: str
    user_id: str | None = None
    user_name: str | None = None
    app_ref: str | None = None
    operation: str | None = None
    success: bool | None = None
    status: int | None = None
    scim_type: str | None = None
    retry_at: float | None = None
    target_id: str | None = None
    new_user_name: str | None = None
    detail: str = ""


@dataclass(slots=True)
class ScimEvent:
    """A classified SCIM request: the normalized event the store and detectors consume."""

    ts: float
    app: str
    idp: Idp
    method: str
    resource: Resource
    operation: Operation
    outcome: Outcome
    status: int
    sp_id: str | None = None
    scim_type: str | None = None
    retry_after_s: float | None = None
    duration_s: float | None = None
    lifecycle: Lifecycle | None = None
    members_added: tuple[str, ...] = ()
    members_removed: tuple[str, ...] = ()
    members_replaced: tuple[str, ...] | None = None
    quirks: frozenset[Quirk] = field(default_factory=frozenset)
    request: ScimRequest | None = None
