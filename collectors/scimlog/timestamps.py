"""Timestamps as SCIM request logs write them, turned into float epoch seconds (UTC).

Every parsed line comes through here, so the common case is a single `datetime.fromisoformat`
call (C code; since 3.11 it reads `Z`, offsets, and 7-9 fractional digits by truncating them to
microseconds) and only the forms it refuses take a slower path. The parser is lenient where
leniency is harmless: other ISO 8601 spellings of a full date and time are accepted too. No
caching: timestamps are nearly unique per line, so a cache would only hold memory.

Results outside years 1..9999 are refused, so later stages can always render them as RFC 3339.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["parse_clf", "parse_epoch", "parse_json_ts", "parse_rfc3339"]

_MIN_TS = -62_135_596_800.0  # 0001-01-01T00:00:00Z
_MAX_TS = 253_402_300_800.0  # 10000-01-01T00:00:00Z, exclusive
# Numbers at or above this are milliseconds: as seconds they would be past the year 5000.
_MS_THRESHOLD = 100_000_000_000
_fromisoformat = datetime.fromisoformat
_MONTHS = {
    name: f"{number:02d}"
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def parse_json_ts(value: object) -> float | None:
    """Epoch seconds from a JSON timestamp: an RFC 3339 string or epoch seconds/milliseconds."""
    if type(value) is str:
        return parse_rfc3339(value)
    if type(value) is int or type(value) is float:
        return parse_epoch(value)
    return None


def parse_rfc3339(text: str) -> float | None:
    """RFC 3339 (`Z`, offsets, 0-9 fractional digits, `T`/`t`/space); no zone means UTC."""
    if len(text) < 19:  # a date alone is ISO 8601 but not a moment
        return None
    try:
        moment = _fromisoformat(text)
    except ValueError:
        return _parse_rfc3339_odd(text)
    if moment.tzinfo is None:  # _epoch, inlined: this is the hottest call in parsing
        moment = moment.replace(tzinfo=UTC)
    seconds = moment.timestamp()
    return seconds if _MIN_TS <= seconds < _MAX_TS else None


def parse_epoch(value: float) -> float | None:
    """Epoch seconds from a number of seconds or, when implausibly large, milliseconds."""
    try:
        seconds = float(value)
    except OverflowError:
        return None
    if abs(seconds) >= _MS_THRESHOLD:
        seconds /= 1000
    return seconds if _MIN_TS <= seconds < _MAX_TS else None


def parse_clf(text: str) -> float | None:
    """Epoch seconds from the common log format's `02/Nov/2026:00:35:23 +0000`."""
    if len(text) != 26 or text[2] != "/" or text[6] != "/" or text[11] != ":" or text[20] != " ":
        return None
    month = _MONTHS.get(text[3:6])
    if month is None:
        return None
    try:  # rewritten as ISO 8601, so the C parser checks every digit, range and the offset
        moment = _fromisoformat(f"{text[7:11]}-{month}-{text[:2]}T{text[12:20]}{text[21:]}")
    except ValueError:
        return None
    return _epoch(moment)


def _parse_rfc3339_odd(text: str) -> float | None:
    """The rare legal forms `fromisoformat` refuses: lower-case `t`/`z` and leap seconds."""
    if not text.isascii() or len(text) < 19 or text[10] not in "Tt ":
        return None
    fixed = text.upper()
    leap = fixed[17:19] == "60"
    if leap:
        fixed = fixed[:17] + "59" + fixed[19:]
    if fixed == text:
        return None
    try:
        moment = _fromisoformat(fixed)
    except ValueError:
        return None
    seconds = _epoch(moment)
    if seconds is None or not leap:
        return seconds
    return seconds + 1.0


def _epoch(moment: datetime) -> float | None:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = moment.timestamp()  # aware, so computed as a timedelta: cannot overflow
    return seconds if _MIN_TS <= seconds < _MAX_TS else None
