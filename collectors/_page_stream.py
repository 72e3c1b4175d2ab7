"""A large page file read a range of records at a time, oldest range first.

The file is scanned once (`collectors._page_scan`, hashing it on the way); then each poll
reads one range of `RANGE_RECORDS` records back from the file, sorted by time. Pages come
oldest first (Okta) or newest first (Graph, Google): the first and the last range tell which,
and a newest-first file is read from its end. Records out of place by more than a range are
delivered in the file's order, as a JSON-lines file's are. Memory holds two ranges at most,
whatever the file's size; a restart reads the file again, and the records' keys drop what
was delivered before.

A record that is not JSON makes the whole page rejected, as parsing it whole would; a range
that orjson refuses although the scan's decoder took it (`NaN`) is read record by record, so
such a record costs only itself. If the file changes while it is being read, the stream
stops and the next poll starts over.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import orjson

from collectors._page_scan import ListScan, split_items
from collectors.base import Batch
from monitor.events import Record, RejectReason

__all__ = ["BLOCK_BYTES", "RANGE_RECORDS", "Collect", "PageStream", "scan_page"]

RANGE_RECORDS = 5_000
BLOCK_BYTES = 1 << 20
# Reads a range's items into the batch's records, counting what it rejects.
Collect = Callable[[list[object], Batch, list[Record]], None]


def scan_page(path: Path, *, every: int = RANGE_RECORDS) -> tuple[ListScan, str]:
    """The file's record ranges and its SHA-256, in one pass of `BLOCK_BYTES` reads."""
    scan, digest = ListScan(every), hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            digest.update(block)
            scan.feed(block)
    scan.end()
    return scan, digest.hexdigest()


class PageStream:
    """The batches of one scanned page file; `next` gives them oldest range first."""

    def __init__(
        self, path: Path, scan: ListScan, digest: str, stamp: str, collect: Collect
    ) -> None:
        self._path, self._digest, self._stamp = path, digest, stamp
        self._collect = collect
        self._ranges = list(scan.ranges)
        first = self._read(self._ranges[0])
        last = self._read(self._ranges[-1]) if len(self._ranges) > 1 else None
        if last is not None and _newest_first(first, last):
            self._ranges.reverse()
            first, last = last, first
        self._ready: dict[int, Batch] = {0: first}
        if last is not None:
            self._ready[len(self._ranges) - 1] = last
        self._next = 0

    @property
    def stamp(self) -> str:
        """The file's stat stamp when it was scanned."""
        return self._stamp

    def next(self, stamp: str) -> Batch | None:
        """The next range's batch; None when all were given or the file changed since the
        scan (`stamp`: its stat stamp now). The last batch carries the whole file's checkpoint."""
        if self._next >= len(self._ranges) or stamp != self._stamp:
            return None
        index = self._next
        self._next += 1
        ready = self._ready.pop(index, None)
        batch = ready if ready is not None else self._read(self._ranges[index])
        if self._next == len(self._ranges):
            batch.checkpoint = {"mode": "page", "sha256": self._digest}
        return batch

    def _read(self, span: tuple[int, int]) -> Batch:
        start, end = span
        with self._path.open("rb") as handle:
            text = os.pread(handle.fileno(), end - start, start)
        records: list[Record] = []
        # Until the last range is given, a restart must read the file again.
        batch = Batch(records=records, checkpoint={"mode": "page"}, size=len(text))
        try:
            items: list[object] = orjson.loads(b"[" + text + b"]")
        except orjson.JSONDecodeError:
            items = _one_by_one(text, batch)
        batch.units += len(items)
        self._collect(items, batch, records)
        records.sort(key=_ts)
        return batch


def _one_by_one(text: bytes, batch: Batch) -> list[object]:
    """A range's records parsed one at a time; each that does not parse is counted."""
    items: list[object] = []
    for raw in split_items(text):
        try:
            items.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            batch.units += 1
            batch.rejected[RejectReason.INVALID_JSON] += 1
            batch.examples.setdefault(RejectReason.INVALID_JSON, "page record is not JSON")
    return items


def _newest_first(first: Batch, last: Batch) -> bool:
    """Whether the file runs newest first: its first range is newer than its last (each
    batch's records are sorted already)."""
    firsts, lasts = list(first.records), list(last.records)
    return bool(firsts and lasts) and firsts[0].ts > lasts[-1].ts


def _ts(record: Record) -> float:
    return record.ts
