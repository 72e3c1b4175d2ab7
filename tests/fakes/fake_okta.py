"""A fake Okta org serving `GET /api/v1/logs` the way the System Log reference documents it.

Why a fake server and not canned responses: the collector's cursor, rate-limit and error
handling only mean something against a server that keeps state (a persisted log that grows,
opaque `after` cursors, a per-minute request budget). Behaviour follows
/work/shared/reference/idp-audit-apis.md section 1 (1.2-1.6, checklist 1.12):

- SSWS auth, or a bearer token from `POST /oauth2/v1/token` (client credentials with a
  `private_key_jwt` assertion, verified RS256 against `public_key`, which is set per test); a
  missing, unknown or expired credential gets 401 `E0000011`.
- Polling requests (no `until`, ASCENDING) filter by *persistence* time and always carry a
  `rel="next"` link, even on an empty page; bounded requests (`until` set) filter and sort
  by `published` and omit `next` on the last page.
- `since` + `after`, `limit` outside 0-1000, bad dates and `since` over 180 days ago: 400.
- `X-Rate-Limit-*` on every response; over the per-window limit: 429 `E0000047`.
- Scripted faults (`fail_next`): 5xx, a body that is not a JSON array, a concurrent-limit 429
  ("concurrent": Limit and Remaining 0), an org-wide-limit 429 ("429": the window's Limit,
  Remaining 0, Reset at the window's end, as when other clients spent the bucket); on the
  token endpoint (`token_fail_next`): "500", "503", or "429" (a spent per-minute limit).
- Every `/api/v1/logs` answer is logged (`answers`: clock time, status, `X-Rate-Limit-Reset`)
  and every event served counted by `uuid` (`served`), so tests check pacing and duplicates.

Time comes from the injected clock, so tests never sleep.
"""

from __future__ import annotations

import asyncio
import base64
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlencode

import httpx
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.clock import Clock

__all__ = ["Answer", "FakeOkta", "SyncASGITransport", "event", "utc"]

WINDOW = 60.0  # Okta's limits are per minute
MAX_SINCE_AGE = 180 * 86400
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def event(uuid: str, published: str, **extra: Any) -> dict[str, Any]:
    """A LogEvent with nulls where real payloads have them and an unknown extra key."""
    return {
        "uuid": uuid,
        "published": published,
        "eventType": "user.lifecycle.deactivate",
        "version": "0",
        "severity": "INFO",
        "legacyEventType": None,
        "displayMessage": None,
        "actor": {"id": "00uadmin", "type": "User", "detailEntry": None},
        "client": None,
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": None,
        "futureField": {"added": "later"},
        **extra,
    }


def _error(status: int, code: str, summary: str, headers: dict[str, str]) -> Response:
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeFAKE",
        "errorCauses": [],
    }
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _oauth_error(status: int, code: str) -> Response:
    body = {"error": code, "error_description": "The client_assertion token is invalid (FAKE)."}
    return Response(orjson.dumps(body), status, media_type="application/json")


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _parse_time(value: str) -> float | None:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo else None


class Answer(NamedTuple):
    """One `/api/v1/logs` answer: when (fake clock), its status and its X-Rate-Limit-Reset."""

    at: float
    status: int
    reset: float


