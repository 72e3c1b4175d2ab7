"""How the Okta poller authenticates: an SSWS token, or OAuth 2.0 for Okta (idp-audit-apis.md 1.1).

Why OAuth: Okta recommends scoped tokens over SSWS. A Service app gets `okta.logs.read` only from
the *org* authorization server (`{org}/oauth2/v1/token`) through the `client_credentials` grant,
and `private_key_jwt` is the only client authentication Okta accepts there: the client proves
itself with a short-lived JWT (RFC 7523) signed RS256 by the app's private key. google-auth
signs it; the form POST goes through the poller's own `httpx.Client`, so tests reach an
in-process fake org and nothing else is contacted.

Tokens are cached on the injected clock until 5 minutes before `expires_in`, and dropped when
the API answers 401/403 (revoked, scope withdrawn). DPoP-bound tokens, which newer orgs may
require for service apps, are not supported: such an org refuses the token request (`auth`).

The private key, the assertion and tokens never reach a message: token errors carry the HTTP
status and the OAuth `error` code only; a bad key file is named, its content never quoted.
A refused request is `auth`; a 429 or 5xx from the token endpoint is `rate_limited` or
`server_error`, like the same answers from the log API. A 429 there also says when to come
back (`TokenThrottled.retry_at`, from `Retry-After` or `X-Rate-Limit-Reset`): the poller waits
until then, as it does for the log API, instead of retrying on the supervisor's backoff.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Protocol

import httpx
import orjson
from google.auth import crypt, jwt

from collectors.base import CollectorError
from monitor.clock import Clock
from monitor.secret import Secret, SecretError

__all__ = [
    "OktaAuth",
    "OktaOAuth",
    "SswsAuth",
    "TokenThrottled",
    "header_number",
    "load_signer",
    "retry_time",
]

SCOPE = "okta.logs.read"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ASSERTION_LIFETIME = 300  # Okta rejects client assertions valid for longer than 5 minutes
_REFRESH_EARLY = 300.0  # renew this long before expiry: a token must not lapse mid-cycle
_NO_RESET_WAIT = 60.0  # a 429 without any reset hint: wait out a whole per-minute window


class TokenThrottled(CollectorError):
    """The token endpoint answered 429; no request before `retry_at` (epoch seconds)."""

    def __init__(self, message: str, retry_at: float) -> None:
        super().__init__("rate_limited", message)
        self.retry_at = retry_at


def header_number(response: httpx.Response, header: str) -> float | None:
    try:
        return float(response.headers[header])
    except (KeyError, ValueError):
        return None


def retry_time(response: httpx.Response, now: float) -> float:
    """When Okta allows the next request after a 429: `Retry-After` when sent, else the
    `X-Rate-Limit-Reset` of the spent window, else a whole per-minute window from now."""
    retry_after = header_number(response, "Retry-After")
    if retry_after is not None:
        return now + max(retry_after, 1.0)
    reset = header_number(response, "X-Rate-Limit-Reset")
    return max(reset, now + 1.0) if reset is not None else now + _NO_RESET_WAIT


class OktaAuth(Protocol):
    """Gives the `Authorization` header value for each log request."""

    def header(self, client: httpx.Client) -> str: ...

    def forget(self) -> None:
        """The API refused the credential (401/403): do not reuse a cached token."""
        ...


class SswsAuth:
    """A static SSWS API token: nothing to fetch, nothing to forget."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def header(self, client: httpx.Client) -> str:
        return f"SSWS {self._token.reveal()}"

    def forget(self) -> None:
        return None


def load_signer(path: Path, key_id: str | None) -> crypt.RSASigner:
    """Read the app's PEM private key once; errors name the file and never show its content."""
    try:
        pem = path.read_bytes()
    except OSError as err:
        raise SecretError(f"cannot read private_key_file {path}: {err.strerror}") from None
    try:
        signer: crypt.RSASigner = crypt.RSASigner.from_string(pem, key_id)  # type: ignore[no-untyped-call]
        signer.sign(b"probe")  # a non-RSA key loads but cannot sign RS256: fail at build time
    except (ValueError, TypeError, AttributeError):
        raise SecretError(f"private_key_file {path} is not a PEM RSA private key") from None
    return signer


class OktaOAuth:
    """Bearer tokens from the org authorization server, cached until shortly before expiry."""

    def __init__(
        self, *, name: str, url: str, client_id: str, signer: crypt.RSASigner, clock: Clock
    ) -> None:
        self._name = name
        self._token_url = f"{url.rstrip('/')}/oauth2/v1/token"
        self._client_id = client_id
        self._signer = signer
        self._clock = clock
        self._token: Secret | None = None
        self._renew_at = 0.0

    def header(self, client: httpx.Client) -> str:
        if self._token is None or self._clock.now() >= self._renew_at:
            self._fetch(client)
        assert self._token is not None
        return f"Bearer {self._token.reveal()}"

    def forget(self) -> None:
        self._token = None

    def _assertion(self, now: float) -> str:
        issued = int(now)
        claims = {
            "iss": self._client_id,
            "sub": self._client_id,
            "aud": self._token_url,
            "iat": issued,
            "exp": issued + _ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),  # Okta rejects a replayed jti
        }
        assertion: bytes = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        return assertion.decode("ascii")

    def _fetch(self, client: httpx.Client) -> None:
        now = self._clock.now()
        form = {
            "grant_type": "client_credentials",
            "scope": SCOPE,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(now),
        }
        self._token = None
        try:
            response = client.post(self._token_url, data=form)
        except httpx.TransportError as err:
            raise CollectorError("network", f"{self._name}: token: {type(err).__name__}") from None
        body = _json(response)
        if response.status_code != 200:
            error = str(body.get("error", ""))[:64]
            detail = " ".join(part for part in (f"HTTP {response.status_code}", error) if part)
            message = f"{self._name}: token: {detail}"
            if response.status_code == 429:
                raise TokenThrottled(message, retry_time(response, self._clock.now()))
            raise CollectorError(_reason(response.status_code), message)
        token, expires = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires, int | float):
            raise CollectorError("auth", f"{self._name}: token: response without access_token")
        self._token = Secret(token)
        self._renew_at = now + max(float(expires) - _REFRESH_EARLY, float(expires) / 2)


def _reason(status: int) -> str:
    """A busy or failing token endpoint is the org's trouble, not a bad credential: it gets the
    reasons the poller uses for the log API itself, so alerts on `auth` mean a key to fix."""
    if status == 429:
        return "rate_limited"
    return "server_error" if status >= 500 else "auth"


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}
