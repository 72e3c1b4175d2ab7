"""The page scanner cuts any page document into ranges that parse back to its records, however
the file's reads split it; arbitrary bytes never make it raise."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from collectors._page_scan import ListScan, split_items

# Strings full of what a careless scanner would take for structure.
_TEXT = st.text(alphabet=st.sampled_from(list('[]{},:"\\ \n\tab\u00e9\U0001f600')), max_size=12)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_RECORDS = st.lists(_VALUES, max_size=12)


def _document(records: list[Any], shape: str, extra: dict[str, Any], indent: bool) -> bytes:
    doc: Any = records if shape == "array" else {**extra, shape: records}
    if shape != "array":
        doc = {"value2": [1], **doc, "tail": {"value": ["not this"]}}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 if indent else 0)


def _scan(doc: bytes, every: int, block: int) -> ListScan:
    scan = ListScan(every)
    for start in range(0, len(doc), block):
        scan.feed(doc[start : start + block])
    scan.end()
    return scan


@given(
    records=_RECORDS,
    shape=st.sampled_from(["array", "value", "items"]),
    extra=st.dictionaries(_TEXT.filter(lambda k: k not in ("value", "items")), _VALUES, max_size=3),
    indent=st.booleans(),
    every=st.integers(1, 5),
    block=st.integers(1, 64),
)
def test_ranges_parse_back_to_the_records(
    records: list[Any], shape: str, extra: dict[str, Any], indent: bool, every: int, block: int
) -> None:
    doc = _document(records, shape, extra, indent)
    scan = _scan(doc, every, block)
    assert scan.ok
    ranges = [orjson.loads(b"[" + doc[a:b] + b"]") for a, b in scan.ranges]
    assert [record for part in ranges for record in part] == records
    assert all(len(part) <= every for part in ranges)
    assert all(len(part) == every for part in ranges[:-1])


@given(records=_RECORDS, indent=st.booleans())
def test_split_items_gives_each_record(records: list[Any], indent: bool) -> None:
    body = orjson.dumps(records, option=orjson.OPT_INDENT_2 if indent else 0).strip()[1:-1]
    if records:
        assert [orjson.loads(item) for item in split_items(body)] == records


@given(data=st.binary(max_size=300), every=st.integers(1, 4), block=st.integers(1, 40))
def test_arbitrary_bytes_never_raise(data: bytes, every: int, block: int) -> None:
    scan = _scan(data, every, block)
    if scan.ok:  # what brackets show is a page: its ranges lie inside the document
        assert all(0 <= a <= b <= len(data) for a, b in scan.ranges)


@given(records=_RECORDS, cut=st.integers(1, 200))
def test_truncated_document_is_not_a_page(records: list[Any], cut: int) -> None:
    doc = orjson.dumps({"value": records})
    assert not _scan(doc[: max(0, len(doc) - cut)], 2, 16).ok
