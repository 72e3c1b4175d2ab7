"""The requests-shaped `http_client` msal wants, on top of a collector's own `httpx.Client`.

Why an adapter: msal sends its OpenID discovery and token requests through any object with
requests' `post`/`get` signatures whose responses have `status_code`, `text`, `headers` and
`raise_for_status()` (msal/oauth2cli/http.py). Routing them through the collector's client
keeps its transport, so tests reach an in-process fake Graph and the daemon shares one
connection pool and one timeout per source.

Why it remembers the last answer: msal hands back a token endpoint's JSON error without its
HTTP status, and reports discovery or 5xx failures as exceptions whose messages may carry the
response body; the caller builds its bounded error message from `last` instead.

Why `NO_HTTP_CACHE`: msal replays 429/5xx/400 answers of the token endpoint from a cache that
expires on wall time. Retries are the collector's business, paced by the supervisor on the
injected clock, so msal is given a cache that keeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass

import httpx

__all__ = ["NO_HTTP_CACHE", "HttpStatusError", "LastAnswer", "MsalHttpClient", "MsalResponse"]


class HttpStatusError(Exception):
    """`raise_for_status()` on an HTTP error; carries the status only, never the body."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True, slots=True)
class LastAnswer:
    """What the identity platform last answered: enough to describe a failure."""

    method: str
    status: int
    body: bytes


class MsalResponse:
    """A response in the shape msal reads."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.text = response.text
        self.headers: Mapping[str, str] = response.headers

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpStatusError(self.status_code)


class MsalHttpClient:
    """msal's `http_client`: requests' call shapes, sent by an `httpx.Client`."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self.last: LastAnswer | None = None

    def post(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        **_ignored: object,
    ) -> MsalResponse:
        """A form POST (a dict is url-encoded, a string sent as is); network errors raise."""
        if isinstance(data, str):
            response = self._client.post(url, params=params, content=data, headers=headers)
        else:
            response = self._client.post(url, params=params, data=data, headers=headers)
        return self._keep("POST", response)

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        **_ignored: object,
    ) -> MsalResponse:
        return self._keep("GET", self._client.get(url, params=params, headers=headers))

    def close(self) -> None:
        """The collector owns the client and closes it."""

    def _keep(self, method: str, response: httpx.Response) -> MsalResponse:
        self.last = LastAnswer(method, response.status_code, response.content)
        return MsalResponse(response)


class _KeepsNothing(MutableMapping[str, object]):
    """A mapping every write to which is forgotten: msal's HTTP cache, switched off."""

    def __getitem__(self, key: str) -> object:
        raise KeyError(key)

    def __setitem__(self, key: str, value: object) -> None:
        return None

    def __delitem__(self, key: str) -> None:
        return None

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


NO_HTTP_CACHE: MutableMapping[str, object] = _KeepsNothing()
