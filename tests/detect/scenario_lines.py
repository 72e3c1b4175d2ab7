"""Scenario time and SCIM log lines, in each format a `scim_log` source reads (contract 3).

The same exchange is written as flat JSON (bodies as JSON values), ECS JSON with nested or
dotted keys (bodies as strings holding JSON, header names lower-case), or an nginx combined
line with `$request_time` (no bodies, one-second resolution), so a scenario can move an app
from one format to another and expect the same report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

__all__ = ["DAY", "LINE_WRITERS", "Exchange", "Format", "graph_time", "iso", "moment", "rfc3339"]

Format = Literal["flat", "ecs", "ecs_dotted", "combined"]

DAY = datetime(2031, 5, 6, tzinfo=UTC)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def moment(when: str) -> datetime:
    """`"09:10"` or `"09:10:05.250"` on the scenario's day; `"d2 09:10"` two days later."""
    day, _, clock = when.rpartition(" ")
    hours, minutes, *rest = clock.split(":")
    return DAY + timedelta(
        days=int(day[1:]) if day else 0,
        hours=int(hours),
        minutes=int(minutes),
        seconds=float(rest[0]) if rest else 0.0,
    )


def rfc3339(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(when: str | None) -> str | None:
    """A scenario time as the report writes it: RFC 3339 UTC with milliseconds."""
    return None if when is None else rfc3339(moment(when))


def graph_time(at: datetime) -> str:
    """Microsoft Graph writes seven fractional digits."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}0Z"


@dataclass(frozen=True)
class Exchange:
    """One SCIM request and its answer, before it is written in a format."""

    at: datetime
    app: str
    method: str
    target: str  # path with query string
    status: int
    request: Any = None
    response: Any = None
    headers: dict[str, str] | None = None
    agent: str = "scim-client"

    @property
    def request_id(self) -> str:
        return f"req-{self.at.timestamp():.3f}-{self.method}"


def _flat(x: Exchange) -> str:
    line: dict[str, Any] = {
        "ts": rfc3339(x.at),
        "app": x.app,
        "method": x.method,
        "path": x.target,
        "status": x.status,
        "latency_ms": 12.5,
        "user_agent": x.agent,
        "request_id": x.request_id,
    }
    optional = {"request_body": x.request, "response_body": x.response}
    line.update({k: v for k, v in optional.items() if v is not None})
    if x.headers:
        line["response_headers"] = x.headers
    return json.dumps(line)


def _ecs_fields(x: Exchange) -> dict[str, Any]:
    path, _, query = x.target.partition("?")
    fields: dict[str, Any] = {
        "@timestamp": rfc3339(x.at),
        "service.name": x.app,
        "http.request.method": x.method,
        "http.request.id": x.request_id,
        "http.response.status_code": x.status,
        "url.path": path,
        "url.query": query or None,
        "user_agent.original": x.agent,
        "event.duration": 12_500_000,
        "http.request.body.content": None if x.request is None else json.dumps(x.request),
        "http.response.body.content": None if x.response is None else json.dumps(x.response),
        "http.response.headers": {k.lower(): v for k, v in (x.headers or {}).items()} or None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _ecs_dotted(x: Exchange) -> str:
    return json.dumps(_ecs_fields(x))


def _ecs_nested(x: Exchange) -> str:
    nested: dict[str, Any] = {}
    for dotted, value in _ecs_fields(x).items():
        *parents, leaf = [dotted] if dotted.startswith("@") else dotted.split(".")
        node = nested
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value
    return json.dumps(nested)


def _combined(x: Exchange) -> str:
    """nginx combined with `$request_time`: whole seconds, no bodies."""
    assert x.at.microsecond == 0, "combined logs have one-second resolution"
    at = x.at
    clf = f"{at.day:02d}/{_MONTHS[at.month - 1]}/{at.year}:{at:%H:%M:%S} +0000"
    size = len(json.dumps(x.response)) if x.response is not None else 0
    request = f"{x.method} {x.target} HTTP/1.1"
    return f'10.40.0.7 - - [{clf}] "{request}" {x.status} {size} "-" "{x.agent}" 0.012'


LINE_WRITERS: dict[str, Callable[[Exchange], str]] = {
    "flat": _flat,
    "ecs": _ecs_nested,
    "ecs_dotted": _ecs_dotted,
    "combined": _combined,
}
