"""The request and response records the demo's clients, faults, SPs and recorder pass around.

Kept apart so the IdP dialects, the fault injector and the in-process SP agree on one shape
without importing each other.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ADSCIM_GROUP",
    "ENTERPRISE",
    "ERROR",
    "GROUP",
    "PATCH_OP",
    "USER",
    "Job",
    "Json",
    "Request",
    "Response",
    "error_body",
]

Json = dict[str, Any]

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass(frozen=True, slots=True)
class Request:
    """One SCIM request; `path` is relative to the app's base path and carries the query."""

    method: str
    path: str
    body: Json | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """What came back, whether from the SP or from the fault injector in front of it."""

    status: int
    body: Json | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


# A client flow: yields the next request, receives its response, may return a value.
Job = Generator[Request, Response, None]


def error_body(status: int, detail: str, scim_type: str | None = None) -> Json:
    """An RFC 7644 section 3.12 error, with `status` as the string the RFC asks for."""
    body: Json = {"schemas": [ERROR], "status": str(status)}
    if scim_type is not None:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body
