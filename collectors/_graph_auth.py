"""Microsoft Graph access for the Entra sources: an app-only token and a per-tenant request budget.

Why msal (idp-audit-apis.md 2.2): Microsoft's own library builds the client-credentials request
from the authority's OpenID discovery document and follows the identity platform as it
changes, instead of this project keeping a hand-written token form. Two things are kept here:

- Transport: msal's requests are sent by the collector's `httpx.Client` through
  `collectors._msal_http` (so an injected transport, the in-process fake Graph in tests, also
  serves discovery and tokens), with msal's wall-time HTTP cache switched off.
- Time: msal's token cache expires on wall time, but the collector runs on the injected clock.
  `ClientCredentials` keeps the token and its renewal time on that clock, and when a token must
  be renewed (shortly before `expires_in` runs out, or after a 401) it empties msal's cache
  with `remove_tokens_for_client()` first (msal 1.27 and later, hence the lower bound), so
  msal really asks the token endpoint.

Errors carry the HTTP status, OAuth `error` and AADSTS code, never the secret, the token or the
response's free text. msal itself logs token events at DEBUG with the secret and the tokens
masked (`TokenCache.add`); the one body it logs is a token response that is not JSON (at ERROR),
which holds neither.

Why a shared budget (2.5): the identity-and-access reports service allows 5 requests per 10 s
per app per tenant, so every Graph source of one tenant draws from one sliding window instead
of each discovering the limit through 429s. Sources of one tenant that configure different
budgets share the strictest combination (fewest requests, longest window). Budgets live per
clock, so tests with their own fake clock never share one, while the daemon's single clock
makes them process-wide.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import deque
from collections.abc import Mapping

import httpx
import msal  # type: ignore[import-untyped]
import orjson
from msal.exceptions import MsalError  # type: ignore[import-untyped]

from collectors._msal_http import NO_HTTP_CACHE, HttpStatusError, MsalHttpClient
from collectors.base import CollectorError
from monitor.clock import Clock
from monitor.secret import Secret

__all__ = ["DEFAULT_LIMIT", "DEFAULT_WINDOW", "ClientCredentials", "GraphBudget", "budget_for"]

SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_LIMIT, DEFAULT_WINDOW = 5, 10.0  # requests per window, per app and tenant (2.5)
_REFRESH_EARLY = 300.0  # renew this long before expiry: a token must not lapse mid-cycle
_AADSTS = re.compile(r"AADSTS\d{1,10}")
# What msal raises for an answer it cannot use: an HTTP error status (ours or its own), a body
# that is not JSON, a discovery document without its endpoints.
_MSAL_FAILURES = (HttpStatusError, MsalError, ValueError, KeyError, TypeError)


class GraphBudget:
    """A sliding window of request times shared by the sources of one tenant; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        *,
        margin: float = 0.5,
    ) -> None:
        self._clock = clock
        self._limit = limit
        # Graph counts requests when they arrive, we when they leave; and a process that just
        # restarted cannot see what its predecessor sent. A slightly longer window covers the
        # first; a start as if the last window had been used up covers the second.
        self._margin = margin
        self._window = window + margin
        self._sent: deque[float] = deque([clock.now()] * limit)
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    @property
    def limit(self) -> tuple[int, float]:
        """(requests, window seconds) in force, without the margin."""
        with self._lock:
            return self._limit, self._window - self._margin

    def tighten(self, limit: int, window: float) -> None:
        """Another source of the tenant asked for a budget: keep the stricter of each part."""
        with self._lock:
            self._limit = min(self._limit, limit)
            self._window = max(self._window, window + self._margin)

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
            if self._blocked_until > now:
                return 0.0
            return max(0.0, 1.0 - len(self._sent) / self._limit)

    def block_for(self, seconds: float) -> None:
        """A 429's Retry-After holds for the whole tenant, not only the source that got it."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock.now() + seconds)

    def _wait(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        # Fewer than `limit` may remain in the window: the entry `limit` from the end must go.
        over = len(self._sent) >= self._limit
        slot = self._sent[len(self._sent) - self._limit] + self._window - now if over else 0.0
        return max(slot, self._blocked_until - now, 0.0)


_budgets: weakref.WeakKeyDictionary[object, dict[str, GraphBudget]] = weakref.WeakKeyDictionary()
_budgets_lock = threading.Lock()


def budget_for(
    tenant: str, clock: Clock, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW
) -> GraphBudget:
    """The budget of `tenant` under `clock`: created by the first source that asks, tightened
    by any later one that asks for less (a looser request never loosens it)."""
    with _budgets_lock:
        tenants = _budgets.setdefault(clock, {})
        key = tenant.lower()
        if key not in tenants:
            tenants[key] = GraphBudget(clock, limit, window)
        else:
            tenants[key].tighten(limit, window)
        return tenants[key]


class ClientCredentials:
    """OAuth 2.0 client-credentials tokens for Graph through msal, cached until shortly before
    expiry on the injected clock."""

    def __init__(
        self,
        *,
        name: str,
        authority: str,
        client_id: str,
        secret: Secret,
        client: httpx.Client,
        clock: Clock,
    ) -> None:
        self._name = name
        self._authority = authority
        self._client_id = client_id
        self._secret = secret
        self._http = MsalHttpClient(client)
        self._clock = clock
        self._app: msal.ConfidentialClientApplication | None = None
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
        now = self._clock.now()
        self._http.last = None
        try:
            result = self._acquire()
        except httpx.TransportError as err:
            raise CollectorError("network", f"{self._name}: token: {type(err).__name__}") from None
        except _MSAL_FAILURES as err:
            raise self._failure(type(err).__name__) from None
        if not isinstance(result, dict) or "error" in result:
            raise self._failure("error", result if isinstance(result, dict) else {})
        token, expires = result.get("access_token"), result.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires, int | float | str):
            raise CollectorError("auth", f"{self._name}: token: response without access_token")
        try:
            lifetime = float(expires)
        except ValueError:
            lifetime = 0.0
        self._token = Secret(token)
        self._renew_at = now + max(lifetime - _REFRESH_EARLY, lifetime / 2)

    def _acquire(self) -> object:
        """A new token from the endpoint: msal's cached one is removed first (see the module)."""
        if self._app is None:  # discovery happens here, so a failed one is retried next time
            self._app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._secret.reveal(),
                authority=self._authority,
                http_client=self._http,
                http_cache=NO_HTTP_CACHE,
                instance_discovery=False,
            )
        self._app.remove_tokens_for_client()
        return self._app.acquire_token_for_client(scopes=[SCOPE])

    def _failure(self, what: str, error: Mapping[str, object] | None = None) -> CollectorError:
        """The bounded description of a failed token request or discovery."""
        last = self._http.last
        if last is None:  # msal failed before sending anything
            return CollectorError("auth", f"{self._name}: token: {what}")
        step = "token" if last.method == "POST" else "token: OpenID discovery"
        if last.status >= 500:
            return CollectorError("server_error", f"{self._name}: {step}: HTTP {last.status}")
        body = error if error is not None else _json(last.body)
        return CollectorError("auth", f"{self._name}: {step}: {_oauth_error(last.status, body)}")


def _json(body: bytes) -> Mapping[str, object]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _oauth_error(status: int, body: Mapping[str, object]) -> str:
    """Status, OAuth error and AADSTS code; never the description's free text or a form field."""
    error = str(body.get("error", ""))[:64]
    code = _AADSTS.search(str(body.get("error_description", "")))
    return " ".join(part for part in (f"HTTP {status}", error, code and code.group()) if part)
