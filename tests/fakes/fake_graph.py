"""A fake Microsoft Graph (token endpoint plus the two audit collections), per idp-audit-apis.md 2.

Why a fake server: paging, overlap and throttling only mean something against a server that
keeps state (a log that grows, late records, expiring tokens, a per-tenant request window).
Behaviour follows sections 2.2-2.5 and the checklist 2.11:

- `POST /{tenant}/oauth2/v2.0/token`, client credentials: a wrong secret gets 401 `invalid_client`
  with an AADSTS error body; tokens expire after `token_lifetime` seconds.
- `GET /v1.0/auditLogs/provisioning` (`$filter=activityDateTime gt|lt|eq`) and
  `/v1.0/auditLogs/directoryAudits` (`ge|le|eq`): another operator is a 400, like Graph.
  `$orderby=activityDateTime asc|desc` (default newest first), `$top` (1-1000), and an
  `@odata.nextLink` carrying an opaque `$skiptoken` while more records match.
- Over 5 requests in 10 s per tenant: 429 `TooManyRequests` with `Retry-After`.
- `add()` makes records visible now, whatever their `activityDateTime` (late arrivals), and the
  same record may be added twice (duplicates); `shuffle` serves each page out of order.
- Scripted faults (`fail_next`): "503", "504", "bad_page", "429".

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

__all__ = ["FakeGraph", "audit", "graph_utc", "provisioning"]

WINDOW, LIMIT = 10.0, 5
_OPS = {"provisioning": ("gt", "lt", "eq"), "directoryAudits": ("ge", "le", "eq")}


def graph_utc(seconds: float) -> str:
    """Seven fractional digits, as Graph writes `activityDateTime`."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}1Z"


def provisioning(id: str, when: str, **extra: Any) -> dict[str, Any]:
    """A provisioningObjectSummary with nulls where real payloads have them."""
    return {
        "id": id,
        "activityDateTime": when,
        "provisioningAction": "disable",
        "initiatedBy": {"id": "", "displayName": "Azure AD Provisioning Service"},
        "provisioningStatusInfo": {"status": "success", "errorInformation": None},
        **extra,
    }


def audit(id: str, when: str, **extra: Any) -> dict[str, Any]:
    """A directoryAudit record (`Disable account`)."""
    return {
        "id": id,
        "activityDateTime": when,
        "activityDisplayName": "Disable account",
        "category": "UserManagement",
        "result": "success",
        **extra,
    }


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
    fail_next: list[str] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry
    token_forms: list[dict[str, list[str]]] = field(default_factory=list)
    seen_urls: list[str] = field(default_factory=list)
    sent: deque[float] = field(default_factory=deque)  # accepted request times, this tenant
    throttled: int = 0  # 429s sent because the window was full

    def add(self, collection: str, *items: dict[str, Any]) -> None:
        self.records[collection].extend(items)

    @property
    def app(self) -> Starlette:
        routes = [
            Route("/{tenant}/oauth2/v2.0/token", self._token, methods=["POST"]),
            Route("/v1.0/auditLogs/{collection}", self._list, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    async def _token(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        self.token_forms.append(form)
        one = {key: values[0] for key, values in form.items()}
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
    def _aad(status: int, error: str, code: int, text: str) -> Response:
        body = {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: 0 Correlation ID: 0",
            "error_codes": [code],
            "trace_id": "0",
        }
        return Response(orjson.dumps(body), status, media_type="application/json")

    async def _list(self, request: Request) -> Response:
        self.seen_urls.append(str(request.url))
        collection = request.path_params["collection"]
        if collection not in self.records:
            return _error(400, "BadRequest", "Resource not found for the segment.")
        auth = request.headers.get("authorization", "")
        expiry = self.tokens.get(auth.removeprefix("Bearer "))
        if not auth.startswith("Bearer ") or expiry is None or expiry <= self.clock.now():
            return _error(401, "InvalidAuthenticationToken", "Access token has expired.")
        now = self.clock.now()
        while self.sent and self.sent[0] <= now - WINDOW:
            self.sent.popleft()
        fault = self.fail_next.pop(0) if self.fail_next else None
        self.throttled += len(self.sent) >= LIMIT
        if len(self.sent) >= LIMIT or fault == "429":
            wait = self.sent[0] + WINDOW - now if len(self.sent) >= LIMIT else 3.0
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
