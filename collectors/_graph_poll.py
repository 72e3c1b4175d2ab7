"""Live polling of Graph audit logs (`auditLogs/provisioning`, `auditLogs/directoryAudits`).

Why this shape (idp-audit-apis.md 2.3-2.5, 2.10):

- `$skiptoken` links cannot be resumed after a restart, so the checkpoint is a time: the newest
  `activityDateTime` committed. Each cycle asks for records after that time minus `overlap`
  (`$orderby=activityDateTime asc`), because records are written late (audit P99 is minutes):
  the overlap catches them, and records seen twice are dropped here while still remembered (in
  memory) and by `id` downstream after a restart.
- Inside a cycle the `@odata.nextLink` is followed verbatim, one page per poll, so each page is
  committed with its own checkpoint; a page without a next link ends the cycle, and the next
  cycle starts after the source's `poll_interval_seconds` (`collectors._pacing`): records are
  written minutes late anyway, and every cycle spends the tenant's shared budget.
- provisioning filters `activityDateTime` with `gt`, directoryAudits only with `ge` (2.3).
- Requests draw from the tenant's shared budget (`collectors._graph_auth`); when it is spent
  `poll()` returns None and `wait_hint()` says how long. 429's `Retry-After` pauses the tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import orjson

from collectors._graph_auth import ClientCredentials, GraphBudget
from collectors._http import origin
from collectors._pacing import Pacing
from collectors._records_file import RecordReader, read_items
from collectors.base import Batch, CollectorError
from collectors.scimlog.timestamps import parse_json_ts as parse_timestamp
from monitor.clock import Clock
from monitor.events import IdpRecord, Record

__all__ = ["GraphLogPoller", "graph_time"]

_TIMEOUT = 120.0  # filtered audit queries are known to be slow (2.10)
_NO_RETRY_AFTER = 10.0  # a 429 without Retry-After: sit out one throttling window
_FILTER_OP = {"provisioning": "gt", "directoryAudits": "ge"}


class GraphLogPoller:
    """Follows one Graph audit collection from `since` (first start) or a checkpoint."""

    def __init__(
        self,
        *,
        name: str,
        graph_url: str,
        collection: str,
        credentials: ClientCredentials,
        budget: GraphBudget,
        client: httpx.Client,
        read: RecordReader,
        clock: Clock,
        since: datetime | None = None,
        overlap: float = 300.0,
        page_size: int = 999,
        interval: float = 0.0,
    ) -> None:
        self.name = name
        self._base = graph_url.rstrip("/")
        self._collection = collection
        self._credentials = credentials
        self._budget = budget
        self._client = client
        self._read = read
        self._clock = clock
        self._since = since.timestamp() if since else None
        self._overlap = overlap
        self._page_size = page_size
        self._newest: tuple[float, str] | None = None  # (epoch, raw activityDateTime) committed
        self._next: str | None = None  # nextLink inside the current cycle
        self._seen: dict[str, float] = {}  # id -> time, for records inside the overlap
        self._waiting = False  # the last poll was held back by the budget
        self._pacing = Pacing(clock, interval)  # rests between cycles (429s pause the budget)

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        """Resume after the committed time; a cycle's next link dies with the process."""
        raw = (checkpoint or {}).get("after")
        ts = parse_timestamp(raw) if isinstance(raw, str) else None
        self._newest = (ts, raw) if ts is not None and isinstance(raw, str) else None
        self._next = None
        self._pacing.wake()

    def wait_hint(self) -> float | None:
        """Seconds until the budget allows a request or the rest between cycles ends; None
        when only the daemon's poll interval applies."""
        return self._budget.wait() if self._waiting else self._pacing.wait_hint()

    def poll(self, *, final: bool = False) -> Batch | None:
        if self._pacing.hold(self._clock.now()):
            return None
        bearer = self._credentials.bearer()  # first: a refused token costs no Graph request
        if not self._budget.try_acquire():
            self._waiting = True
            return None
        self._waiting = False
        response = self._get(self._next or self._first_url(), bearer)
        items, link = _page(response, self._base)
        self._next = link
        if link is None and (items or self._pacing.interval):
            self._pacing.rest()  # the cycle is over: the next one starts after the rest
        if not items:
            return None
        return self._batch(items, len(response.content))

    def headroom(self) -> float | None:
        """Share of the tenant's shared request budget left in the current window."""
        return self._budget.headroom()

    def close(self) -> None:
        self._client.close()

    def _first_url(self) -> str:
        if self._newest is not None:
            start = self._newest[0] - self._overlap
        else:
            if self._since is None:  # fixed at the first poll, so a retry cannot leave a gap
                self._since = self._clock.now() - 3600
            start = self._since
        query = {
            "$filter": f"activityDateTime {_FILTER_OP[self._collection]} {graph_time(start)}",
            "$orderby": "activityDateTime asc",
            "$top": str(self._page_size),
        }
        return f"{self._base}/v1.0/auditLogs/{self._collection}?{urlencode(query)}"

    def _get(self, url: str, bearer: str) -> httpx.Response:
        headers = {"Authorization": bearer, "Accept": "application/json"}
        try:
            response = self._client.get(url, headers=headers)
        except httpx.TransportError as err:
            raise CollectorError("network", f"{self.name}: {type(err).__name__}") from None
        status = response.status_code
        if status == 429:
            self._budget.block_for(_retry_after(response))
            self._waiting = True
            raise CollectorError("rate_limited", f"{self.name}: {_describe(response)}")
        if status in (401, 403):
            self._credentials.forget()
            raise CollectorError("auth", f"{self.name}: {_describe(response)}")
        if status >= 500:
            raise CollectorError("server_error", f"{self.name}: {_describe(response)}")
        if status != 200:
            raise CollectorError("bad_request", f"{self.name}: {_describe(response)}")
        return response

    def _batch(self, items: list[object], size: int) -> Batch:
        records: list[Record] = []
        batch = Batch(records=records, checkpoint={}, units=len(items), size=size)
        read_items(items, self._read, batch, records, keep=self._fresh)
        records.sort(key=lambda record: record.ts)
        # Units are what is new: the overlap's re-reads are not input a second time.
        batch.units = len(records) + sum(batch.rejected.values())
        self._forget_old()
        if self._newest is not None:
            batch.checkpoint = {"after": self._newest[1]}
        return batch

    def _fresh(self, record: IdpRecord) -> bool:
        """Remember the record; False when the overlap brought it back a second time."""
        if record.key in self._seen:
            return False
        self._seen[record.key] = record.ts
        if self._newest is None or record.ts > self._newest[0]:
            self._newest = (record.ts, str(record.raw.get("activityDateTime")))
        return True

    def _forget_old(self) -> None:
        if self._newest is not None:
            horizon = self._newest[0] - self._overlap
            self._seen = {key: ts for key, ts in self._seen.items() if ts >= horizon}


def graph_time(seconds: float) -> str:
    """UTC with Graph's seven fractional digits, e.g. 2026-01-01T00:00:00.1234560Z."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def _page(response: httpx.Response, base: str) -> tuple[list[object], str | None]:
    try:
        doc = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        doc = None
    items = doc.get("value") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise CollectorError("bad_page", "the Graph response has no `value` array")
    link = doc.get("@odata.nextLink") if isinstance(doc, dict) else None
    if link is not None and (not isinstance(link, str) or origin(link) != origin(base)):
        raise CollectorError("bad_page", "the Graph response has an unusable @odata.nextLink")
    return items, link


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(float(response.headers["Retry-After"]), 1.0)
    except (KeyError, ValueError):
        return _NO_RETRY_AFTER


def _describe(response: httpx.Response) -> str:
    """Status plus Graph's error code; bounded, and never a request header."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and "code" in error:
        return f"HTTP {response.status_code} {str(error['code'])[:64]}"
    return f"HTTP {response.status_code}"
