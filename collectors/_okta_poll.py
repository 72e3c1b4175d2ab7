"""Live tail of the Okta System Log: `GET /api/v1/logs` polling requests and their `next` links.

Why this shape (idp-audit-apis.md 1.3, 1.6, 1.11):

- The cursor is the full `next` URL. Okta filters polling requests by persistence time and may
  return events out of `published` order, so checkpointing on `published` skips or repeats
  events; the opaque `after` cursor does neither. Duplicates (same `uuid`) are left to the
  detectors, which skip keys they have seen.
- A non-empty page shorter than `limit` means "caught up": the next poll is skipped once (so
  the supervisor waits its poll interval) instead of spending a request on the empty page
  that would follow at once.
- `/api/v1/logs` shares one per-minute bucket with every other consumer in the org, so the
  poller keeps to `share` of `X-Rate-Limit-Limit` and never sleeps: it says when it may poll
  again through `wait_hint()`, and the supervisor waits.
- The credential (`collectors._okta_auth`: an SSWS token or an OAuth bearer token) goes only
  into the `Authorization` header and only to the configured origin, asked for per request so a
  bearer token can be renewed; a 401/403 drops a cached token. Error messages carry status, Okta
  error code and summary, never a header.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import orjson

from collectors._http import origin
from collectors._okta_auth import OktaAuth, TokenThrottled, header_number, retry_time
from collectors._pacing import Pacing
from collectors._records_file import RecordReader
from collectors.base import Batch, CollectorError
from monitor.clock import Clock
from monitor.events import Record, Rejected, RejectReason

__all__ = ["OktaLogPoller"]

log = logging.getLogger("scimwatch.collectors.okta")

_TIMEOUT = 35.0  # Okta gives up on a query after 30 s


class OktaLogPoller:
    """Follows the System Log's `next` links from `since` (first start) or a checkpoint."""

    def __init__(
        self,
        *,
        name: str,
        url: str,
        auth: OktaAuth,
        read: RecordReader,
        clock: Clock,
        since: datetime | None = None,
        limit: int = 1000,
        share: float = 0.5,
        interval: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._base = url.rstrip("/")
        self._origin = origin(self._base)
        self._read = read
        self._clock = clock
        self._since = since
        self._limit = limit
        self._headroom: float | None = None  # share of the org's rate limit left, last seen
        self._share = share
        self._auth = auth
        self._client = httpx.Client(
            transport=transport, timeout=_TIMEOUT, headers={"Accept": "application/json"}
        )
        self._next: str | None = None
        self._pacing = Pacing(clock, interval)

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        """Resume from the stored `next` link; the rate-limit state is the server's, so it stays."""
        link = (checkpoint or {}).get("next")
        self._next = link if isinstance(link, str) and origin(link) == self._origin else None
        self._pacing.wake()

    def wait_hint(self) -> float | None:
        return self._pacing.wait_hint()

    def poll(self, *, final: bool = False) -> Batch | None:
        now = self._clock.now()
        if self._pacing.hold(now):
            return None
        response = self._get(self._next or self._first_url(now))
        self._budget(response, now)
        items = _page(response)
        link = response.links.get("next", {}).get("url")
        if not link or origin(link) != self._origin:
            raise CollectorError("bad_page", f"{self.name}: response has no usable next link")
        if len(items) < self._limit and (items or self._pacing.interval):
            self._pacing.rest()  # a short page is the end of the log for now
        if not items:
            return None  # keep the current next link: nothing to commit with a new one
        self._next = link
        return self._batch(items, link, len(response.content))

    def close(self) -> None:
        self._client.close()

    def _first_url(self, now: float) -> str:
        if self._since is None:  # fixed at the first poll, so a retry cannot leave a gap
            self._since = datetime.fromtimestamp(now - 3600, UTC)
        stamp = self._since.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
        query = urlencode({"since": stamp, "limit": self._limit, "sortOrder": "ASCENDING"})
        return f"{self._base}/api/v1/logs?{query}"

    def _get(self, url: str) -> httpx.Response:
        try:
            authorization = self._auth.header(self._client)
        except TokenThrottled as err:
            self._pacing.resume_at = err.retry_at
            raise
        try:
            response = self._client.get(url, headers={"Authorization": authorization})
        except httpx.TransportError as err:
            raise CollectorError("network", f"{self.name}: {type(err).__name__}") from None
        if response.status_code == 429:
            self._pacing.resume_at = retry_time(response, self._clock.now())
            raise CollectorError("rate_limited", f"{self.name}: {_describe(response)}")
        if response.status_code in (401, 403):
            self._auth.forget()
            raise CollectorError("auth", f"{self.name}: {_describe(response)}")
        if response.status_code >= 500:
            raise CollectorError("server_error", f"{self.name}: {_describe(response)}")
        if response.status_code != 200:
            raise CollectorError("bad_request", f"{self.name}: {_describe(response)}")
        return response

    def headroom(self) -> float | None:
        """Share of Okta's X-Rate-Limit-Limit still remaining in the window, as last reported."""
        return self._headroom

    def _budget(self, response: httpx.Response, now: float) -> None:
        """Stop for this window before the next request would exceed our share of the limit."""
        limit = header_number(response, "X-Rate-Limit-Limit")
        remaining = header_number(response, "X-Rate-Limit-Remaining")
        reset = header_number(response, "X-Rate-Limit-Reset")
        if limit is None or remaining is None or reset is None:
            return
        self._headroom = max(remaining, 0.0) / limit if limit > 0 else None
        if remaining - 1 < (1.0 - self._share) * limit and reset > now:
            self._pacing.resume_at = reset
            log.info("source %s: rate-limit share used, pausing until the window resets", self.name)

    def _batch(self, items: list[object], link: str, size: int) -> Batch:
        records: list[Record] = []
        batch = Batch(records=records, checkpoint={"next": link}, units=len(items), size=size)
        for item in items:
            record = self._read(item) if isinstance(item, dict) else None
            if record is None:
                batch.rejected[RejectReason.UNKNOWN_FORMAT] += 1
                batch.examples.setdefault(RejectReason.UNKNOWN_FORMAT, "not an object")
            elif isinstance(record, Rejected):
                batch.rejected[record.reason] += 1
                batch.examples.setdefault(record.reason, record.detail)
            else:
                records.append(record)
        records.sort(key=lambda record: record.ts)  # polling pages are not in `published` order
        return batch


def _page(response: httpx.Response) -> list[object]:
    try:
        doc = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, list):
        raise CollectorError("bad_page", "the System Log response is not a JSON array")
    return doc


def _describe(response: httpx.Response) -> str:
    """Status plus Okta's error code and summary; bounded, and never a request header."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and "errorCode" in body:
        summary = str(body.get("errorSummary", ""))[:200]
        return f"HTTP {response.status_code} {body['errorCode']}: {summary}"
    return f"HTTP {response.status_code}"
