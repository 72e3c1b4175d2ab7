"""Live polling of Admin SDK Reports activities: lagging, overlapping time windows.

Why this shape (idp-audit-apis.md 3.2-3.4, 3.8, 3.10):

- Google returns a window's pages newest first and publishes events late and out of order.
  A cursor saved mid-sequence, or on the oldest page, skips events. So a window
  [checkpoint end - overlap, now - lag] is read to its last page and handed out as one Batch
  (sorted by time); only then does the checkpoint become that window's end. A crash mid-window
  re-reads the window; the overlap re-reads the tail of the previous one to catch late
  events. The duplicates both produce are skipped downstream by `id.time`/`id.uniqueQualifier`.
- A window spans at most `_MAX_WINDOW`, so catching up from an old `since` never holds more
  than that in memory.
- Rate limits (403 `rateLimitExceeded`/`userRateLimitExceeded`, 429, 503) back off
  exponentially through `wait_hint()`; the poller never sleeps. The pages read so far are
  kept, even across the supervisor's `restore` after the failure: starting the window over
  would spend the quota again on the same pages, and a window longer than the quota allows
  per pause would never finish. The refused page is asked for again with the same query and
  page token (Google binds a token to its query); any other failure drops the window.
- The bearer token goes only into the `Authorization` header; messages carry status and
  Google's error reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import orjson
from google.auth import exceptions as google_errors

from collectors._google_auth import DelegatedToken, TokenEndpointBusy, TokenRefused
from collectors._pacing import Pacing
from collectors._records_file import RecordReader, read_items
from collectors.base import Batch, CollectorError
from monitor.clock import Clock
from monitor.events import Record

__all__ = ["GoogleReportsPoller"]

_TIMEOUT = 60.0
_MAX_WINDOW = 6 * 3600.0
_BACKOFF_FIRST, _BACKOFF_MAX = 10.0, 600.0
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GoogleReportsPoller:
    """Reads one application's activities window by window from `since` or a checkpoint."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        application: str,
        token: DelegatedToken,
        read: RecordReader,
        clock: Clock,
        since: datetime | None = None,
        lag: float = 600.0,
        overlap: float = 300.0,
        max_results: int = 1000,
        interval: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._url = f"{base_url.rstrip('/')}/admin/reports/v1/activity/users/all/applications/"
        self._url += quote(application, safe="")
        self._token = token
        self._read = read
        self._clock = clock
        self._start: float | None = since.timestamp() if since else None
        self._end: float | None = None  # the committed window end
        self._lag, self._overlap, self._max_results = lag, overlap, max_results
        self._client = httpx.Client(transport=transport, timeout=_TIMEOUT)
        self._window: tuple[float, float] | None = None  # the window being read
        self._items: list[object] = []
        self._page_token: str | None = None
        self._size = 0
        self._pacing = Pacing(clock, interval)
        self._failures = 0
        self._paused = False  # the window in progress stopped on a rate limit

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        """Resume after the last committed window. A window read halfway is read again,
        unless a rate limit interrupted it and it still follows the committed checkpoint."""
        end = _parse((checkpoint or {}).get("end"))
        self._pacing.wake()
        if self._window is not None and self._paused and end == self._end:
            return
        self._end = end  # a window handed out but never committed is not a position
        self._window, self._items, self._page_token, self._size = None, [], None, 0

    def wait_hint(self) -> float | None:
        return self._pacing.wait_hint()

    def poll(self, *, final: bool = False) -> Batch | None:
        now = self._clock.now()
        if self._pacing.hold(now):
            return None
        if self._window is None:
            self._window = self._next_window(now)
            if self._window is None:
                return None
        while True:
            self._paused = False
            page = self._fetch(*self._window)
            self._failures = 0
            self._items += page
            if self._page_token is None:
                return self._finish()

    def close(self) -> None:
        self._client.close()

    def _next_window(self, now: float) -> tuple[float, float] | None:
        if self._end is not None:
            start = self._end - self._overlap
        else:
            if self._start is None:  # fixed at the first poll, so a retry cannot leave a gap
                self._start = now - 3600.0
            start = self._start
        end = min(now - self._lag, start + _MAX_WINDOW)
        if end <= (self._end if self._end is not None else start):
            return None  # nothing new is old enough yet
        return start, end

    def _fetch(self, start: float, end: float) -> list[object]:
        params: dict[str, str | int] = {
            "startTime": _stamp(start),
            "endTime": _stamp(end),
            "maxResults": self._max_results,
        }
        if self._page_token:
            params["pageToken"] = self._page_token
        response = self._get(params)
        items, token = _page(response)
        self._page_token = token
        self._size += len(response.content)
        return items

    def _get(self, params: dict[str, str | int]) -> httpx.Response:
        try:
            token = self._token.get(self._client)
            headers = {"Authorization": f"Bearer {token.reveal()}", "Accept": "application/json"}
            response = self._client.get(self._url, params=params, headers=headers)
        except (httpx.TransportError, google_errors.TransportError) as err:
            raise CollectorError("network", f"{self.name}: {type(err).__name__}") from None
        except TokenEndpointBusy as err:
            raise self._rate_limited(f"token endpoint HTTP {err.status}", None) from None
        except TokenRefused as err:
            raise CollectorError("auth", f"{self.name}: token request refused: {err}") from None
        if response.status_code == 200:
            return response
        status, reason, message = _describe(response)
        text = f"HTTP {status} {reason}: {message}" if reason else f"HTTP {status}"
        if status in (429, 503) or (status == 403 and reason in _RATE_REASONS):
            raise self._rate_limited(text, response)
        if status in (401, 403):
            self._token.forget()
            raise CollectorError("auth", f"{self.name}: {text}")
        reason_label = "server_error" if status >= 500 else "bad_request"
        raise CollectorError(reason_label, f"{self.name}: {text}")

    def _rate_limited(self, text: str, response: httpx.Response | None) -> CollectorError:
        """Exponential backoff, or the server's Retry-After when it gives one."""
        self._failures += 1
        self._paused = True
        wait = min(_BACKOFF_FIRST * 2 ** (self._failures - 1), _BACKOFF_MAX)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after is not None and retry_after.isdigit():
            wait = max(float(retry_after), 1.0)
        self._pacing.resume_at = self._clock.now() + wait
        return CollectorError("rate_limited", f"{self.name}: {text}")

    def _finish(self) -> Batch:
        assert self._window is not None
        start, end = self._window
        items, size = self._items, self._size
        self._window, self._items, self._size = None, [], 0
        self._end = end
        if end - start < _MAX_WINDOW:  # a capped window: the next one follows at once
            self._pacing.rest()
        records: list[Record] = []
        batch = Batch(records=records, checkpoint={"end": _stamp(end)}, units=len(items), size=size)
        read_items(items, self._read, batch, records)
        records.sort(key=lambda record: record.ts)  # pages are newest first
        return batch


def _page(response: httpx.Response) -> tuple[list[object], str | None]:
    try:
        doc = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or ("kind" not in doc and "items" not in doc):
        raise CollectorError("bad_page", "the activities response is not an Activities object")
    items, token = doc.get("items", []), doc.get("nextPageToken")  # an empty page omits items
    if not isinstance(items, list) or not (token is None or (isinstance(token, str) and token)):
        raise CollectorError("bad_page", "the activities response has a malformed items list")
    return items, token


def _describe(response: httpx.Response) -> tuple[int, str, str]:
    """Status, Google's first error reason and its message (bounded); never a header."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return response.status_code, "", ""
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    reason = first.get("reason") if isinstance(first, dict) else None
    return (
        response.status_code,
        str(reason or error.get("status") or ""),
        str(error.get("message", ""))[:200],
    )


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _parse(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo else None
