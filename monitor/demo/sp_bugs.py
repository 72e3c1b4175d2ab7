"""Bugs inside one app's SP, as opposed to the transport faults in front of it (`faults`).

A request reaches the real scim2-server either way; these wrap it the way a buggy SP release
or an SP-side business rule does, and the SCIM log shows the SP's answer as it was:

- PATCH handled as PUT (while `patch_as_put_until` lies ahead): the operations' values become
  the whole resource, everything else is wiped, and the answer is 200 with what is left.
- Deactivation ignored for `protected` accounts (an owner the SP will not lock out): the SP
  answers 200 with the account as it was, still active.
- A just-in-time account made on a first SSO sign-in (`jit_account`): created inside the SP,
  so it appears in no SCIM request, only in the listings that follow.
"""

from __future__ import annotations

from typing import Any

from monitor.demo.population import Person
from monitor.demo.provider import ServiceProvider
from monitor.demo.wire import ENTERPRISE, USER, Json, Request, Response

__all__ = ["BuggySp"]


class BuggySp:
    """One app's SP with the bugs its incidents switch on; bug-free until they do."""

    def __init__(self, sp: ServiceProvider) -> None:
        self.sp = sp
        self.patch_as_put_until = float("-inf")
        self.protected: set[str] = set()

    def handle(self, t: float, request: Request) -> Response:
        if not request.path.startswith("/Users/") or request.body is None:
            return self.sp.handle(request)
        protected = request.path.rpartition("/")[2] in self.protected
        if protected and request.method in ("PATCH", "PUT") and _deactivates(request):
            return self._unchanged(request)
        if request.method == "PATCH" and t < self.patch_as_put_until:
            return self._patch_as_put(request)
        return self.sp.handle(request)

    def jit_account(self, person: Person) -> str | None:
        """The account the app's SSO creates for `person`, keyed by the login name without the
        domain, so it does not match the SCIM account; returns its SP id."""
        body = {
            "schemas": [USER],
            "userName": person.nickname,
            "active": True,
            "displayName": person.display_name,
            "name": {"givenName": person.given, "familyName": person.family},
            "emails": [{"value": person.user_name, "type": "work", "primary": True}],
        }
        created = self.sp.handle(Request("POST", "/Users", body))
        return str(created.body["id"]) if created.status == 201 and created.body else None

    def _unchanged(self, request: Request) -> Response:
        current = self.sp.handle(Request("GET", request.path))
        return Response(200, current.body, current.headers) if current.status == 200 else current

    def _patch_as_put(self, request: Request) -> Response:
        current = self.sp.handle(Request("GET", request.path))
        if current.status != 200 or current.body is None:
            return self.sp.handle(request)
        body: Json = {"schemas": [USER], "userName": current.body["userName"]}
        assert request.body is not None
        for op in request.body.get("Operations", []):
            if str(op.get("op", "")).lower() in ("add", "replace"):
                _put(body, op.get("path"), op.get("value"))
        if ENTERPRISE in body:
            body["schemas"] = [USER, ENTERPRISE]
        return self.sp.handle(Request("PUT", request.path, body))


def _deactivates(request: Request) -> bool:
    """Whether a user write sets `active` false, in the shapes the demo's IdPs send."""
    body = request.body or {}
    if request.method == "PUT":
        return body.get("active") is False
    for op in body.get("Operations", []):
        value = op.get("value")
        path = op.get("path")
        if path is None and isinstance(value, dict) and value.get("active") in (False, "False"):
            return True
        if isinstance(path, str) and path.lower() == "active" and value in (False, "False"):
            return True
    return False


def _put(body: Json, path: object, value: Any) -> None:
    """Write one operation's value where its path points (a no-path value is merged)."""
    if path is None and isinstance(value, dict):
        for key, item in value.items():
            _put(body, key, item)
        return
    if not isinstance(path, str) or "[" in path:
        return  # a value-filtered path names part of an attribute the bug has already wiped
    if path.startswith("urn:"):
        urn, _, attribute = path.rpartition(":")
        body.setdefault(urn, {})[attribute] = value
    elif "." in path:
        parent, _, attribute = path.partition(".")
        body.setdefault(parent, {})[attribute] = value
    else:
        body[path] = value
