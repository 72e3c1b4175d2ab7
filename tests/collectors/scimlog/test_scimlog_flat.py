"""Flat JSON lines: the field mapping of contract section 3 and each way a field can be bad."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from collectors.scimlog import flat
from monitor.events import Rejected, RejectReason, ScimRequest

TS = "2026-09-03T08:15:30.250Z"
EPOCH = datetime(2026, 9, 3, 8, 15, 30, 250000, tzinfo=UTC).timestamp()


def line(**fields: Any) -> dict[str, Any]:
    """A valid flat record, with `fields` replacing (or, set to ..., removing) defaults."""
    record: dict[str, Any] = {
        "ts": TS,
        "app": "hr-portal",
        "method": "GET",
        "path": "/api/scim/v2/Groups/g-1",
        "status": 200,
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not ...}


def parsed(**fields: Any) -> ScimRequest:
    result = flat.parse(line(**fields))
    assert isinstance(result, ScimRequest), result
    return result


def rejected(**fields: Any) -> Rejected:
    result = flat.parse(line(**fields))
    assert isinstance(result, Rejected), result
    return result


def test_full_mapping() -> None:
    request_body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}
    result = flat.parse(
        line(
            method="patch",
            path="/api/scim/v2/Users/u%2F1?attributes=userName",
            latency_ms=12.5,
            user_agent="Okta SCIM Client 1.0.0",
            request_id="r-9",
            request_body=request_body,
            response_body='{"id":"u/1"}',
            response_headers={"Retry-After": "7", "ETag": 'W/"3"'},
        )
    )
    assert result == ScimRequest(
        ts=EPOCH,
        method="PATCH",
        path="/api/scim/v2/Users/u%2F1",
        status=200,
        query="attributes=userName",
        app="hr-portal",
        duration_s=0.0125,
        user_agent="Okta SCIM Client 1.0.0",
        request_id="r-9",
        request_body=request_body,
        response_body='{"id":"u/1"}',
        response_headers={"retry-after": "7", "etag": 'W/"3"'},
    )


def test_bodies_are_kept_as_given_not_decoded() -> None:
    body = {"userName": "kim@corp.test"}
    result = parsed(request_body=body, response_body='{"id": "1"}')
    assert result.request_body is body
    assert result.response_body == '{"id": "1"}'


def test_optional_fields_absent() -> None:
    result = parsed(app=...)
    assert (result.app, result.duration_s, result.user_agent, result.request_id) == (None,) * 4
    assert (result.request_body, result.response_body, result.response_headers) == (None,) * 3
    assert result.query == ""


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/scim/Users", "/scim/Users", ""),
        ("/scim/Users?", "/scim/Users", ""),
        ("/scim/Users?filter=a%20eq%20b&count=5", "/scim/Users", "filter=a%20eq%20b&count=5"),
        ("/scim/Users?a=1?b=2", "/scim/Users", "a=1?b=2"),
        ("https://sp.corp.test/v2/tenant-a/Users?x=1", "/v2/tenant-a/Users", "x=1"),
        ("http://sp.corp.test:8080?x=1", "/", "x=1"),
        ("http://sp.corp.test", "/", ""),
        ("Users", "Users", ""),
    ],
)
def test_path_and_query_split(target: str, path: str, query: str) -> None:
    result = parsed(path=target)
    assert (result.path, result.query) == (path, query)


@pytest.mark.parametrize(("status", "code"), [(201, 201), ("404", 404), (409.0, 409), (599, 599)])
def test_status_forms(status: object, code: int) -> None:
    assert parsed(status=status).status == code


@pytest.mark.parametrize(
    "status", [99, 600, 0, -200, "2xx", " 200", "200 ", "2000", "٢٠٠", True, 200.5, [200], {}]
)
def test_bad_status(status: object) -> None:
    assert rejected(status=status) == Rejected(
        RejectReason.BAD_STATUS, "'status' is not an integer in 100..599"
    )


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"ts": ...}, "ts"),
        ({"ts": None}, "ts"),
        ({"method": ...}, "method"),
        ({"method": ""}, "method"),
        ({"method": 7}, "method"),
        ({"path": ...}, "path"),
        ({"path": ""}, "path"),
        ({"path": "?only=query"}, "path"),
        ({"path": ["/scim"]}, "path"),
        ({"status": ...}, "status"),
        ({"status": None}, "status"),
    ],
)
def test_missing_fields(fields: dict[str, Any], name: str) -> None:
    result = rejected(**fields)
    assert result.reason is RejectReason.MISSING_FIELD
    assert repr(name) in result.detail


@pytest.mark.parametrize("ts", ["soon", "2026-09-03", 10**30, True, {"iso": TS}])
def test_bad_timestamp(ts: object) -> None:
    assert rejected(ts=ts).reason is RejectReason.BAD_TIMESTAMP


def test_object_without_request_fields_is_not_a_request() -> None:
    result = flat.parse({"ts": TS, "level": "info", "msg": "listening"})
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.UNKNOWN_FORMAT


def test_detail_never_echoes_values() -> None:
    secret = "Bearer s3cr3t-t0ken"
    for fields in ({"status": secret}, {"ts": secret}, {"method": {"v": secret}}):
        assert secret not in rejected(**fields).detail


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, {"retry-after": "120"}),
        ({"RETRY-AFTER": 120}, {"retry-after": "120"}),
        ({"Retry-After": 1.5}, {"retry-after": "1.5"}),
        ({"Via": ["1.1 a", "1.1 b"]}, {"via": "1.1 a, 1.1 b"}),
        ({"X-Null": None, "X-Obj": {"a": 1}, "X-Bool": True}, {}),
        ({}, {}),
        ("Retry-After: 5", None),
        ([["Retry-After", "5"]], None),
    ],
)
def test_response_headers(headers: object, expected: dict[str, str] | None) -> None:
    assert parsed(response_headers=headers).response_headers == expected


@pytest.mark.parametrize(
    ("latency", "seconds"), [(250, 0.25), (0.5, 0.0005), (0, 0.0), (-1, None), ("12", None)]
)
def test_latency(latency: object, seconds: float | None) -> None:
    assert parsed(latency_ms=latency).duration_s == seconds


@pytest.mark.parametrize(
    ("value", "text"), [("r-1", "r-1"), (42, "42"), (4.5, "4.5"), ("", None), (True, None)]
)
def test_text_fields(value: object, text: str | None) -> None:
    result = parsed(app=value, user_agent=value, request_id=value)
    assert (result.app, result.user_agent, result.request_id) == (text, text, text)
