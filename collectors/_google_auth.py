"""Reports API access tokens: a service account impersonating an admin (idp-audit-apis.md 3.7).

Why google-auth behind an adapter: google-auth builds and signs the RS256 JWT assertion
(`iss` = the service account, `sub` = the admin, `scope`, `aud` = the token URI) and parses the
token response, which is the part worth not re-implementing. Its HTTP goes through
`_HttpxRequest`, a `google.auth.transport.Request` over the collector's `httpx.Client`, so tests
reach an in-process fake and production shares one connection pool.

Two things stay ours:

- Expiry runs on the injected clock (google-auth's own uses the system time), so token caching
  is testable without sleeping.
- google-auth retries a busy token endpoint (429, 5xx) by sleeping in the calling thread. The
  adapter raises `TokenEndpointBusy` instead, so the supervisor waits and can still stop.

The private key and tokens never reach a message: errors carry status and OAuth error codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from google.auth import exceptions as google_errors
from google.auth import transport as google_transport
from google.oauth2 import service_account

from monitor.clock import Clock
from monitor.secret import Secret, SecretError

__all__ = ["SCOPE", "DelegatedToken", "TokenEndpointBusy", "TokenRefused", "load_key"]

SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
_MARGIN = 300.0  # refresh this long before expiry, so a token never expires mid-window
_BUSY_CODES = {"internal_failure", "server_error", "temporarily_unavailable"}


class TokenEndpointBusy(Exception):
    """The token endpoint asked us to come back later (429, 5xx)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"token endpoint HTTP {status}")
        self.status = status


class TokenRefused(Exception):
    """The token endpoint refused the assertion; the message is the OAuth error code only."""


class _Response(google_transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class _HttpxRequest(google_transport.Request):
    """google-auth's transport interface over an existing httpx client."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            response = self._client.request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or 30.0
            )
        except httpx.TransportError as err:
            raise google_errors.TransportError(type(err).__name__) from None  # type: ignore[no-untyped-call]
        if response.status_code in google_transport.DEFAULT_RETRYABLE_STATUS_CODES:
            raise TokenEndpointBusy(response.status_code)
        if response.status_code >= 400 and _error_code(response.content) in _BUSY_CODES:
            raise TokenEndpointBusy(response.status_code)
        return _Response(response)


def load_key(path: Path) -> Mapping[str, object]:
    """Read a service-account JSON key file; errors name the file, never its contents."""
    try:
        info = orjson.loads(path.read_bytes())
    except OSError as err:
        raise SecretError(f"cannot read credentials_file {path}: {err.strerror}") from None
    except orjson.JSONDecodeError:
        raise SecretError(f"credentials_file {path} is not JSON") from None
    missing = [key for key in ("client_email", "private_key", "token_uri") if key not in info]
    if not isinstance(info, dict) or info.get("type") != "service_account" or missing:
        raise SecretError(f"credentials_file {path} is not a service-account key file")
    return info


class DelegatedToken:
    """A cached access token for `subject`, refreshed on the injected clock."""

    def __init__(
        self, *, key: Mapping[str, object], subject: str, token_url: str | None, clock: Clock
    ) -> None:
        info = {**key, "token_uri": token_url or key["token_uri"]}
        try:
            self._credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=[SCOPE], subject=subject
            )
        except (ValueError, TypeError):
            raise SecretError("the service-account private key cannot be loaded") from None
        self._clock = clock
        self._token: Secret | None = None
        self._expires_at = 0.0

    def get(self, client: httpx.Client) -> Secret:
        """The cached token or a new one (TokenRefused, TokenEndpointBusy, TransportError)."""
        now = self._clock.now()
        if self._token is not None and now < self._expires_at - _MARGIN:
            return self._token
        self._token = None
        try:
            self._credentials.refresh(_HttpxRequest(client))
        except google_errors.RefreshError as err:
            raise TokenRefused(_refusal(err)) from None
        expiry = self._credentials.expiry  # naive UTC, computed by google-auth from system time
        lifetime = (expiry.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() if expiry else 0
        self._token = Secret(str(self._credentials.token))
        self._expires_at = now + max(lifetime, 0.0)
        return self._token

    def forget(self) -> None:
        """Drop the token after the API rejected it (revoked, delegation withdrawn)."""
        self._token = None


def _error_code(content: bytes) -> str | None:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _refusal(err: google_errors.RefreshError) -> str:
    """The OAuth `error` (e.g. `invalid_grant`, `unauthorized_client`), bounded."""
    details = err.args[1] if len(err.args) > 1 else None
    code = details.get("error") if isinstance(details, dict) else None
    return str(code)[:80] if code else "token request refused"