@dataclass
class FakeOkta:
    """The org's log plus the knobs tests turn; `app` is the ASGI application."""

    clock: Clock
    token: str
    rate_limit: int = 20
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (persisted, event)
    fail_next: list[str] = field(default_factory=list)  # "500", "bad_page", "concurrent"
    requests: Counter[int] = field(default_factory=Counter)  # window start -> requests
    seen_auth: list[str] = field(default_factory=list)
    seen_urls: list[str] = field(default_factory=list)
    client_id: str = "0oaSERVICEAPP"
    public_key: rsa.RSAPublicKey | None = None  # None: the org has no OAuth Service app
    token_lifetime: int = 3600
    bearer: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    seen_assertions: list[dict[str, Any]] = field(default_factory=list)  # header and claims
    jtis: set[str] = field(default_factory=set)
    token_fail_next: list[str] = field(default_factory=list)  # "500", "503", "429"
    token_requests: int = 0
    answers: list[Answer] = field(default_factory=list)
    served: Counter[str] = field(default_factory=Counter)  # uuid -> times sent in a page

    def add(self, *items: dict[str, Any]) -> None:
        """Persist events now (in the order given, whatever their `published`)."""
        now = self.clock.now()
        self.events.extend((now, item) for item in items)

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/logs", self._logs, methods=["GET"]),
                Route("/oauth2/v1/token", self._token, methods=["POST"]),
            ]
        )

    def _authorized(self, value: str) -> bool:
        if value == f"SSWS {self.token}":
            return True
        scheme, _, token = value.partition(" ")
        return scheme == "Bearer" and self.bearer.get(token, 0.0) > self.clock.now()

    async def _token(self, request: Request) -> Response:
        self.token_requests += 1
        if self.token_fail_next:
            return self._token_fault(self.token_fail_next.pop(0))
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        if form.get("scope") != "okta.logs.read":
            return _oauth_error(400, "invalid_scope")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return _oauth_error(401, "invalid_client")
        audience = f"{str(request.base_url).rstrip('/')}/oauth2/v1/token"
        if not self._valid_assertion(form.get("client_assertion", ""), audience):
            return _oauth_error(401, "invalid_client")
        token = secrets.token_urlsafe(32)
        self.bearer[token] = self.clock.now() + self.token_lifetime
        body = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "access_token": token,
            "scope": "okta.logs.read",
        }
        return Response(orjson.dumps(body), 200, media_type="application/json")

    def _token_fault(self, fault: str) -> Response:
        """The org's token endpoint failing or over its own rate limit, as the API does."""
        if fault == "429":
            reset = str(int(math.floor(self.clock.now() / WINDOW) * WINDOW + WINDOW))
            headers = {"X-Rate-Limit-Limit": "0", "X-Rate-Limit-Remaining": "0"}
            summary = "API call exceeded rate limit due to too many requests."
            return _error(429, "E0000047", summary, {**headers, "X-Rate-Limit-Reset": reset})
        summary = "Internal Server Error"
        return _error(int(fault), "E0000009", summary, {})

    def _valid_assertion(self, assertion: str, audience: str) -> bool:
        """RS256 signature by the registered key, RFC 7523 claims, at most 5 minutes, no replay."""
        parts = assertion.split(".")
        if self.public_key is None or len(parts) != 3:
            return False
        try:
            header, claims = (orjson.loads(_b64(part)) for part in parts[:2])
            signed = f"{parts[0]}.{parts[1]}".encode()
            self.public_key.verify(_b64(parts[2]), signed, padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature, orjson.JSONDecodeError):
            return False
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return False
        self.seen_assertions.append({"header": header, "claims": claims})
        now, jti = self.clock.now(), claims.get("jti")
        ok = (
            header.get("alg") == "RS256"
            and claims.get("iss") == claims.get("sub") == self.client_id
            and claims.get("aud") == audience
            and claims.get("iat", now + 1) <= now < claims.get("exp", 0)
            and isinstance(claims["exp"], int)
            and claims["exp"] - claims["iat"] <= 300
            and isinstance(jti, str)
            and jti not in self.jtis
        )
        if ok:
            self.jtis.add(str(jti))
        return ok

    def _window(self) -> tuple[int, dict[str, str]]:
        start = math.floor(self.clock.now() / WINDOW) * WINDOW
        self.requests[int(start)] += 1
        used = self.requests[int(start)]
        headers = {
            "X-Rate-Limit-Limit": str(self.rate_limit),
            "X-Rate-Limit-Remaining": str(max(self.rate_limit - used, 0)),
            "X-Rate-Limit-Reset": str(int(start + WINDOW)),
        }
        return used, headers

    async def _logs(self, request: Request) -> Response:
        used, headers = self._window()
        response = self._answer(request, used, headers)
        reset = float(response.headers["X-Rate-Limit-Reset"])
        self.answers.append(Answer(self.clock.now(), response.status_code, reset))
        return response

    def _answer(self, request: Request, used: int, headers: dict[str, str]) -> Response:
        self.seen_auth.append(request.headers.get("authorization", ""))
        self.seen_urls.append(str(request.url))
        if not self._authorized(request.headers.get("authorization", "")):
            return _error(401, "E0000011", "Invalid token provided", headers)
        if used > self.rate_limit:
            summary = "API call exceeded rate limit due to too many requests."
            return _error(429, "E0000047", summary, headers)
        fault = self.fail_next.pop(0) if self.fail_next else None
        if fault in ("concurrent", "429"):
            spent = {"X-Rate-Limit-Limit": "0"} if fault == "concurrent" else {}
            headers.update({**spent, "X-Rate-Limit-Remaining": "0"})
            summary = "API call exceeded rate limit due to too many requests."
            return _error(429, "E0000047", summary, headers)
        if fault == "500":
            return _error(500, "E0000009", "Your last request took too long to complete.", headers)
        if fault == "bad_page":
            return Response(b'{"not": "a page"}', 200, headers, media_type="application/json")
        return self._page(request, headers)

    def _page(self, request: Request, headers: dict[str, str]) -> Response:
        query = request.query_params
        since, until, after = query.get("since"), query.get("until"), query.get("after")
        limit = int(query.get("limit", "100")) if query.get("limit", "100").isdigit() else -1
        if since is not None and after is not None:
            return _error(400, "E0000001", "Api validation failed: since and after", headers)
        if not 0 <= limit <= 1000:
            return _error(400, "E0000001", "Api validation failed: limit", headers)
        bounds = [_parse_time(value) for value in (since, until) if value is not None]
        if any(bound is None for bound in bounds):
            return _error(400, "E0000001", "The date format is not recognized", headers)
        since_at = _parse_time(since) if since else self.clock.now() - 7 * 86400
        if since_at is not None and since_at < self.clock.now() - MAX_SINCE_AGE:
            summary = "Invalid parameter: The since parameter is over 180 days prior."
            return _error(400, "E0000053", summary, headers)
        if until is not None:
            return self._bounded(
                request, since_at or 0.0, _parse_time(until) or 0.0, limit, headers
            )
        start = self._cursor(after) if after else self._first_persisted(since_at or 0.0)
        if start is None:
            return _error(400, "E0000001", "Api validation failed: after", headers)
        page = [item for _, item in self.events[start : start + limit]]
        next_query = {"limit": limit, "sortOrder": "ASCENDING", "after": f"{start + len(page)}_1"}
        links = [self._link(request, dict(query), "self"), self._link(request, next_query, "next")]
        return self._json(page, headers, links)

    def _bounded(
        self, request: Request, since: float, until: float, limit: int, headers: dict[str, str]
    ) -> Response:
        """Bounded mode: by `published`, finite pages, no `next` after the last one."""
        chosen = sorted(
            (
                item
                for _, item in self.events
                if since <= (_parse_time(item["published"]) or 0) < until
            ),
            key=lambda item: str(item["published"]),
        )
        start = self._cursor(request.query_params.get("after", "0_1")) or 0
        page = chosen[start : start + limit]
        links = [self._link(request, dict(request.query_params), "self")]
        if start + limit < len(chosen):
            query = {**request.query_params, "after": f"{start + limit}_1"}
            query.pop("since", None)
            links.append(self._link(request, query, "next"))
        return self._json(page, headers, links)

    def _first_persisted(self, since: float) -> int:
        return next((i for i, (at, _) in enumerate(self.events) if at >= since), len(self.events))

    def _cursor(self, after: str) -> int | None:
        head = after.split("_", 1)[0]
        return int(head) if head.isdigit() and int(head) <= len(self.events) else None

    @staticmethod
    def _link(request: Request, query: dict[str, Any], rel: str) -> str:
        base = str(request.base_url).rstrip("/")
        return f'<{base}/api/v1/logs?{urlencode(query)}>; rel="{rel}"'

    def _json(
        self, page: list[dict[str, Any]], headers: dict[str, str], links: list[str]
    ) -> Response:
        self.served.update(str(item.get("uuid")) for item in page if isinstance(item, dict))
        response = Response(orjson.dumps(page), 200, headers, media_type="application/json")
        for link in links:
            response.headers.append("link", link)
        return response


class SyncASGITransport(httpx.BaseTransport):
    """Runs an ASGI app in-process for a sync `httpx.Client` (httpx.ASGITransport is async)."""

    def __init__(self, app: Starlette) -> None:
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return asyncio.run(self._handle(request))

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        copy = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )
        response = await self._inner.handle_async_request(copy)
        body = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=body)


def utc(seconds: float) -> str:
    """RFC 3339 with milliseconds, as Okta writes `published`."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
