"""Normalized identity keys: how two records are recognised as the same person."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

__all__ = ["normalize_key", "primary_email"]


def normalize_key(value: object) -> str | None:
    """userName and email compare case-insensitively (RFC 7643 caseExact false), NFC-folded."""
    if not isinstance(value, str):
        return None
    folded = unicodedata.normalize("NFC", value).strip().casefold()
    return folded or None


def primary_email(resource: Mapping[str, object]) -> str | None:
    """The primary email of a SCIM User (else the first); tolerates OneLogin's single object."""
    emails = resource.get("emails")
    if isinstance(emails, dict):
        emails = [emails]
    if not isinstance(emails, list):
        return None
    values = [e for e in emails if isinstance(e, dict) and isinstance(e.get("value"), str)]
    primary = next((e for e in values if e.get("primary") is True), values[0] if values else None)
    return normalize_key(primary.get("value")) if primary else None
