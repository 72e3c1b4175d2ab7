"""Every timestamp form the SCIM log formats use, and the near misses that must be refused."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from collectors.scimlog.timestamps import parse_clf, parse_epoch, parse_json_ts, parse_rfc3339

NOON = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T12:00:00Z", NOON),
        ("2026-07-01T12:00:00.8Z", NOON + 0.8),
        ("2026-07-01T12:00:00.862Z", NOON + 0.862),
        ("2026-07-01T12:00:00.123456Z", NOON + 0.123456),
        ("2026-07-01T12:00:00.1234567Z", NOON + 0.123456),  # 7 digits: truncated to µs
        ("2026-07-01T12:00:00.999999999Z", NOON + 0.999999),
        ("2026-07-01T14:00:00+02:00", NOON),
        ("2026-07-01T06:30:00-05:30", NOON),
        ("2026-07-01T12:00:00-00:00", NOON),
        ("2026-07-01T12:00:00.25+00:00", NOON + 0.25),
        ("2026-07-01t12:00:00z", NOON),
        ("2026-07-01t14:00:00.5+02:00", NOON + 0.5),
        ("2026-07-01 12:00:00Z", NOON),
        ("2026-07-01T12:00:00", NOON),  # no zone: UTC, never the host's local time
        ("2026-07-01T12:00:00.75", NOON + 0.75),
        ("2026-12-31T23:59:60Z", datetime(2027, 1, 1, tzinfo=UTC).timestamp()),  # leap second
    ],
)
def test_rfc3339_forms(text: str, expected: float) -> None:
    assert parse_rfc3339(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-07-01",  # a date is not a moment
        "2026-07-01T12:00",
        "2026-13-01T12:00:00Z",
        "2026-02-30T12:00:00Z",
        "2026-07-01T24:00:00Z",
        "2026-07-01T12:00:61Z",
        "2026-07-01T12:00:00+24:00",
        "2026-07-01T12:00:00 UTC",
        "\uff12\uff10\uff12\uff16-07-01T12:00:00Z",  # fullwidth digits
        "2026-07-01T12:00:00ZZ",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "ß026-07-01t12:00:00z",  # upper() changes the length of non-ASCII text
    ],
)
def test_rfc3339_refusals(text: str) -> None:
    assert parse_rfc3339(text) is None


def test_local_time_zone_is_never_used() -> None:
    """A naive datetime's .timestamp() would use the host's zone; run where that is not UTC."""
    code = (
        "from collectors.scimlog.timestamps import parse_rfc3339\n"
        "print(parse_rfc3339('2026-07-01T12:00:00'))"
    )
    env = {**os.environ, "TZ": "XST+5"}  # POSIX rule: five hours west, no tz database needed
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    assert float(out.stdout) == NOON


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_782_907_200, NOON),
        (1_782_907_200.5, NOON + 0.5),
        (1_782_907_200_250, NOON + 0.25),  # milliseconds
        (1_782_907_200_250.0, NOON + 0.25),
        (0, 0.0),
        (-86_400, -86_400.0),
    ],
)
def test_epoch_numbers(value: float, expected: float) -> None:
    assert parse_epoch(value) == pytest.approx(expected, abs=1e-6)
    assert parse_json_ts(value) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("value", [1e20, -1e20, float("inf"), float("nan"), 10**400])
def test_epoch_out_of_range(value: float) -> None:
    assert parse_epoch(value) is None


@pytest.mark.parametrize("value", [None, True, False, [], {}, {"$date": 1}, b"2026"])
def test_json_ts_refuses_other_types(value: object) -> None:
    assert parse_json_ts(value) is None


def test_json_ts_reads_strings_as_rfc3339() -> None:
    assert parse_json_ts("2026-07-01T12:00:00Z") == NOON


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/Jul/2026:12:00:00 +0000", NOON),
        ("01/Jul/2026:14:00:00 +0200", NOON),
        ("01/Jul/2026:05:00:00 -0700", NOON),
        ("01/Jul/2026:17:30:00 +0530", NOON),
        ("02/Jan/2026:00:00:00 +0000", datetime(2026, 1, 2, tzinfo=UTC).timestamp()),
        ("31/Dec/2026:23:59:59 +0000", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()),
    ],
)
def test_clf_forms(text: str, expected: float) -> None:
    assert parse_clf(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "01/Jul/2026:12:00:00",
        "01/Jul/2026:12:00:00 +00:00",
        "1/Jul/2026:12:00:00 +0000",
        "01/jul/2026:12:00:00 +0000",
        "01/Juli/2026:12:00:00 +000",
        "31/Jun/2026:12:00:00 +0000",
        "01/Jul/2026:24:00:00 +0000",
        "01/Jul/2026:12:60:00 +0000",
        "01/Jul/2026:12:00:00 +2400",
        "01/Jul/2026:12:00:00 *0000",
        "01-Jul-2026:12:00:00 +0000",
        "01/Jul/2026 12:00:00 +0000",
        "01/Jul/2026:12:00:00_+0000",
        "2026-07-01T12:00:00+00:00",
        "0a/Jul/2026:12:00:00 +0000",
    ],
)
def test_clf_refusals(text: str) -> None:
    assert parse_clf(text) is None
