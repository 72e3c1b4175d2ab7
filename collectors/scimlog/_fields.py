"""What the line formats share: checking the required fields and building the ScimRequest.

Each format extracts the same twelve raw values from its own layout and hands them to `build`,
so the rules (which fields are required, which reject a bad one earns, how optional values
are coerced) live in one place. Type tests use `type(x) is ...` rather than isinstance on
purpose: JSON gives only exact builtins, `bool` must not pass for `int`, and it is faster.
"""

from __future__ import annotations

from typing import NamedTuple

from collectors.scimlog.timestamps import parse_json_ts, parse_rfc3339
from monitor.events import Rejected, RejectReason, ScimRequest

__all__ = [
    "NOT_A_REQUEST",
    "FieldRejects",
    "build",
    "duration",
    "field_rejects",
    "split_target",
    "status_code",
]

NOT_A_REQUEST = Rejected(RejectReason.UNKNOWN_FORMAT, "JSON object has no request fields")


class FieldRejects(NamedTuple):
    """One format's rejects for its required fields, built once so the hot path never formats."""

    missing_ts: Rejected
    missing_method: Rejected
    missing_path: Rejected
    missing_status: Rejected
    bad_status: Rejected
    bad_ts: Rejected


def field_rejects(*, ts: str, method: str, path: str, status: str) -> FieldRejects:
    """Rejects naming the format's own field names; values are never echoed (they may be secret)."""
    return FieldRejects(
        missing_ts=_missing(ts),
        missing_method=_missing(method),
        missing_path=_missing(path),
        missing_status=_missing(status),
        bad_status=Rejected(RejectReason.BAD_STATUS, f"{status!r} is not an integer in 100..599"),
        bad_ts=Rejected(RejectReason.BAD_TIMESTAMP, f"{ts!r} is not a readable timestamp"),
    )


def build(  # one positional slot per ScimRequest field: the cheapest call shape
    rejects: FieldRejects,
    ts: object,
    method: object,
    path: object,
    status: object,
    query: str,
    app: object,
    duration_s: float | None,
    user_agent: object,
    request_id: object,
    request_body: object,
    response_body: object,
    headers: object,
) -> ScimRequest | Rejected:
    """The ScimRequest the raw values describe, or the reject for the first bad required one."""
    if type(method) is not str or not method:
        if method is None and path is None and status is None:
            return NOT_A_REQUEST
        return rejects.missing_method
    if type(path) is not str or not path:
        return rejects.missing_path
    code = status if type(status) is int and 100 <= status <= 599 else status_code(status)
    if code is None:
        return rejects.missing_status if status is None else rejects.bad_status
    seconds = parse_rfc3339(ts) if type(ts) is str else parse_json_ts(ts)
    if seconds is None:
        return rejects.missing_ts if ts is None else rejects.bad_ts
    return ScimRequest(
        seconds,
        method.upper(),
        path,
        code,
        query,
        app if type(app) is str and app else _text(app),
        duration_s,
        user_agent if type(user_agent) is str and user_agent else _text(user_agent),
        request_id if type(request_id) is str and request_id else _text(request_id),
        request_body,
        response_body,
        None if headers is None else _headers(headers),
    )


def status_code(value: object) -> int | None:
    """An HTTP status from an int, an integral float or a 3-digit string; None outside 100..599."""
    if type(value) is int:
        code = value
    elif (type(value) is str and len(value) == 3 and value.isascii() and value.isdigit()) or (
        type(value) is float and value.is_integer()
    ):
        code = int(value)
    else:
        return None
    return code if 100 <= code <= 599 else None


def duration(value: object, per_second: float) -> float | None:
    """Seconds from a non-negative number counted in 1/`per_second` units (ms, ns)."""
    if (type(value) is int or type(value) is float) and 0 <= value < _INFINITY:
        return value / per_second
    return None


def split_target(target: str) -> tuple[str, str]:
    """(path, query) of a request target; an absolute URI loses its scheme and authority."""
    if target[:1] != "/" and target.startswith(("http://", "https://")):
        target = _origin_form(target)
    path, _, query = target.partition("?")
    return path, query


_INFINITY = float("inf")


def _missing(name: str) -> Rejected:
    return Rejected(RejectReason.MISSING_FIELD, f"missing, empty or mistyped field {name!r}")


def _text(value: object) -> str | None:
    """Optional text: numbers are rendered (numeric request ids), empty or other types absent."""
    if type(value) is int or type(value) is float:
        return str(value)
    return None


def _headers(value: object) -> dict[str, str] | None:
    """Header names lower-cased; values that are not text-like are dropped."""
    if type(value) is not dict:
        return None
    result: dict[str, str] = {}
    for name, raw in value.items():
        text = _header_value(raw)
        if text is not None:
            result[name.lower()] = text
    return result


def _header_value(raw: object) -> str | None:
    if type(raw) is str:
        return raw
    if type(raw) is list:  # a repeated header, as some loggers write it
        parts = [str(item) for item in raw if type(item) in (str, int, float)]
        return ", ".join(parts)
    return _text(raw)


def _origin_form(target: str) -> str:
    authority = target.find("//") + 2
    ends = [i for i in (target.find("/", authority), target.find("?", authority)) if i >= 0]
    if not ends:
        return "/"
    rest = target[min(ends) :]
    return rest if rest.startswith("/") else "/" + rest
