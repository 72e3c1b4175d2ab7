"""What an error answer says: the SCIM `scimType` and how long the SP asks the client to wait.

Error bodies in the field break RFC 7644 section 3.12 freely (`status` as a number, no `status`,
no `scimType`, HTML instead of JSON), so everything here reads defensively and answers None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime

from monitor.classify.bodies import json_value

__all__ = ["SCIM_TYPES", "retry_after_s", "scim_type", "scim_type_label"]

SCIM_TYPES = (
    # RFC 7644 section 3.12, Table 9
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
    # RFC 9865 (cursor pagination)
    "invalidCursor",
    "expiredCursor",
    "invalidCount",
)
_CANONICAL = {name.lower(): name for name in SCIM_TYPES}


def scim_type(response_body: object) -> str | None:
    """The error's `scimType`, in its RFC spelling when it is a known one (SPs vary the case)."""
    body = json_value(response_body)
    if not isinstance(body, dict):
        return None
    value = body.get("scimType")
    if not isinstance(value, str) or not value:
        return None
    return _CANONICAL.get(value.lower(), value)


def scim_type_label(scim_type: str | None) -> str:
    """A bounded metric label: a known scimType, "none" when absent, "other" otherwise."""
    if scim_type is None:
        return "none"
    return _CANONICAL.get(scim_type.lower(), "other")


def retry_after_s(headers: Mapping[str, object] | None, ts: float) -> float | None:
    """Seconds the SP asked to wait, from `Retry-After` (delay or HTTP-date relative to `ts`)."""
    if not headers:
        return None
    value = _header(headers, "retry-after")
    if type(value) is int:  # a JSON log may keep the header value as a number
        return float(value) if 0 <= value < 2**63 else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000" means UTC with no zone information (RFC 5322)
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - ts)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _header(headers: Mapping[str, object], name: str) -> object:
    """Look `name` up whatever case the log kept header names in."""
    value = headers.get(name)
    if value is not None:
        return value
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return value
    return None
