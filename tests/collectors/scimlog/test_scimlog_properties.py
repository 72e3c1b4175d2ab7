"""Property tests: `parse_line` is total. Whatever the bytes, it returns a well-formed result.

Anchored where the architecture guide allows fuzzing, on a `normalize`-like function: arbitrary
bytes, arbitrary JSON objects, objects shaped like each format with arbitrary field values,
and mutations of valid lines from the golden inputs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.scimlog import decode_body, parse_line
from monitor.events import Rejected, RejectReason, ScimRequest

GOLDEN = Path(__file__).parents[2] / "golden" / "scimlog"
VALID_LINES = [
    line
    for path in sorted(GOLDEN.glob("*.log"))
    if path.stem != "rejected"
    for line in path.read_bytes().splitlines()
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def field(*good: object) -> st.SearchStrategy[Any]:
    """Half the time a value the field may legitimately hold, else anything JSON can hold."""
    return st.sampled_from(good) | json_values


TS = field(
    "2026-04-04T04:04:04Z",
    "2026-04-04T04:04:04.1234567+05:30",
    "2026-12-31t23:59:60z",
    "2026-04-04 04:04:04",
    1_775_275_444,
    1_775_275_444_000.5,
)
METHOD = field("GET", "patch", "DELETE")
TARGET = field("/scim/v2/Users?filter=x", "https://sp.test/v2/Users", "/scim/Users/1", "?x")
STATUS = field(200, "204", 404.0, 429, 99, 600)
HEADERS = field({"Retry-After": "5"}, {"RETRY-AFTER": [1, "a", None, 2.5]}, {})
NUMBER = field(7, 12.5, -1, 0)
TEXT = field("crm", "Okta SCIM Client 1.0.0", "", 42)
BODY = field('{"id":"1"}', {"id": "1"}, "not json")
FLAT = st.fixed_dictionaries(
    {"ts": TS, "method": METHOD, "path": TARGET, "status": STATUS},
    optional={
        "app": TEXT,
        "latency_ms": NUMBER,
        "user_agent": TEXT,
        "request_id": TEXT,
        "request_body": BODY,
        "response_body": BODY,
        "response_headers": HEADERS,
        "event": TEXT,
    },
)
ECS_REQUIRED = {
    "@timestamp": TS,
    "http.request.method": METHOD,
    "url.path": TARGET,
    "http.response.status_code": STATUS,
}
ECS_OPTIONAL = {
    "service.name": TEXT,
    "http.request.id": TEXT,
    "http.request.body.content": BODY,
    "http.response.body.content": BODY,
    "http.response.headers": HEADERS,
    "url.query": TEXT,
    "url.original": TARGET,
    "user_agent.original": TEXT,
    "event.duration": NUMBER,
    "log.level": TEXT,
    "http": json_values,
    "url": json_values,
}
ECS = st.fixed_dictionaries(ECS_REQUIRED, optional=ECS_OPTIONAL)
ECS_KEYS = sorted([*ECS_REQUIRED, *ECS_OPTIONAL])


def check(result: object) -> None:
    """The invariants every result holds."""
    if isinstance(result, Rejected):
        assert isinstance(result.reason, RejectReason)
        assert isinstance(result.detail, str)
        assert result.detail
        assert result.reason is not RejectReason.LINE_TOO_LONG
        return
    assert isinstance(result, ScimRequest)
    assert type(result.ts) is float
    assert math.isfinite(result.ts)
    assert -62_135_596_800 <= result.ts < 253_402_300_800
    assert type(result.status) is int
    assert 100 <= result.status <= 599
    assert type(result.method) is str
    assert result.method
    assert result.method == result.method.upper()
    assert type(result.path) is str
    assert result.path
    assert type(result.query) is str
    for text in (result.app, result.user_agent, result.request_id):
        assert text is None or (type(text) is str and text)
    duration = result.duration_s
    assert duration is None or (type(duration) is float and 0 <= duration < math.inf)
    if result.response_headers is not None:
        for name, value in result.response_headers.items():
            assert type(name) is str
            assert name == name.lower()
            assert type(value) is str
    decode_body(result.request_body)
    decode_body(result.response_body)


def nest(dotted: dict[str, Any], expand: frozenset[str]) -> dict[str, Any]:
    """The dotted keys in `expand` written as nested objects (where that collides, as given)."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        if key not in expand:
            out[key] = value
            continue
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = value
            continue
        out[key] = value
    return out


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(line: bytes) -> None:
    check(parse_line(line))


@SETTINGS
@given(st.binary(max_size=500))
def test_arbitrary_bytes_after_a_brace(tail: bytes) -> None:
    check(parse_line(b"{" + tail))


@SETTINGS
@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_arbitrary_json_objects(record: dict[str, Any]) -> None:
    check(parse_line(orjson.dumps(record)))


@SETTINGS
@given(FLAT)
def test_flat_shaped_objects(record: dict[str, Any]) -> None:
    check(parse_line(orjson.dumps(record)))


@SETTINGS
@given(ECS, st.sets(st.sampled_from(ECS_KEYS)).map(frozenset))
def test_ecs_shaped_objects(record: dict[str, Any], expand: frozenset[str]) -> None:
    check(parse_line(orjson.dumps(nest(record, expand))))


@SETTINGS
@given(
    st.sampled_from(VALID_LINES),
    st.lists(
        st.tuples(
            st.integers(min_value=0), st.integers(min_value=0, max_value=8), st.binary(max_size=8)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_valid_lines(line: bytes, edits: list[tuple[int, int, bytes]]) -> None:
    """Each edit replaces a few bytes at some position with a few others (insert, cut, swap)."""
    for position, length, replacement in edits:
        at = position % (len(line) + 1)
        line = line[:at] + replacement + line[at + length :]
    check(parse_line(line))


@SETTINGS
@given(
    st.text(alphabet=st.characters(exclude_characters="\n"), max_size=30),
    st.lists(
        st.sampled_from(['"', "\\", " ", "[", "]", "-", "0.5", "200", "HTTP/1.1"]), max_size=30
    ),
)
def test_combined_shaped_lines(noise: str, pieces: list[str]) -> None:
    prefix = '10.0.0.1 - - [04/Apr/2026:04:04:04 +0000] "GET /scim/Users HTTP/1.1" '
    check(parse_line((prefix + "".join(pieces) + noise).encode("utf-8", "surrogatepass")))


def test_valid_golden_lines_all_parse() -> None:
    """The mutation test starts from valid lines; make sure they are."""
    assert len(VALID_LINES) > 20
    for line in VALID_LINES:
        result = parse_line(line)
        check(result)
        assert isinstance(result, ScimRequest), line
