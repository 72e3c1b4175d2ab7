"""Flat JSON request lines, the shape most hand-written SCIM service providers log.

    {"ts": "2026-11-02T00:01:36.248Z", "app": "crm", "method": "GET",
     "path": "/scim/v2/Users?filter=...", "status": 200, "latency_ms": 7.0,
     "user_agent": "...", "request_id": "...", "request_body": {...}, "response_body": "...",
     "response_headers": {"Retry-After": "30"}}

Input is the object `orjson.loads` returned for one line; output a ScimRequest or a Rejected.
Bodies are kept exactly as logged (a JSON value, or a string still holding JSON) because most
lines are only counted, and decoding a body nobody reads would dominate the parse cost.
"""

from __future__ import annotations

from typing import Any

from collectors.scimlog._fields import build, duration, field_rejects, split_target
from monitor.events import Rejected, ScimRequest

__all__ = ["KEYS", "parse"]

# Every key a flat line may carry: a line with no other key needs no ECS prefix scan.
KEYS = frozenset(
    {
        "ts",
        "app",
        "method",
        "path",
        "status",
        "latency_ms",
        "user_agent",
        "request_id",
        "request_body",
        "response_body",
        "response_headers",
    }
)

_REJECTS = field_rejects(ts="ts", method="method", path="path", status="status")


def parse(record: dict[str, Any]) -> ScimRequest | Rejected:
    """The request a flat JSON object describes, or why it cannot be read."""
    target = record.get("path")
    path, query = split_target(target) if type(target) is str else (target, "")
    return build(
        _REJECTS,
        record.get("ts"),
        record.get("method"),
        path,
        record.get("status"),
        query,
        record.get("app"),
        duration(record.get("latency_ms"), 1000.0),
        record.get("user_agent"),
        record.get("request_id"),
        record.get("request_body"),
        record.get("response_body"),
        record.get("response_headers"),
    )
