"""Large page files are read a range at a time: the same records as reading them whole, oldest
first, memory bounded by the range size, broken records costing only themselves."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import orjson
import pytest

from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import Batch
from monitor.events import IdpRecord, RejectReason
from tests.contract_util import SAMPLE, load_bench

PAGES = ["okta-system-log.json", "entra-provisioning.json", "entra-directory-audits.json",
         "google-admin.json"]  # fmt: skip


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    """Time and key of an Okta, Graph or Google record (enough to tell records apart)."""
    ident = raw.get("id")
    if isinstance(ident, dict):
        return ident.get("time"), f"{ident.get('time')}.{ident.get('uniqueQualifier')}"
    return raw.get("published") or raw.get("activityDateTime"), raw.get("uuid") or ident


READ = record_reader("test", _fields)


def _collector(path: Path, *, stream_bytes: int, range_records: int = 97) -> RecordsFileCollector:
    return RecordsFileCollector(
        name="t", path=path, read=READ, stream_bytes=stream_bytes, range_records=range_records
    )


def _drain(collector: RecordsFileCollector) -> list[Batch]:
    batches = []
    while (batch := collector.poll(final=True)) is not None:
        batch.records = list(batch.records)
        batches.append(batch)
    return batches


def _records(batches: list[Batch]) -> list[IdpRecord]:
    return [r for b in batches for r in b.records if isinstance(r, IdpRecord)]


@pytest.mark.parametrize("name", PAGES)
def test_streamed_page_matches_whole_page(name: str) -> None:
    whole = _drain(_collector(SAMPLE / "idp" / name, stream_bytes=1 << 40))
    streamed = _drain(_collector(SAMPLE / "idp" / name, stream_bytes=0, range_records=50))
    assert len(whole) == 1 and len(streamed) > 3
    assert [(r.ts, r.key) for r in _records(streamed)] == [(r.ts, r.key) for r in _records(whole)]
    assert sum(b.units for b in streamed) == whole[0].units
    assert all(len(list(b.records)) <= 50 for b in streamed)
    assert [b.checkpoint for b in streamed[:-1]] == [{"mode": "page"}] * (len(streamed) - 1)
    assert streamed[-1].checkpoint == whole[0].checkpoint  # the file's hash, at the end only


def test_newest_first_file_is_read_from_its_end(tmp_path: Path) -> None:
    doc = orjson.loads((SAMPLE / "idp" / "okta-system-log.json").read_bytes())
    path = tmp_path / "page.json"
    path.write_bytes(orjson.dumps({"value": doc[::-1]}, option=orjson.OPT_INDENT_2))
    times = [r.ts for r in _records(_drain(_collector(path, stream_bytes=0)))]
    assert len(times) == len(doc) and times == sorted(times)


def test_record_orjson_refuses_costs_only_itself(tmp_path: Path) -> None:
    """`NaN` passes the scan's lenient decoder but not orjson: its range is read record by
    record."""
    good = orjson.loads((SAMPLE / "idp" / "okta-system-log.json").read_bytes())[:300]
    parts = [orjson.dumps(item) for item in good]
    parts[150] = b'{"uuid": "broken", "published": NaN}'
    path = tmp_path / "page.json"
    path.write_bytes(b"[" + b",\n".join(parts) + b"]")
    batches = _drain(_collector(path, stream_bytes=0, range_records=40))
    assert len(_records(batches)) == 299
    assert sum(b.rejected[RejectReason.INVALID_JSON] for b in batches) == 1
    assert sum(b.units for b in batches) == 300


@pytest.mark.parametrize(
    "doc",
    [
        b'{"kind": "x", "data": [' + b"1," * 1000 + b"1]}",  # no value or items list
        b'[{"a": 1}, {"b": ]}, {"c": 3}]',  # a bracket closing what it did not open
        b'[{"a": 1}, {"b": }, {"c": 3}]',  # a record that is not JSON
        b'{"value": [{"a": 1}], "next": ]}',  # a broken tail after the list
        b'[{"a": 1}]\xff',  # not UTF-8
        b'{"value": [{"a": 1}]',  # the document never closes
        b'[{"a": 1}] [{"b": 2}]',  # something after its end
        b'[{"a": "never closed}]',  # a stray quote
    ],
)
def test_large_file_that_is_no_page_is_one_rejection(tmp_path: Path, doc: bytes) -> None:
    """Rejected whole, as a parser reading it whole rejects it: no records kept from a
    document whose structure cannot be trusted."""
    path = tmp_path / "page.json"
    path.write_bytes(doc)
    (batch,) = _drain(_collector(path, stream_bytes=0))
    assert batch.units == 1 and batch.rejected[RejectReason.INVALID_JSON] == 1
    assert "value or items" in batch.examples[RejectReason.INVALID_JSON]
    assert batch.records == []


def test_file_replaced_mid_stream_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    shutil.copy(SAMPLE / "idp" / "okta-system-log.json", path)
    collector = _collector(path, stream_bytes=0, range_records=1000)
    first = collector.poll(final=True)
    assert first is not None and first.checkpoint == {"mode": "page"}
    doc = orjson.loads(path.read_bytes())
    fresh = tmp_path / "fresh.json"
    fresh.write_bytes(orjson.dumps(doc[:10]))
    os.replace(fresh, path)  # a new inode: the stamp changes
    rest = _drain(collector)
    assert [(r.key) for r in _records(rest)] == [str(item["uuid"]) for item in doc[:10]]
    assert "sha256" in rest[-1].checkpoint


def test_restart_after_the_last_range_reads_nothing_again(tmp_path: Path) -> None:
    path = SAMPLE / "idp" / "google-admin.json"
    batches = _drain(_collector(path, stream_bytes=0))
    again = _collector(path, stream_bytes=0)
    again.restore(batches[-1].checkpoint)
    assert _drain(again) == []
    midway = _collector(path, stream_bytes=0)
    midway.restore(batches[0].checkpoint)  # killed before the end: the whole file again
    assert len(_records(_drain(midway))) == len(_records(batches))


def test_restore_mid_stream_starts_the_file_over(tmp_path: Path) -> None:
    """The supervisor restores the committed checkpoint after a failed ingest: the batch it
    had been given must come again."""
    collector = _collector(SAMPLE / "idp" / "okta-system-log.json", stream_bytes=0)
    first = collector.poll(final=True)
    assert first is not None
    collector.restore(first.checkpoint)  # the first batch was not committed after all
    again = _drain(collector)
    assert [r.key for r in _records(again)][: len(list(first.records))] == [
        r.key for r in first.records if isinstance(r, IdpRecord)
    ]


def test_bench_export_is_one_long_ordered_history(tmp_path: Path) -> None:
    """`bench/page_memory.py` measures a longer history, not the same records again: every
    event is new and later than the one before."""
    bench = load_bench("page_memory")
    path = tmp_path / "export.json"
    sample = len(orjson.loads((SAMPLE / "idp" / "okta-system-log.json").read_bytes()))
    assert bench.write_export(SAMPLE, path, sample + 10) == sample + 10
    records = _records(_drain(_collector(path, stream_bytes=0, range_records=1000)))
    assert len({r.key for r in records}) == sample + 10
    assert [r.ts for r in records] == sorted(r.ts for r in records)
    assert records[-1].ts > records[sample - 1].ts
