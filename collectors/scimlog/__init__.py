"""SCIM request log lines in, `ScimRequest` or `Rejected` out (contract section 3).

One line of a service provider's SCIM request log (bytes, no trailing newline) becomes a
`monitor.events.ScimRequest`, or a `Rejected` that says why it could not. The format is
detected per line, because a log may change format mid-file when a logger is reconfigured:

    parse_line ─┬─ "{" ─ orjson.loads ─┬─ ECS keys ─ ecs.parse ─ no request field ─┐
                │                      └─ else ───────────────────── flat.parse ◄─┘
                └─ else ─────────────────────────── combined.parse
    timestamps: RFC 3339, epoch numbers and CLF times, used by all three

Parsing is pure and total: no I/O, no clock, and no exception escapes for any input bytes;
each malformed line is a `Rejected` with a bounded `RejectReason`. This is the hottest path in
scimwatch, so each JSON line is decoded exactly once and bodies are left as logged;
`decode_body` decodes one lazily when a later stage needs it.

May import only `monitor.events` and orjson: no store, classifier, config or telemetry.
"""

from __future__ import annotations

from typing import Any

import orjson

from collectors.scimlog import combined, ecs, flat
from collectors.scimlog._fields import NOT_A_REQUEST
from monitor.events import Rejected, RejectReason, ScimRequest

__all__ = ["decode_body", "parse_line"]

_EMPTY = Rejected(RejectReason.UNKNOWN_FORMAT, "empty line")
_INVALID_JSON = Rejected(RejectReason.INVALID_JSON, "line starts with '{' but is not valid JSON")
_BAD_ENCODING = Rejected(RejectReason.BAD_ENCODING, "JSON line is not valid UTF-8")


def parse_line(line: bytes) -> ScimRequest | Rejected:
    """The request one log line records, or why the line cannot be read; never raises."""
    line = line.strip()
    if line[:1] != b"{":
        return combined.parse(line) if line else _EMPTY
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return _BAD_ENCODING if _is_bad_utf8(line) else _INVALID_JSON
    if "@timestamp" not in record and (flat.KEYS.issuperset(record) or not _has_ecs_key(record)):
        return flat.parse(record)  # the superset test settles common flat lines without a scan
    result = ecs.parse(record)
    if result is NOT_A_REQUEST:  # no ECS request field: a flat line with a key like "event"
        return flat.parse(record)
    return result


def decode_body(value: object) -> object:
    """A body as a JSON value: strings holding JSON are decoded, anything else is returned as is."""
    if type(value) is not str:
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def _has_ecs_key(record: dict[str, Any]) -> bool:
    return any(key.startswith(ecs.PREFIXES) for key in record)


def _is_bad_utf8(line: bytes) -> bool:
    try:
        line.decode()
    except UnicodeDecodeError:
        return True
    return False
