"""Elastic Common Schema request lines, with nested keys, dotted keys or any mix of the two.

    {"@timestamp": "...", "service": {"name": "chat"},
     "http": {"request": {"method": "GET", "id": "..."}, "response": {"status_code": 200}},
     "url": {"path": "/scim/v2/Users", "query": "filter=..."}, "event": {"duration": 33100000}}

is the same line as `{"@timestamp": ..., "http.request.method": "GET", ...}` or as
`{"http": {"request.method": "GET"}, ...}`: loggers and shippers (ecs-logging, Filebeat,
Logstash) disagree on which keys to expand. The general reader flattens the object into dotted
names; it is exact for every spelling but costs a Python step per key. Most lines are fully
nested, so those are read directly, and a dotted key on the way sends a line to the general
reader (`tests/collectors/scimlog/test_scimlog_ecs.py` checks every mix reads the same).
"""

from __future__ import annotations

from typing import Any

from collectors.scimlog._fields import build, duration, field_rejects, split_target
from monitor.events import Rejected, ScimRequest

__all__ = ["PREFIXES", "parse"]

# A JSON line is ECS when it has `@timestamp` or a top-level key with one of these prefixes.
PREFIXES = ("http", "url", "service", "event", "ecs")

_REJECTS = field_rejects(
    ts="@timestamp",
    method="http.request.method",
    path="url.path",
    status="http.response.status_code",
)
# The objects that hold the fields read here; anything else (a header map, a body that is a
# JSON object, `host`, `labels`) is a value, not a place to look for fields.
_BRANCHES = frozenset(
    {
        "http",
        "http.request",
        "http.response",
        "http.request.body",
        "http.response.body",
        "url",
        "service",
        "user_agent",
        "event",
    }
)
# Top-level keys that spell a field (or a branch) in dotted form.
_DOTTED_TOP = tuple(f"{name}." for name in sorted(_BRANCHES) if "." not in name)
# Keys ECS defines in the objects the nested reader walks. When an object has no other key, it
# cannot hide a dotted field and the key-by-key scan for dots is skipped (checked in C).
_TOP_KEYS = frozenset(
    {
        "@timestamp", "agent", "client", "cloud", "container", "data_stream", "destination",
        "ecs", "error", "event", "host", "http", "labels", "log", "message", "network",
        "observer", "orchestrator", "organization", "process", "related", "server",
        "service", "source", "span", "tags", "trace", "transaction", "url", "user",
        "user_agent",
    }
)  # fmt: skip
_HTTP_KEYS = frozenset({"request", "response", "version"})
_MESSAGE_KEYS = frozenset(
    {"body", "bytes", "headers", "id", "method", "mime_type", "referrer", "status_code"}
)
_NONE: dict[str, Any] = {}  # stands in for an absent object; never written to


def parse(record: dict[str, Any]) -> ScimRequest | Rejected:
    """The request an ECS object describes, or why it cannot be read."""
    result = _parse_nested(record)
    return _parse_flattened(record) if result is None else result


def _parse_nested(record: dict[str, Any]) -> ScimRequest | Rejected | None:
    """The fast reader for fully nested objects; None sends the line to the general reader."""
    try:  # `x or _NONE` stands in for absent or empty objects; a scalar there has no .get
        http = record.get("http") or _NONE
        request = http.get("request") or _NONE
        response = http.get("response") or _NONE
        url = record.get("url") or _NONE
        path, query = _target(url.get("path"), url.get("query"), url.get("original"))
        app = (record.get("service") or _NONE).get("name")
        nanos = (record.get("event") or _NONE).get("duration")
        agent = (record.get("user_agent") or _NONE).get("original")
        request_body = (request.get("body") or _NONE).get("content")
        response_body = (response.get("body") or _NONE).get("content")
    except AttributeError:
        return None
    if not (
        _TOP_KEYS.issuperset(record)
        and _HTTP_KEYS.issuperset(http)
        and _MESSAGE_KEYS.issuperset(request)
        and _MESSAGE_KEYS.issuperset(response)
    ) and _has_dotted_field(record, http, request, response):
        return None
    return build(
        _REJECTS,
        record.get("@timestamp"),
        request.get("method"),
        path,
        response.get("status_code"),
        query,
        app,
        duration(nanos, 1e9),
        agent,
        request.get("id"),
        request_body,
        response_body,
        response.get("headers"),
    )


def _has_dotted_field(record: dict[str, Any], *objects: dict[str, Any]) -> bool:
    """Whether a dotted key could spell a field the nested reader looks for (conservatively)."""
    if any("." in key for node in objects for key in node):
        return True
    return any(key.startswith(_DOTTED_TOP) for key in record)


def _parse_flattened(record: dict[str, Any]) -> ScimRequest | Rejected:
    """The general reader: every spelling of a field becomes its dotted name first."""
    fields: dict[str, Any] = {}
    _flatten(record, "", fields)
    get = fields.get
    path, query = _target(get("url.path"), get("url.query"), get("url.original"))
    return build(
        _REJECTS,
        get("@timestamp"),
        get("http.request.method"),
        path,
        get("http.response.status_code"),
        query,
        get("service.name"),
        duration(get("event.duration"), 1e9),
        get("user_agent.original"),
        get("http.request.id"),
        get("http.request.body.content"),
        get("http.response.body.content"),
        get("http.response.headers"),
    )


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        name = prefix + key
        if type(value) is dict and name in _BRANCHES:  # bounded: branches are 3 levels deep
            _flatten(value, name + ".", out)
        else:
            out[name] = value


def _target(path: object, query: object, original: object) -> tuple[object, str]:
    """(path, query) from `url.path` and `url.query`, else from `url.original`."""
    if path is not None:
        return path, query if type(query) is str else ""
    if type(original) is str:
        return split_target(original)
    return None, ""
