"""ECS lines: the field mapping, and the same line spelled nested, dotted or any mix of both."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from collectors.scimlog import ecs
from monitor.events import Rejected, RejectReason, ScimRequest

# The ECS objects that may be written nested or folded into dotted keys. Header maps and
# body contents are values: folding those would change what the line says.
FOLDABLE = (
    "http",
    "http.request",
    "http.response",
    "http.request.body",
    "http.response.body",
    "url",
    "service",
    "user_agent",
    "event",
)
TS = "2026-10-05T11:22:33.444Z"
EPOCH = datetime(2026, 10, 5, 11, 22, 33, 444000, tzinfo=UTC).timestamp()


def nested(**overrides: Any) -> dict[str, Any]:
    """A complete nested ECS request; `overrides` replace whole top-level members."""
    record: dict[str, Any] = {
        "@timestamp": TS,
        "service": {"name": "payroll-us"},
        "http": {
            "request": {
                "method": "put",
                "id": "req-42",
                "body": {"content": '{"userName":"eli@corp.test","active":false}'},
            },
            "response": {
                "status_code": 200,
                "headers": {"ETag": 'W/"5"', "Retry-After": "3"},
                "body": {"content": '{"id":"e1","active":false}'},
            },
        },
        "url": {"path": "/v2/tenant-a/Users/e1", "query": "attributes=active"},
        "user_agent": {"original": "Microsoft Azure AD SCIM provisioning 1.0"},
        "event": {"duration": 41_500_000},
    }
    record.update(overrides)
    return record


EXPECTED = ScimRequest(
    ts=EPOCH,
    method="PUT",
    path="/v2/tenant-a/Users/e1",
    status=200,
    query="attributes=active",
    app="payroll-us",
    duration_s=0.0415,
    user_agent="Microsoft Azure AD SCIM provisioning 1.0",
    request_id="req-42",
    request_body='{"userName":"eli@corp.test","active":false}',
    response_body='{"id":"e1","active":false}',
    response_headers={"etag": 'W/"5"', "retry-after": "3"},
)


def fold(node: dict[str, Any], merge: Callable[[str], bool], prefix: str = "") -> dict[str, Any]:
    """`node` with each foldable object for which `merge(path)` holds written as dotted keys."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = prefix + key
        if isinstance(value, dict) and path in FOLDABLE:
            inner = fold(value, merge, path + ".")
            if merge(path):
                out.update({f"{key}.{name}": item for name, item in inner.items()})
            else:
                out[key] = inner
        else:
            out[key] = copy.deepcopy(value)
    return out


def test_nested_mapping() -> None:
    assert ecs.parse(nested()) == EXPECTED


def test_fully_dotted() -> None:
    dotted = fold(nested(), lambda path: True)
    assert "http.request.method" in dotted
    assert "http.response.headers" in dotted  # the header map itself stays a map
    assert ecs.parse(dotted) == EXPECTED


def test_every_mix_of_nested_and_dotted() -> None:
    """All 2^9 ways to write the line: each foldable object nested or folded into its parent."""
    for size in range(len(FOLDABLE) + 1):
        for merged in itertools.combinations(FOLDABLE, size):
            record = fold(nested(), set(merged).__contains__)
            assert ecs.parse(record) == EXPECTED, merged


def test_dotted_keys_inside_objects() -> None:
    record = nested(
        http={
            "request.method": "PUT",
            "request": {"id": "req-42", "body.content": EXPECTED.request_body},
            "response.status_code": 200,
            "response": {"headers": {"ETag": 'W/"5"', "Retry-After": "3"}},
            "response.body": {"content": EXPECTED.response_body},
        }
    )
    assert ecs.parse(record) == EXPECTED


def test_unrelated_dotted_and_extra_keys_change_nothing() -> None:
    record = nested()
    record.update({"log.level": "info", "ecs.version": "8.11.0", "message": "scim request"})
    record["host"] = {"name": "sp-2", "os.type": "linux"}
    record["http"]["version"] = "1.1"
    record["http"]["request"]["bytes"] = 310
    record["http"]["response"]["mime_type"] = "application/scim+json"
    record["url"]["domain.suffix"] = "test"
    assert ecs.parse(record) == EXPECTED


def test_url_original_is_the_fallback() -> None:
    result = ecs.parse(nested(url={"original": "/v2/tenant-a/Users?filter=x"}))
    assert isinstance(result, ScimRequest)
    assert (result.path, result.query) == ("/v2/tenant-a/Users", "filter=x")
    result = ecs.parse(nested(url={"original": "https://sp.corp.test/scim/Users/1"}))
    assert isinstance(result, ScimRequest)
    assert (result.path, result.query) == ("/scim/Users/1", "")


def test_url_path_wins_over_original() -> None:
    result = ecs.parse(nested(url={"path": "/a", "query": "b=1", "original": "/c?d=2"}))
    assert isinstance(result, ScimRequest)
    assert (result.path, result.query) == ("/a", "b=1")


def test_body_content_that_is_already_json_is_kept() -> None:
    record = nested()
    record["http"]["response"]["body"]["content"] = {"id": "e1"}
    result = ecs.parse(record)
    assert isinstance(result, ScimRequest)
    assert result.response_body == {"id": "e1"}


@pytest.mark.parametrize(
    ("event", "seconds"),
    [({"duration": 1_000_000_000}, 1.0), ({"duration": -5}, None), ({}, None), ("x", None)],
)
def test_duration_is_nanoseconds(event: object, seconds: float | None) -> None:
    result = ecs.parse(nested(event=event))
    assert isinstance(result, ScimRequest)
    assert result.duration_s == seconds


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"@timestamp": None}, "@timestamp"),
        ({"http": {"response": {"status_code": 200}}}, "http.request.method"),
        ({"http": "PUT /v2/tenant-a/Users/e1"}, "http.request.method"),
        ({"url": {}}, "url.path"),
        ({"url": ["/v2/tenant-a/Users/e1"]}, "url.path"),
        ({"url": {"path": 7}}, "url.path"),
        ({"http": {"request": {"method": "GET"}}}, "http.response.status_code"),
    ],
)
def test_missing_fields(overrides: dict[str, Any], field: str) -> None:
    result = ecs.parse(nested(**overrides))
    assert result == Rejected(
        RejectReason.MISSING_FIELD, f"missing, empty or mistyped field {field!r}"
    )


def test_bad_status_and_timestamp() -> None:
    record = nested()
    record["http"]["response"]["status_code"] = 1200
    assert ecs.parse(record) == Rejected(
        RejectReason.BAD_STATUS, "'http.response.status_code' is not an integer in 100..599"
    )
    assert ecs.parse(nested(**{"@timestamp": "2026-10-05T11:22"})) == Rejected(
        RejectReason.BAD_TIMESTAMP, "'@timestamp' is not a readable timestamp"
    )


def test_scalars_where_objects_belong_are_absent_values() -> None:
    result = ecs.parse(nested(service="payroll-us", user_agent="curl", event=5))
    assert isinstance(result, ScimRequest)
    assert (result.app, result.user_agent, result.duration_s) == (None, None, None)


def test_record_without_request_fields_is_not_a_request() -> None:
    result = ecs.parse({"@timestamp": TS, "message": "started", "log.level": "info"})
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.UNKNOWN_FORMAT
