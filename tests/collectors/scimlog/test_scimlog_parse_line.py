"""The package surface: per-line format detection, one example per reject reason, decode_body."""

from __future__ import annotations

import orjson
import pytest

import collectors.scimlog
from collectors.scimlog import decode_body, parse_line
from monitor.events import Rejected, RejectReason, ScimRequest

FLAT = b'{"ts":"2026-04-04T04:04:04Z","app":"crm","method":"GET","path":"/scim/Users","status":200}'
ECS = (
    b'{"@timestamp":"2026-04-04T04:04:04Z","http":{"request":{"method":"GET"},'
    b'"response":{"status_code":200}},"url":{"path":"/scim/Users"},"service":{"name":"crm"}}'
)
COMBINED = b'10.0.0.1 - - [04/Apr/2026:04:04:04 +0000] "GET /scim/Users HTTP/1.1" 200 5 "-" "ua"'

# One line per reason the parser can give (LINE_TOO_LONG belongs to the file tailer).
REJECTS = {
    RejectReason.INVALID_JSON: b'{"ts":"2026-04-04T04:04:04Z",',
    RejectReason.UNKNOWN_FORMAT: b"GET /scim/Users 200",
    RejectReason.MISSING_FIELD: b'{"ts":"2026-04-04T04:04:04Z","method":"GET","status":200}',
    RejectReason.BAD_TIMESTAMP: FLAT.replace(b"2026-04-04T04:04:04Z", b"04/04/2026"),
    RejectReason.BAD_STATUS: FLAT.replace(b'"status":200', b'"status":"200 OK"'),
    RejectReason.BAD_ENCODING: FLAT.replace(b"/scim/Users", b"/scim/\xc0\xafUsers"),
}


def request(line: bytes) -> ScimRequest:
    result = parse_line(line)
    assert isinstance(result, ScimRequest), result
    return result


def test_public_surface() -> None:
    assert collectors.scimlog.__all__ == ["decode_body", "parse_line"]


def test_each_format_gives_the_same_request() -> None:
    flat, ecs, combined = request(FLAT), request(ECS), request(COMBINED)
    assert (flat.ts, flat.method, flat.path, flat.status) == (ecs.ts, "GET", "/scim/Users", 200)
    assert (combined.ts, combined.method, combined.path) == (flat.ts, flat.method, flat.path)
    assert (flat.app, ecs.app, combined.app) == ("crm", "crm", None)


@pytest.mark.parametrize("reason", list(REJECTS))
def test_each_reject_reason(reason: RejectReason) -> None:
    result = parse_line(REJECTS[reason])
    assert isinstance(result, Rejected)
    assert result.reason is reason
    assert result.detail


def test_every_parser_reason_has_an_example() -> None:
    assert set(REJECTS) == set(RejectReason) - {RejectReason.LINE_TOO_LONG}


@pytest.mark.parametrize(
    "wrapped",
    [
        FLAT + b"\r",
        b"  " + FLAT + b" \t\r",
        b"\t" + ECS + b"\r",
        COMBINED + b"\r",
        b" " + COMBINED + b"  ",
        FLAT + b"\x0c",
    ],
)
def test_surrounding_whitespace_and_cr_are_tolerated(wrapped: bytes) -> None:
    assert isinstance(parse_line(wrapped), ScimRequest)


@pytest.mark.parametrize("blank", [b"", b" ", b"\r", b"\t \r"])
def test_blank_lines(blank: bytes) -> None:
    assert parse_line(blank) == Rejected(RejectReason.UNKNOWN_FORMAT, "empty line")


@pytest.mark.parametrize(
    "extra",
    [b'"event":"scim request"', b'"ecs":{}', b'"urlish":1', b'"service":"crm"', b'"@timestamp":1'],
)
def test_stray_ecs_looking_keys_keep_a_flat_line_flat(extra: bytes) -> None:
    """structlog's "event" key, say: with no ECS request field present, the line is flat."""
    assert request(FLAT[:-1] + b"," + extra + b"}").path == "/scim/Users"


def test_an_ecs_request_field_makes_a_line_ecs() -> None:
    line = b'{"http.request.method":"GET","ts":"2026-04-04T04:04:04Z","path":"/x","status":200}'
    assert parse_line(line) == Rejected(
        RejectReason.MISSING_FIELD, "missing, empty or mistyped field 'url.path'"
    )


def test_unknown_extra_keys_keep_a_line_flat() -> None:
    line = FLAT[:-1] + b',"user":"svc-scim","tenant":"t1","user_agent":"Okta"}'
    assert request(line).user_agent == "Okta"


@pytest.mark.parametrize("line", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object(line: bytes) -> None:
    result = parse_line(line)
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.UNKNOWN_FORMAT


@pytest.mark.parametrize(
    "line",
    [b"{", b"{}}", b'{"a":1} {"b":2}', b'{"a":NaN}', b'{"a":"\\ud800"}', b"{" * 5000],
)
def test_invalid_json(line: bytes) -> None:
    result = parse_line(line)
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.INVALID_JSON


def test_empty_object_is_not_a_request() -> None:
    assert parse_line(b"{}") == Rejected(
        RejectReason.UNKNOWN_FORMAT, "JSON object has no request fields"
    )


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        ('{"id":"1","active":false}', {"id": "1", "active": False}),
        ("[1, 2]", [1, 2]),
        ("true", True),
        ("Service Unavailable", "Service Unavailable"),
        ('{"truncated":', '{"truncated":'),
        ("", ""),
        ("\ud800", "\ud800"),
    ],
)
def test_decode_body_strings(value: str, decoded: object) -> None:
    assert decode_body(value) == decoded


@pytest.mark.parametrize("value", [None, {"id": "1"}, [1], 3, b'{"id":"1"}'])
def test_decode_body_leaves_other_values(value: object) -> None:
    assert decode_body(value) is value


def test_decode_body_round_trips_what_parse_line_kept() -> None:
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}
    as_string = orjson.dumps(orjson.dumps(body).decode())
    line = FLAT[:-1] + b',"request_body":' + as_string + b"}"
    kept = request(line).request_body
    assert isinstance(kept, str)
    assert decode_body(kept) == body
