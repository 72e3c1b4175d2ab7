"""A fake Microsoft Graph (token endpoint plus the two audit collections), per idp-audit-apis.md 2.

Why a fake server: paging, overlap and throttling only mean something against a server that
keeps state (a log that grows, late records, expiring tokens, a per-tenant request window).
Behaviour follows sections 2.2-2.5 and the checklist 2.11:

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the tenant's OpenID discovery document
  (msal reads `token_endpoint` from it before its first token); an unknown tenant gets 400
  `invalid_tenant` (AADSTS90002).
- `POST /{tenant}/oauth2/v2.0/token`, client credentials: a wrong secret gets 401 `invalid_client`
  with an AADSTS error body; tokens expire after `token_lifetime` seconds. Scripted faults
  (`token_faults`): "429" (with Retry-After), "500", "503".
- `GET /v1.0/auditLogs/provisioning` (`$filter=activityDateTime gt|lt|eq`) and
  `/v1.0/auditLogs/directoryAudits` (`ge|le|eq`): another operator is a 400, like Graph.
  `$orderby=activityDateTime asc|desc` (default newest first), `$top` (1-1000), and an
  `@odata.nextLink` carrying an opaque `$skiptoken` while more records match.
- Over `limit` requests in `window` s per tenant (5 in 10): 429 `TooManyRequests` with
  `Retry-After`; `storm()` answers the next N requests 429 whatever the window says.
  `answers` logs every audit request as (arrival time, status, Retry-After).
- `add()` makes records visible now, whatever their `activityDateTime` (late arrivals), and the
  same record may be added twice (duplicates); `shuffle` serves each page out of order.
- Scripted faults (`fail_next`): "503", "504", "bad_page", "429".
- Record builders for the checklist's shapes: provisioning `status` success, failure (with the
  `reason` string embedding the SCIM error), skipped and warning; directory audits `Disable
  account`, `Update user`, `Delete user` (soft: the UPN prefixed with the object id) and `Hard
  Delete user`, with JSON-string `modifiedProperties`.

Time comes from the injected clock, so tests never sleep.
"""

from __future__ import annotations

import base64
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.clock import Clock

__all__ = ["FakeGraph", "audit", "graph_utc", "provisioning", "scim_error"]

WINDOW, LIMIT = 10.0, 5
_OPS = {"provisioning": ("gt", "lt", "eq"), "directoryAudits": ("ge", "le", "eq")}


