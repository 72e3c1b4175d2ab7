"""Lazy access to SCIM bodies as collectors left them (decoded value, JSON text, or None).

Most requests never need a body (GETs, successful lists), so nothing here runs unless the
classifier asks; a body that does not decode is treated as absent, never as an error.
"""

from __future__ import annotations

import orjson

from monitor.events import ScimRequest

__all__ = ["json_value", "request_json", "response_json"]

_TEXT = (str, bytes, bytearray, memoryview)


def json_value(obj: object) -> object:
    """Return the JSON value `obj` holds: text is decoded, anything undecodable becomes None."""
    if isinstance(obj, _TEXT):
        try:
            return orjson.loads(obj)
        except orjson.JSONDecodeError:
            return None
    return obj


def request_json(req: ScimRequest) -> object:
    """The decoded request body, kept on `req` so later stages do not decode it again."""
    value = json_value(req.request_body)
    if isinstance(value, dict | list):
        req.request_body = value
    return value


def response_json(req: ScimRequest) -> object:
    """The decoded response body, kept on `req` like `request_json` does."""
    value = json_value(req.response_body)
    if isinstance(value, dict | list):
        req.response_body = value
    return value
