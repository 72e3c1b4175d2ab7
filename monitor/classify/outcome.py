"""Outcome class and status label of a SCIM request, by HTTP status (contract section 4)."""

from __future__ import annotations

from monitor.events import Outcome

__all__ = ["outcome", "status_label"]

_BY_STATUS = {
    401: Outcome.AUTH_ERROR,
    403: Outcome.AUTH_ERROR,
    404: Outcome.NOT_FOUND,
    409: Outcome.CONFLICT,
    429: Outcome.THROTTLED,
}
_LABELS = {status: str(status) for status in range(100, 600)}


def outcome(status: int) -> Outcome:
    """Map a status to its class; 1xx (and anything below 400) counts as ok."""
    if status < 400:
        return Outcome.OK
    if status >= 500:
        return Outcome.SERVER_ERROR
    return _BY_STATUS.get(status, Outcome.CLIENT_ERROR)


def status_label(status: int) -> str:
    """The status as a metric label, bounded to 100..599 so a bad log cannot mint new series."""
    return _LABELS.get(status, "other")
