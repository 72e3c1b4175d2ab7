"""A fake Google: the OAuth token endpoint and Admin SDK Reports `activities.list`.

Why a stateful fake: the poller's windows, lag, overlap and page tokens only mean something
against a server whose log grows and publishes events late. Behaviour follows
/work/shared/reference/idp-audit-apis.md section 3 (3.2, 3.3, 3.7, 3.8, checklist 3.11):

- `POST /token` takes a JWT-bearer assertion and checks its RS256 signature with the test
  public key, `iss`, `sub`, `scope`, `aud` and a lifetime of at most an hour; the token it
  issues expires after `token_lifetime` seconds of the injected clock.
- `GET /admin/reports/v1/activity/users/all/applications/{app}`: Bearer auth (401 otherwise),
  400 for an application the API does not know; the activities of *that* application
  (`id.applicationName`), newest first, among those already *visible*; `maxResults` 1-1000;
  opaque page tokens bound to the application and the rest of the query (400 when reused
  with another one); 400 when `startTime` is after `endTime` or in the future; `endTime`
  defaults to now.
- Visibility is per application (3.4): an activity shows `lag[application]` seconds after its
  `id.time` (`REFERENCE_LAG`: admin a couple of minutes, login hours), and never before it was
  `add`ed, so adding an old activity later is an out-of-order insertion behind the window.
- Token activities (`token_activity`) carry `multiValue` and `multiMessageValue` parameters,
  as in the reference's token example (3.9 c).
- An optional per-minute quota (`quota_per_minute`, "Queries per minute per user", 3.8):
  requests over it get 403 `rateLimitExceeded`, and count, as the quota counts them.
- Scripted faults (`fail_next`): "rateLimitExceeded" / "userRateLimitExceeded" (403), "429",
  "503", "forbidden" (403 without a rate reason), "bad_page", "invalid_page_token" (the 400
  a stale or foreign page token gets); `token_fail_next`: "503".
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.clock import Clock

__all__ = ["APPLICATIONS", "REFERENCE_LAG", "FakeGoogle", "activity", "token_activity"]

SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
TOKEN_AUD = "https://oauth2.googleapis.com/token"
ACTIVITIES = "/admin/reports/v1/activity/users/all/applications/{app}"
# `applicationName` enum of the discovery document (rev 20251124), reference 3.1.
_ENUM = (
    "access_transparency admin calendar chat drive gcp gmail gplus groups groups_enterprise"
    " jamboard login meet mobile rules saml token user_accounts context_aware_access chrome"
    " data_studio keep vault gemini_in_workspace_apps classroom assignments cloud_search tasks"
    " data_migration meet_hardware directory_sync ldap profile access_evaluation"
)
APPLICATIONS = frozenset(_ENUM.split())
# Seconds between an activity's `id.time` and its visibility, per application (3.4, 3.11):
# admin "a couple of minutes", SAML "usually within an hour", login "1-6 h" (the worst case
# here). Token and user_accounts lags are unconfirmed: an hour, within the community's
# "30 minutes to 3 hours". Other applications: the same hour.
REFERENCE_LAG: dict[str, float] = {
    "admin": 120.0,
    "login": 6 * 3600.0,
    "saml": 3600.0,
    "token": 3600.0,
    "user_accounts": 3600.0,
}
DEFAULT_LAG = 3600.0
SCOPES = ("https://www.googleapis.com/auth/userinfo.email", "openid")


def activity(
    time: str,
    qualifier: str,
    name: str = "SUSPEND_USER",
    *,
    application: str = "admin",
    **extra: Any,
) -> dict[str, Any]:
    """An admin-shaped activity; `qualifier` is an int64 string (maybe negative)."""
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": time,
            "uniqueQualifier": qualifier,
            "applicationName": application,
            "customerId": "C02abc123",
        },
        "etag": '"etag/' + qualifier + '"',
        "actor": {"callerType": "USER", "email": "it-admin@example.com"},
        "events": [
            {
                "type": "USER_SETTINGS",
                "name": name,
                "parameters": [{"name": "USER_EMAIL", "value": "leaver@example.com"}],
            }
        ],
        **extra,
    }


def token_activity(
    time: str,
    qualifier: str,
    name: str = "authorize",
    *,
    user: str = "leaver@example.com",
    app_name: str = "Acme Desktop",
    scopes: tuple[str, ...] = SCOPES,
) -> dict[str, Any]:
    """A `token` activity as in reference 3.9 (c): `scope` is a `multiValue` parameter and
    `scope_data` a `multiMessageValue` whose nested parameters repeat names of their own."""
    scope_data = [
        {
            "parameter": [
                {"name": "scope_name", "value": scope},
                {"name": "product_bucket", "multiValue": ["IDENTITY"]},
            ]
        }
        for scope in scopes
    ]
    parameters = [
        {"name": "client_id", "value": "923474483785-fake.apps.googleusercontent.com"},
        {"name": "app_name", "value": app_name},
        {"name": "client_type", "value": "NATIVE_DESKTOP"},
        {"name": "scope", "multiValue": list(scopes)},
        {"name": "scope_data", "multiMessageValue": scope_data},
    ]
    item = activity(time, qualifier, application="token")
    item["actor"] = {"callerType": "USER", "email": user, "profileId": "109876543210987654321"}
    item["events"] = [{"type": "auth", "name": name, "parameters": parameters}]
    return item


def _error(status: int, reason: str, message: str, state: str) -> Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "usageLimits", "reason": reason}],
            "status": state,
        }
    }
    return Response(orjson.dumps(body), status, media_type="application/json")


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _parse_time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo else None


@dataclass
class FakeGoogle:
    """The tenant's audit log plus the knobs tests turn; `app` is the ASGI application."""

    clock: Clock
    public_key: rsa.RSAPublicKey
    client_email: str
    subject: str
    token_aud: str = TOKEN_AUD
    token_lifetime: int = 3600
    lag: dict[str, float] = field(default_factory=lambda: dict(REFERENCE_LAG))
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (added, event)
    fail_next: list[str] = field(default_factory=list)
    token_fail_next: list[str] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    token_requests: int = 0
    seen_queries: list[dict[str, str]] = field(default_factory=list)
    seen_apps: list[str] = field(default_factory=list)  # the path's application, per request
    seen_at: list[float] = field(default_factory=list)  # clock time of each activities request
    seen_auth: list[str] = field(default_factory=list)
    quota_per_minute: int | None = None
    used: Counter[int] = field(default_factory=Counter)  # minute -> activities requests

    def add(self, *items: dict[str, Any]) -> None:
        """Store activities now, whatever their `id.time`: each shows once its application's
        lag has passed (`visible_at`)."""
        added = self.clock.now()
        self.events.extend((added, item) for item in items)

    def visible_at(self, added: float, item: dict[str, Any]) -> float:
        """When an activity first appears in a listing: its time plus its application's lag,
        and never before it was added."""
        ident = item.get("id")
        ident = ident if isinstance(ident, dict) else {}
        app = str(ident.get("applicationName", ""))
        happened = _parse_time(ident.get("time")) or added
        return max(added, happened + self.lag.get(app, DEFAULT_LAG))

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route(ACTIVITIES, self._activities, methods=["GET"]),
            ]
        )

    async def _token(self, request: Request) -> Response:
        self.token_requests += 1
        if self.token_fail_next:
            self.token_fail_next.pop(0)
            return Response(b"", 503)
        form = parse_qs((await request.body()).decode())
        grant = form.get("grant_type", [""])[0]
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._refuse("unsupported_grant_type")
        problem = self._check_assertion(form.get("assertion", [""])[0])
        if problem is not None:
            return self._refuse(problem)
        token = "ya29.fake-" + secrets.token_urlsafe(16)
        self.tokens[token] = self.clock.now() + self.token_lifetime
        body = {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        return Response(orjson.dumps(body), 200, media_type="application/json")

    def _check_assertion(self, assertion: str) -> str | None:
        """None when valid, else the OAuth error Google would answer with."""
        try:
            header, payload, signature = assertion.split(".")
            claims = json.loads(_b64(payload))
            alg = json.loads(_b64(header)).get("alg")
            self.public_key.verify(
                _b64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, InvalidSignature):
            return "invalid_grant"
        if alg != "RS256" or claims.get("iss") != self.client_email:
            return "invalid_grant"
        if (
            claims.get("aud") != self.token_aud
            or claims.get("exp", 0) - claims.get("iat", 0) > 3600
        ):
            return "invalid_grant"
        if claims.get("sub") != self.subject or claims.get("scope") != SCOPE:
            return "unauthorized_client"  # delegation not granted for this subject or scope
        return None

    @staticmethod
    def _refuse(code: str) -> Response:
        body = {"error": code, "error_description": "refused by the fake"}
        return Response(orjson.dumps(body), 400, media_type="application/json")

    async def _activities(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.seen_queries.append(query)
        self.seen_apps.append(request.path_params["app"])
        self.seen_at.append(self.clock.now())
        auth = request.headers.get("authorization", "")
        self.seen_auth.append(auth)
        expiry = self.tokens.get(auth.removeprefix("Bearer "))
        if expiry is None or expiry <= self.clock.now():
            return _error(401, "authError", "Invalid Credentials", "UNAUTHENTICATED")
        minute = int(self.clock.now() // 60)
        self.used[minute] += 1
        if self.quota_per_minute is not None and self.used[minute] > self.quota_per_minute:
            return self._fault("rateLimitExceeded")
        fault = self.fail_next.pop(0) if self.fail_next else None
        if fault:  # "" scripts a normal answer, to fault a later request
            return self._fault(fault)
        return self._list(request.path_params["app"], query)

    @staticmethod
    def _fault(fault: str) -> Response:
        if fault in ("rateLimitExceeded", "userRateLimitExceeded"):
            message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'"
            return _error(403, fault, message, "PERMISSION_DENIED")
        if fault == "429":
            return _error(429, "rateLimitExceeded", "Resource exhausted", "RESOURCE_EXHAUSTED")
        if fault == "503":
            return _error(503, "backendError", "The service is unavailable", "UNAVAILABLE")
        if fault == "forbidden":
            return _error(403, "forbidden", "Not Authorized to access this resource/api", "")
        if fault == "invalid_page_token":
            return _error(400, "invalid", "Invalid page token", "INVALID_ARGUMENT")
        return Response(b'{"unexpected": true}', 200, media_type="application/json")

    def _list(self, app: str, query: dict[str, str]) -> Response:
        now = self.clock.now()
        if app not in APPLICATIONS:
            return _error(400, "invalid", f"Invalid value '{app}' for applicationName", "")
        start = _parse_time(query.get("startTime"))
        end = _parse_time(query.get("endTime")) if "endTime" in query else now
        limit = int(query.get("maxResults", "1000"))
        if start is None or end is None or start > end or start > now or not 1 <= limit <= 1000:
            return _error(400, "invalid", "Invalid startTime, endTime or maxResults", "")
        bound = {k: v for k, v in query.items() if k != "pageToken"}
        digest = hashlib.sha256(f"{app}|{sorted(bound.items())}".encode()).hexdigest()[:12]
        offset = 0
        if "pageToken" in query:
            head, _, tail = query["pageToken"].partition(":")
            if tail != digest or not head.isdigit():
                return _error(400, "invalid", "Invalid page token", "INVALID_ARGUMENT")
            offset = int(head)
        chosen = sorted(
            (
                item
                for added, item in self.events
                if _application(item) == app
                and self.visible_at(added, item) <= now
                and start <= (_parse_time(item["id"]["time"]) or 0) < end
            ),
            key=lambda item: str(item["id"]["time"]),
            reverse=True,
        )
        page: dict[str, Any] = {"kind": "admin#reports#activities", "etag": '"fake"'}
        if chosen[offset : offset + limit]:
            page["items"] = chosen[offset : offset + limit]  # an empty page omits items
        if offset + limit < len(chosen):
            page["nextPageToken"] = f"{offset + limit}:{digest}"
        return Response(orjson.dumps(page), 200, media_type="application/json")


def _application(item: dict[str, Any]) -> object:
    ident = item.get("id")
    return ident.get("applicationName") if isinstance(ident, dict) else None