def graph_utc(seconds: float) -> str:
    """Seven fractional digits, as Graph writes `activityDateTime`."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}1Z"


def provisioning(
    id: str,
    when: str,
    *,
    action: str = "disable",
    status: str = "success",
    error: dict[str, Any] | None = None,
    user: str | None = None,
    app: str = "e394395f-7b85-4a43-a1be-365854c5a110",
    **extra: Any,
) -> dict[str, Any]:
    """A provisioningObjectSummary with nulls where real payloads have them; `user` (an object
    id) adds the identities, `error` the `errorInformation` (null unless failure/warning)."""
    record: dict[str, Any] = {
        "id": id,
        "activityDateTime": when,
        "provisioningAction": action,
        "initiatedBy": {"id": "", "displayName": "Azure AD Provisioning Service"},
        "provisioningStatusInfo": {"status": status, "errorInformation": error},
    }
    if user is not None:
        record["servicePrincipal"] = {"id": app, "displayName": "Acme SCIM"}
        record["sourceIdentity"] = {
            "id": user,
            "displayName": "",
            "identityType": "User",
            "details": {"UserPrincipalName": f"{user}@example.com"},
        }
        record["targetIdentity"] = {"id": f"sp-{user}", "identityType": "User", "details": {}}
    return {**record, **extra}


def scim_error(code: str, http: str, scim: dict[str, Any], retried: int = 1) -> dict[str, Any]:
    """`errorInformation` with the `reason` format Graph uses for an SCIM error (2.6)."""
    reason = (
        f"StatusCode: {http}\r\nMessage: Processing of the HTTP request resulted in an exception."
        " Please see the HTTP response returned by the 'Response' property of this exception for"
        f" details.\r\nWeb Response: \r\n{orjson.dumps(scim).decode()}. This operation was retried"
        f" {retried} times. It will be retried again after this date: 2026-03-24T13:23:44.91Z UTC"
    )
    return {
        "errorCode": code,
        "reason": reason,
        "additionalDetails": None,
        "errorCategory": "nonServiceFailure",
        "recommendedAction": None,
    }


def audit(
    id: str,
    when: str,
    *,
    activity: str = "Disable account",
    user: str | None = None,
    result: str = "success",
    **extra: Any,
) -> dict[str, Any]:
    """A directoryAudit record; `user` (an object id) adds the target with the activity's
    JSON-string `modifiedProperties` (2.8)."""
    record: dict[str, Any] = {
        "id": id,
        "activityDateTime": when,
        "activityDisplayName": activity,
        "category": "UserManagement",
        "result": result,
        "loggedByService": "Core Directory",
    }
    if user is not None:
        upn = f"{user}@example.com"
        if activity in ("Delete user", "Hard Delete user"):  # the UPN is rewritten on delete
            upn = user.replace("-", "") + upn
        record["targetResources"] = [
            {
                "id": user,
                "type": "User",
                "userPrincipalName": upn,
                "modifiedProperties": _props(activity),
            }
        ]
    return {**record, **extra}


def _props(activity: str) -> list[dict[str, Any]]:
    if activity in ("Disable account", "Update user"):
        return [
            {"displayName": "AccountEnabled", "oldValue": "[true]", "newValue": "[false]"},
            {
                "displayName": "Included Updated Properties",
                "oldValue": None,
                "newValue": '"AccountEnabled"',
            },
        ]
    if activity in ("Delete user", "Hard Delete user"):
        hard = '"True"' if activity == "Hard Delete user" else '"False"'
        return [{"displayName": "Is Hard Deleted", "oldValue": None, "newValue": hard}]
    return []


def _time(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": "fake"}}}
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


@dataclass
class FakeGraph:
    """Records per collection plus the knobs tests turn; `app` is the ASGI application."""

    clock: Clock
    tenant: str
    client_id: str
    secret: str
    token_lifetime: int = 3599
    shuffle: bool = False
    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"provisioning": [], "directoryAudits": []}
    )
    limit: int = LIMIT  # requests per `window` seconds per tenant
    window: float = WINDOW
    fail_next: list[str] = field(default_factory=list)
    token_faults: list[str] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry
    token_forms: list[dict[str, list[str]]] = field(default_factory=list)
    discoveries: int = 0  # OpenID discovery documents served
    seen_urls: list[str] = field(default_factory=list)
    sent: deque[float] = field(default_factory=deque)  # accepted request times, this tenant
    throttled: int = 0  # 429s sent because the window was full
    answers: list[tuple[float, int, float | None]] = field(default_factory=list)
    _storm: deque[int] = field(default_factory=deque)  # Retry-After of the next storm 429s

    def add(self, collection: str, *items: dict[str, Any]) -> None:
        self.records[collection].extend(items)

    def storm(self, count: int, retry_after: tuple[int, ...] = (3,)) -> None:
        """Answer the next `count` audit requests 429, cycling through `retry_after` seconds."""
        self._storm.extend(retry_after[i % len(retry_after)] for i in range(count))

    @property
    def app(self) -> Starlette:
        routes = [
            Route("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery),
            Route("/{tenant}/oauth2/v2.0/token", self._token, methods=["POST"]),
            Route("/v1.0/auditLogs/{collection}", self._list, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    async def _discovery(self, request: Request) -> Response:
        """The v2.0 OpenID configuration of a tenant, its endpoints on this server."""
        tenant = request.path_params["tenant"]
        if tenant != self.tenant:
            return self._aad(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        self.discoveries += 1
        base = f"{str(request.base_url).rstrip('/')}/{tenant}"
        doc = {  # the documented v2.0 shape, trimmed to what a client may read
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        }
        return Response(orjson.dumps(doc), 200, media_type="application/json")

    async def _token(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        self.token_forms.append(form)
        one = {key: values[0] for key, values in form.items()}
        fault = self.token_faults.pop(0) if self.token_faults else None
        if fault == "429":
            return self._aad(429, "temporarily_unavailable", 90055, "Too many requests.", retry=5)
        if fault in ("500", "503"):
            return Response(b"<html>Service Unavailable</html>", int(fault))
        if request.path_params["tenant"] != self.tenant:
            return self._aad(400, "invalid_request", 90002, "Tenant not found.")
        if one.get("grant_type") != "client_credentials" or one.get("scope") != (
            "https://graph.microsoft.com/.default"
        ):
            return self._aad(400, "invalid_request", 900144, "Bad grant or scope.")
        if one.get("client_id") != self.client_id or one.get("client_secret") != self.secret:
            return self._aad(401, "invalid_client", 7000215, "Invalid client secret provided.")
        token = f"eyJ.fake.{len(self.tokens)}"
        self.tokens[token] = self.clock.now() + self.token_lifetime
        body = {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}
        return Response(orjson.dumps(body), 200, media_type="application/json")

    @staticmethod
    def _aad(status: int, error: str, code: int, text: str, retry: int | None = None) -> Response:
        headers = {"Retry-After": str(retry)} if retry is not None else None
        body = {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: 0 Correlation ID: 0",
            "error_codes": [code],
            "trace_id": "0",
        }
        return Response(orjson.dumps(body), status, headers, media_type="application/json")

    async def _list(self, request: Request) -> Response:
        self.seen_urls.append(str(request.url))
        collection = request.path_params["collection"]
        if collection not in self.records:
            return _error(400, "BadRequest", "Resource not found for the segment.")
        auth = request.headers.get("authorization", "")
        expiry = self.tokens.get(auth.removeprefix("Bearer "))
        if not auth.startswith("Bearer ") or expiry is None or expiry <= self.clock.now():
            return _error(401, "InvalidAuthenticationToken", "Access token has expired.")
        response = self._answer(request, collection)
        retry = response.headers.get("Retry-After")
        self.answers.append(
            (self.clock.now(), response.status_code, float(retry) if retry else None)
        )
        return response

    def _answer(self, request: Request, collection: str) -> Response:
        now = self.clock.now()
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        if self._storm:
            retry = {"Retry-After": str(self._storm.popleft())}
            return _error(429, "TooManyRequests", "Please retry again later.", retry)
        fault = self.fail_next.pop(0) if self.fail_next else None
        full = len(self.sent) >= self.limit
        self.throttled += full
        if full or fault == "429":
            wait = self.sent[0] + self.window - now if full else 3.0
            retry = {"Retry-After": str(math.ceil(wait))}
            return _error(429, "TooManyRequests", "Please retry again later.", retry)
        self.sent.append(now)
        if fault in ("503", "504"):
            return _error(int(fault), "UnknownError", "Service unavailable.")
        if fault == "bad_page":
            return Response(b'{"@odata.context": "x", "value": {', 200)
        return self._page(request, collection)

    def _page(self, request: Request, collection: str) -> Response:
        query = dict(request.query_params)
        skip = 0
        if "$skiptoken" in query:
            state = orjson.loads(base64.urlsafe_b64decode(query["$skiptoken"]))
            query, skip = state["query"], state["skip"]
        chosen = self._select(collection, query)
        if isinstance(chosen, Response):
            return chosen
        top = int(query.get("$top", "100"))
        page = chosen[skip : skip + top]
        if self.shuffle:
            page = page[::-1]
        base = str(request.base_url).rstrip("/")
        body: dict[str, Any] = {
            "@odata.context": f"{base}/v1.0/$metadata#auditLogs/{collection}",
            "value": page,
        }
        if skip + top < len(chosen):
            state = {"query": query, "skip": skip + top}
            token = base64.urlsafe_b64encode(orjson.dumps(state)).decode()
            body["@odata.nextLink"] = (
                f"{base}/v1.0/auditLogs/{collection}?{urlencode({'$skiptoken': token})}"
            )
        return Response(orjson.dumps(body), 200, media_type="application/json")

    def _select(self, collection: str, query: dict[str, str]) -> list[dict[str, Any]] | Response:
        top, order = query.get("$top", "100"), query.get("$orderby", "activityDateTime desc")
        if not top.isdigit() or not 1 <= int(top) <= 1000:
            return _error(400, "BadRequest", "Invalid $top.")
        if order not in ("activityDateTime asc", "activityDateTime desc"):
            return _error(400, "BadRequest", "Invalid $orderby.")
        items = list(self.records[collection])
        if "$filter" in query:
            parts = query["$filter"].split(" ")
            bound = _time(parts[2]) if len(parts) == 3 else None
            if parts[0] != "activityDateTime" or parts[1] not in _OPS[collection] or bound is None:
                return _error(400, "BadRequest", "Invalid filter clause")
            items = [item for item in items if _match(item, parts[1], bound)]
        items.sort(key=lambda item: _time(item["activityDateTime"]) or 0.0)
        return items if order.endswith("asc") else items[::-1]


def _match(item: dict[str, Any], op: str, bound: float) -> bool:
    at = _time(item["activityDateTime"]) or 0.0
    return {"gt": at > bound, "ge": at >= bound, "lt": at < bound, "le": at <= bound}.get(
        op, at == bound
    )
