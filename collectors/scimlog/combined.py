"""nginx/Apache access-log lines: combined format, optionally with `$request_time` appended.

    10.0.0.7 - - [02/Nov/2026:00:35:23 +0000] "GET /scim/v2/Users HTTP/1.1" 200 139 "-" "ua" 0.018

The common log format (no referer and user agent) is accepted too. These logs carry no bodies,
app name or request id; the source configuration supplies the app.

One compiled regex reads the line. Its quoted fields use the unrolled `[^"\\]*(?:\\.[^"\\]*)*`
form and every quantifier is possessive, so the engine never backtracks: matching is linear
on any input, however hostile.
"""

from __future__ import annotations

import re

from collectors.scimlog._fields import split_target, status_code
from collectors.scimlog.timestamps import parse_clf
from monitor.events import Rejected, RejectReason, ScimRequest

__all__ = ["parse"]

_QUOTED = r'"([^"\\]*+(?:\\.[^"\\]*+)*+)"'
_LINE = re.compile(
    "".join(
        (
            r"[^ ]++ [^ ]++ [^ ]++ ",  # client, ident, user
            r"\[([^\]]*+)\] ",  # [time]
            _QUOTED,  # "request line"
            r" ([^ ]++) [^ ]++",  # status, bytes sent
            rf"(?: {_QUOTED} {_QUOTED})?+",  # "referer" "user agent"
            r"(?: (\d++(?:\.\d*+)?+|-))?+",  # request time, seconds
        )
    ),
    re.DOTALL,
)

_BAD_ENCODING = Rejected(RejectReason.BAD_ENCODING, "line is not valid UTF-8")
_NOT_A_LOG_LINE = Rejected(RejectReason.UNKNOWN_FORMAT, "neither JSON nor a combined log line")
_NO_REQUEST = Rejected(RejectReason.MISSING_FIELD, "request line is empty or '-'")
_BAD_REQUEST = Rejected(RejectReason.UNKNOWN_FORMAT, "request line is not 'METHOD URI PROTOCOL'")
_BAD_STATUS = Rejected(RejectReason.BAD_STATUS, "status is not an integer in 100..599")
_BAD_TIME = Rejected(RejectReason.BAD_TIMESTAMP, "time is not like [02/Nov/2026:00:35:23 +0000]")


def parse(line: bytes) -> ScimRequest | Rejected:
    """The request one access-log line describes, or why it cannot be read."""
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return _BAD_ENCODING
    match = _LINE.fullmatch(text)
    if match is None:
        return _NOT_A_LOG_LINE
    time, request_line, status_text, _referer, agent, request_time = match.groups()
    method_target = _request_target(request_line)
    if isinstance(method_target, Rejected):
        return method_target
    status = status_code(status_text)
    if status is None:
        return _BAD_STATUS
    ts = parse_clf(time)
    if ts is None:
        return _BAD_TIME
    method, target = method_target
    path, query = split_target(target)
    return ScimRequest(
        ts, method.upper(), path, status, query, None, _seconds(request_time), _optional(agent)
    )


def _request_target(request_line: str) -> tuple[str, str] | Rejected:
    """(method, target) of `METHOD URI PROTOCOL`; servers log garbage here for bad requests."""
    if request_line in ("", "-"):
        return _NO_REQUEST
    parts = _unescape(request_line).split(" ")
    if len(parts) != 3:
        return _BAD_REQUEST
    method, target, protocol = parts
    if not (method.isascii() and method.isalpha() and target and protocol.startswith("HTTP/")):
        return _BAD_REQUEST
    return method, target


def _optional(field: str | None) -> str | None:
    if field is None or field in ("", "-"):
        return None
    return _unescape(field)


def _seconds(request_time: str | None) -> float | None:
    if request_time is None or request_time == "-":
        return None
    seconds = float(request_time)
    return seconds if seconds != float("inf") else None


def _unescape(field: str) -> str:
    r"""Undo the `\"` and `\\` escapes Apache writes; nginx's `\x22` escapes stay as logged."""
    if "\\" not in field:
        return field
    chars: list[str] = []
    rest = iter(field)
    for char in rest:
        if char == "\\":
            following = next(rest, "")
            if following not in ('"', "\\"):
                chars.append(char)
            char = following
        chars.append(char)
    return "".join(chars)
