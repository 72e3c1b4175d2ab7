"""Microsoft Graph access for the Entra sources: an app-only token and a per-tenant request budget.

Why not msal (idp-audit-apis.md 2.2): msal-python takes an `http_client` only as a
requests-shaped object and fetches the authority's OpenID metadata before the first token, so
an injected `httpx` transport (an in-process fake Graph in tests) would need an adapter plus a
fake discovery endpoint, and one more dependency. The client-credentials grant is a single form
POST to `{login_url}/{tenant}/oauth2/v2.0/token`; `ClientCredentials` does it with the collector's
own `httpx.Client`, caches the token until shortly before `expires_in` runs out, and keeps the
client secret out of every message (errors carry the HTTP status, OAuth `error` and AADSTS code).

Why a shared budget (2.5): the identity-and-access reports service allows 5 requests per 10 s
per app per tenant, so every Graph source of one tenant draws from one sliding window instead
of each discovering the limit through 429s. Budgets live per clock, so tests with their own fake
clock never share one, while the daemon's single clock makes them process-wide.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import deque

import httpx
import orjson

from collectors.base import CollectorError
from monitor.clock import Clock
from monitor.secret import Secret

__all__ = ["ClientCredentials", "GraphBudget", "budget_for"]

SCOPE = "https://graph.microsoft.com/.default"
_REFRESH_EARLY = 300.0  # renew this long before expiry: a token must not lapse mid-cycle
_AADSTS = re.compile(r"AADSTS\d{1,10}")


class GraphBudget:
    """A sliding window of request times shared by the sources of one tenant; thread-safe."""

    def __init__(
        self, clock: Clock, limit: int = 5, window: float = 10.0, *, margin: float = 0.5
    ) -> None:
        self._clock = clock
        self._limit = limit
        # Graph counts requests when they arrive, we when they leave; and a process that just
        # restarted cannot see what its predecessor sent. A slightly longer window covers the
        # first; a start as if the last window had been used up covers the second.
        self._window = window + margin
        self._sent: deque[float] = deque([clock.now()] * limit)
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take one request slot if the window and any server-imposed pause allow it."""
        with self._lock:
            now = self._clock.now()
            if self._wait(now) > 0:
                return False
            self._sent.append(now)
            return True

    def wait(self) -> float:
        """Seconds until `try_acquire` can succeed (0: now)."""
        with self._lock:
            return self._wait(self._clock.now())

    def headroom(self) -> float:
        """Share of the tenant's request budget left in the current window."""
        with self._lock:
            now = self._clock.now()
            self._wait(now)
            return 0.0 if self._blocked_until > now else 1.0 - len(self._sent) / self._limit

    def block_for(self, seconds: float) -> None:
        """A 429's Retry-After holds for the whole tenant, not only the source that got it."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock.now() + seconds)

    def _wait(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        slot = self._sent[0] + self._window - now if len(self._sent) >= self._limit else 0.0
        return max(slot, self._blocked_until - now, 0.0)


_budgets: weakref.WeakKeyDictionary[object, dict[str, GraphBudget]] = weakref.WeakKeyDictionary()
_budgets_lock = threading.Lock()


def budget_for(tenant: str, clock: Clock, limit: int = 5, window: float = 10.0) -> GraphBudget:
    """The budget of `tenant` under `clock`, created by the first source that asks."""
    with _budgets_lock:
        tenants = _budgets.setdefault(clock, {})
        key = tenant.lower()
        if key not in tenants:
            tenants[key] = GraphBudget(clock, limit, window)
        return tenants[key]


class ClientCredentials:
    """OAuth 2.0 client-credentials tokens for Graph, cached until shortly before expiry."""

    def __init__(
        self,
        *,
        name: str,
        token_url: str,
        client_id: str,
        secret: Secret,
        client: httpx.Client,
        clock: Clock,
    ) -> None:
        self._name = name
        self._url = token_url
        self._client_id = client_id
        self._secret = secret
        self._client = client
        self._clock = clock
        self._token: Secret | None = None
        self._renew_at = 0.0

    def bearer(self) -> str:
        """The `Authorization` header value, fetching a token when none is fresh."""
        if self._token is None or self._clock.now() >= self._renew_at:
            self._fetch()
        assert self._token is not None
        return f"Bearer {self._token.reveal()}"

    def forget(self) -> None:
        """Drop the cached token (Graph said 401: revoked or expired early)."""
        self._token = None

    def _fetch(self) -> None:
        form = {
            "client_id": self._client_id,
            "client_secret": self._secret.reveal(),
            "scope": SCOPE,
            "grant_type": "client_credentials",
        }
        now = self._clock.now()
        try:
            response = self._client.post(self._url, data=form)
        except httpx.TransportError as err:
            raise CollectorError("network", f"{self._name}: token: {type(err).__name__}") from None
        body = _json(response)
        if response.status_code >= 500:
            status = response.status_code
            raise CollectorError("server_error", f"{self._name}: token: HTTP {status}")
        if response.status_code != 200:
            raise CollectorError("auth", f"{self._name}: token: {_oauth_error(response, body)}")
        token, expires = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires, int | float | str):
            raise CollectorError("auth", f"{self._name}: token: response without access_token")
        try:
            lifetime = float(expires)
        except ValueError:
            lifetime = 0.0
        self._token = Secret(token)
        self._renew_at = now + max(lifetime - _REFRESH_EARLY, lifetime / 2)


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_error(response: httpx.Response, body: dict[str, object]) -> str:
    """Status, OAuth error and AADSTS code; never the description's free text or a form field."""
    error = str(body.get("error", ""))[:64]
    code = _AADSTS.search(str(body.get("error_description", "")))
    return " ".join(
        part for part in (f"HTTP {response.status_code}", error, code and code.group()) if part
    )
