"""What an IdP's free-text provisioning error says about the SP's answer.

Neither Graph nor Okta gives the SP's HTTP status as a field: Graph's
`errorInformation.reason` embeds it as `StatusCode: <.NET HttpStatusCode name>`, followed by
the SCIM error body after `Web Response:` and the retry schedule (`It will be retried again
after this date: <timestamp> UTC`); Okta's `outcome.reason` ends with `Errors reported by
remote server: <status or reason phrase>`. These texts are not a contract (see the reference,
sections 1.9 and 2.6), so every part is found by a fixed anchor with `str.find` (no regex, no
backtracking) and any part that is missing or malformed is simply None.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from http import HTTPStatus
from typing import NamedTuple

from monitor.classify.errors import scim_type

__all__ = ["GraphReason", "http_status", "okta_remote_status", "parse_graph_reason", "parse_utc"]

_STATUS_ANCHOR = "StatusCode:"
_BODY_ANCHOR = "Web Response:"
_RETRY_ANCHOR = "retried again after this date:"
_REMOTE_ANCHOR = "reported by remote server:"
_TOKEN_MAX = 64  # a status name or timestamp is far shorter; bounds the work on junk input
_decoder = json.JSONDecoder()


def _squash(name: str) -> str:
    return "".join(char for char in name.lower() if char.isalnum())


def _status_names() -> dict[str, int]:
    """Both spellings of every status: .NET's `TooManyRequests` and the phrase `Too Many Requests`.

    Python's `HTTPStatus` names (`TOO_MANY_REQUESTS`) squash to the same keys as the .NET
    `HttpStatusCode` names, so one table built from the standard library covers both.
    """
    names: dict[str, int] = {}
    for status in HTTPStatus:
        names.setdefault(_squash(status.name), status.value)
        names.setdefault(_squash(status.phrase), status.value)
    # .NET spellings that differ from Python's.
    names.update(unprocessablecontent=422, contenttoolarge=413)
    return names


_BY_NAME = _status_names()


class GraphReason(NamedTuple):
    """The facts of one Graph `errorInformation.reason`."""

    status: int | None = None
    scim_type: str | None = None
    retry_at: float | None = None


def http_status(token: str) -> int | None:
    """An HTTP status from `409`, `409 Conflict`, `Conflict`, `TooManyRequests` or `Bad Request`."""
    token = token.strip()[:_TOKEN_MAX]
    head = token[:3]
    if head.isascii() and head.isdigit() and (len(token) == 3 or not token[3].isalnum()):
        code = int(head)
        return code if 100 <= code <= 599 else None
    return _BY_NAME.get(_squash(token))


def parse_graph_reason(reason: object) -> GraphReason:
    """Status, SCIM error type and next retry time from a Graph provisioning failure reason."""
    if not isinstance(reason, str):
        return GraphReason()
    body = _web_response(reason)
    status = _status_after(reason, _STATUS_ANCHOR)
    if status is None and body is not None:
        status = _body_status(body.get("status"))
    return GraphReason(
        status=status,
        scim_type=scim_type(body) if body is not None else None,
        retry_at=_retry_at(reason),
    )


def okta_remote_status(reason: object) -> int | None:
    """The SP status Okta quotes at the end of a provisioning failure, if it quotes one."""
    return _status_after(reason, _REMOTE_ANCHOR) if isinstance(reason, str) else None


def parse_utc(stamp: str) -> float | None:
    """Epoch seconds from an ISO 8601 date-time; one without a zone is UTC (Graph writes `UTC`)."""
    try:
        moment = datetime.fromisoformat(stamp.strip()[:_TOKEN_MAX])
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _after(reason: str, anchor: str) -> str | None:
    """The rest of the line after `anchor`, or None when the anchor is absent."""
    start = reason.find(anchor)
    if start < 0:
        return None
    rest = reason[start + len(anchor) : start + len(anchor) + _TOKEN_MAX].lstrip(" \t")
    end = min((i for i in (rest.find("\r"), rest.find("\n")) if i >= 0), default=len(rest))
    return rest[:end]


def _status_after(reason: str, anchor: str) -> int | None:
    line = _after(reason, anchor)
    if not line:
        return None
    # The status may run on: "Conflict Message: ...", "Bad Request. Invalid parameter ...".
    sentence = line.split(".", 1)[0]
    for candidate in (line.rstrip(". "), sentence, _first_word(sentence)):
        status = http_status(candidate)
        if status is not None:
            return status
    return None


def _first_word(line: str) -> str:
    words = line.split(None, 1)
    return words[0] if words else ""


def _web_response(reason: str) -> dict[str, object] | None:
    """The JSON object after `Web Response:`, without the text that follows it."""
    start = reason.find(_BODY_ANCHOR)
    if start < 0:
        return None
    brace = reason.find("{", start)
    if brace < 0:
        return None
    try:
        body, _ = _decoder.raw_decode(reason, brace)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _body_status(value: object) -> int | None:
    """A SCIM error `status`: RFC 7644 says string, many SPs send a number."""
    if isinstance(value, str):
        return http_status(value)
    if type(value) is int and 100 <= value <= 599:
        return value
    return None


def _retry_at(reason: str) -> float | None:
    line = _after(reason, _RETRY_ANCHOR)
    if not line:
        return None
    return parse_utc(_first_word(line).rstrip("."))
