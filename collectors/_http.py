"""Small HTTP helpers the pollers share."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["origin"]


def origin(url: str) -> tuple[str, str]:
    """(scheme, host[:port]): pollers follow next links only to the origin they were given,
    so a token never leaves for another host."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()
