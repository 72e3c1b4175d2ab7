"""IdP audit records from a file: one API page as the API returned it, or JSON lines.

An export can be either shape (contract section 3): Okta pages are JSON arrays, Graph pages
`{"value": [...]}`, Google Reports pages `{"items": [...]}`; JSON lines hold one record each.
A page file is read again only when it changes; a JSON-lines file is tailed. A page file up to
`STREAM_BYTES` is parsed whole; a larger one (an export holding months of history) is read a
range of records per poll (`collectors._page_stream`), so memory does not grow with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import orjson

from collectors._lines import LineFileCollector
from collectors._page_stream import RANGE_RECORDS, PageStream, scan_page
from collectors.base import Batch, CollectorError
from monitor.events import IdpRecord, Record, Rejected, RejectReason

__all__ = ["RecordsFileCollector", "read_items"]

RecordReader = Callable[[Mapping[str, object]], IdpRecord | Rejected]
_PAGE_KEYS = ("value", "items")
STREAM_BYTES = 8 << 20  # parsed, a page takes about seven times its size


def _page_records(doc: object) -> list[object] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in _PAGE_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        if not any(key in doc for key in _PAGE_KEYS) and ("kind" in doc or "@odata.context" in doc):
            return []  # an empty Google or Graph page omits the list
    return None


class RecordsFileCollector:
    """Reads IdP records from a page file or a JSON-lines file, whichever the file holds."""

    def __init__(
        self,
        *,
        name: str,
        path: Path,
        read: RecordReader,
        stream_bytes: int = STREAM_BYTES,
        range_records: int = RANGE_RECORDS,
    ) -> None:
        self.name = name
        self._path = path
        self._read = read
        self._lines = LineFileCollector(name=name, path=path, parse=self._parse_line)
        self._mode: str | None = None
        self._seen: str | None = None  # stat stamp of the page last looked at
        self._digest: str | None = None  # content hash of the page last delivered
        self._stream_bytes, self._range_records = stream_bytes, range_records
        self._stream: PageStream | None = None  # a large page being delivered

    def _parse_line(self, line: bytes) -> Record | Rejected:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return Rejected(RejectReason.INVALID_JSON, "not JSON")
        if not isinstance(obj, dict):
            return Rejected(RejectReason.UNKNOWN_FORMAT, "not a JSON object")
        return self._read(obj)

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        checkpoint = checkpoint or {}
        mode = checkpoint.get("mode")
        self._mode = mode if mode in ("lines", "page") else None
        digest = checkpoint.get("sha256")
        self._digest = digest if isinstance(digest, str) else None
        self._seen = None
        self._stream = None  # a batch given but not committed would be lost: start over
        tail = checkpoint.get("tail")
        if self._mode == "lines":
            self._lines.restore(tail if isinstance(tail, Mapping) else None)

    def poll(self, *, final: bool = False) -> Batch | None:
        if self._mode is None:
            self._mode = self._detect()
            if self._mode is None:
                return None
        if self._mode == "lines":
            batch = self._lines.poll(final=final)
            if batch is not None:
                batch.checkpoint = {"mode": "lines", "tail": batch.checkpoint}
            return batch
        return self._poll_page()

    def _detect(self) -> str | None:
        try:
            with self._path.open("rb") as handle:
                head = handle.read(1 << 16)
        except FileNotFoundError:
            return None
        except OSError as err:
            raise _read_error(self._path, err) from err
        stripped = head.lstrip()
        if not stripped:
            return None
        if stripped[:1] == b"[":
            return "page"
        first = stripped.split(b"\n", 1)[0]
        try:
            doc = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "page"  # a pretty-printed page spans lines
        return "page" if _page_records(doc) is not None and not _is_record(doc) else "lines"

    def _poll_page(self) -> Batch | None:
        try:
            stat = os.stat(self._path)
            stamp = f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"
            if self._stream is not None:
                batch = self._continue(stamp)
                if batch is not None:
                    return batch
            if stamp == self._seen:
                return None
            if stat.st_size > self._stream_bytes:
                return self._start_stream(stamp)
            data = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise _read_error(self._path, err) from err
        self._seen = stamp
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._digest:
            return None  # rewritten with the same content: nothing new
        self._digest = digest
        records: list[Record] = []
        batch = Batch(
            records=records, checkpoint={"mode": "page", "sha256": digest}, size=len(data)
        )
        try:
            items = _page_records(orjson.loads(data))
        except orjson.JSONDecodeError:
            items = None
        if items is None:
            batch.units = 1
            batch.rejected[RejectReason.INVALID_JSON] += 1
            return batch
        self._collect(items, batch, records)
        records.sort(key=lambda record: record.ts)  # Google pages are newest first
        return batch

    def _start_stream(self, stamp: str) -> Batch | None:
        scan, digest = scan_page(self._path, every=self._range_records)
        self._seen = stamp
        if digest == self._digest:
            return None
        if not scan.ok:
            self._digest = digest
            batch = Batch(records=[], checkpoint={"mode": "page", "sha256": digest}, units=1)
            batch.rejected[RejectReason.INVALID_JSON] += 1
            batch.examples[RejectReason.INVALID_JSON] = _NOT_A_PAGE
            return batch
        self._stream = PageStream(self._path, scan, digest, stamp, self._read_range)
        return self._continue(stamp)

    def _continue(self, stamp: str) -> Batch | None:
        """The stream's next batch; at its end (or when the file changed under it) it is
        dropped, and a changed file is read again from its start."""
        assert self._stream is not None
        batch = self._stream.next(stamp)
        if batch is None or "sha256" in batch.checkpoint:
            if batch is None:
                self._seen = None  # changed mid-stream: nothing of the new file delivered yet
            else:
                self._digest = str(batch.checkpoint["sha256"])
            self._stream = None
        return batch

    def _read_range(self, items: list[object], batch: Batch, records: list[Record]) -> None:
        read_items(items, self._read, batch, records)

    def _collect(self, items: list[object], batch: Batch, records: list[Record]) -> None:
        batch.units = len(items)
        read_items(items, self._read, batch, records)

    def close(self) -> None:
        self._lines.close()
        self._stream = None


def read_items(
    items: Iterable[object],
    read: RecordReader,
    batch: Batch,
    records: list[Record],
    keep: Callable[[IdpRecord], bool] | None = None,
) -> None:
    """Records of an API page or an export: unreadable items are counted in `batch` by reason;
    `keep` may drop records (a poller's overlap re-reads)."""
    for item in items:
        record = read(item) if isinstance(item, dict) else _NOT_AN_OBJECT
        if isinstance(record, Rejected):
            batch.rejected[record.reason] += 1
            batch.examples.setdefault(record.reason, record.detail)
        elif keep is None or keep(record):
            records.append(record)


_NOT_AN_OBJECT = Rejected(RejectReason.UNKNOWN_FORMAT, "not an object")
_NOT_A_PAGE = "large page file is not a JSON array or an object with a value or items list"


def _is_record(doc: object) -> bool:
    """A single Google activity also has `kind`; it is a record when it has an `id` object."""
    return isinstance(doc, dict) and isinstance(doc.get("id"), dict)


def _read_error(path: Path, err: OSError) -> CollectorError:
    reason = "permission" if isinstance(err, PermissionError) else "io"
    return CollectorError(reason, f"cannot read {path.name}: {err.strerror}")
