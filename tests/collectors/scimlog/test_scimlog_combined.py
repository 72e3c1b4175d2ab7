"""nginx/Apache access-log lines: combined, combined + $request_time, and common format."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from collectors.scimlog import combined
from monitor.events import Rejected, RejectReason, ScimRequest

PREFIX = "198.51.100.7 - - [03/Oct/2026:06:07:08 +0000] "
EPOCH = datetime(2026, 10, 3, 6, 7, 8, tzinfo=UTC).timestamp()


def parse(text: str) -> ScimRequest | Rejected:
    return combined.parse(text.encode())


def test_combined_with_request_time() -> None:
    result = parse(
        PREFIX + '"PATCH /scim/v2/Users/42?x=1 HTTP/1.1" 200 311 "-" "Okta SCIM Client 1.0.0" 0.137'
    )
    assert result == ScimRequest(
        ts=EPOCH,
        method="PATCH",
        path="/scim/v2/Users/42",
        status=200,
        query="x=1",
        duration_s=0.137,
        user_agent="Okta SCIM Client 1.0.0",
    )


def test_combined_without_request_time() -> None:
    result = parse(PREFIX + '"GET /scim/v2/Groups HTTP/2.0" 404 60 "https://idp.test/" "jc/2"')
    assert result == ScimRequest(
        ts=EPOCH, method="GET", path="/scim/v2/Groups", status=404, user_agent="jc/2"
    )


def test_common_log_format() -> None:
    result = parse(
        '10.9.8.7 - alice [03/Oct/2026:08:07:08 +0200] "DELETE /v2/Users/9 HTTP/1.0" 204 -'
    )
    assert result == ScimRequest(ts=EPOCH, method="DELETE", path="/v2/Users/9", status=204)


@pytest.mark.parametrize(
    ("tail", "seconds"), [(" 12", 12.0), (" 0.", 0.0), (" 1.250", 1.25), (" -", None), ("", None)]
)
def test_request_time_forms(tail: str, seconds: float | None) -> None:
    result = parse(PREFIX + '"GET /scim/Users HTTP/1.1" 200 5 "-" "ua"' + tail)
    assert isinstance(result, ScimRequest)
    assert result.duration_s == seconds


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (r"say \"hi\"", 'say "hi"'),
        (r"back\\slash", "back\\slash"),
        (r"back\\\"both", 'back\\"both'),
        (r"nginx \x22hex\x22", r"nginx \x22hex\x22"),
        ("-", None),
        ("", None),
        ("Mozilla/5.0 (X11; Linux) [en]", "Mozilla/5.0 (X11; Linux) [en]"),
    ],
)
def test_user_agent_escapes(agent: str, expected: str | None) -> None:
    result = parse(PREFIX + f'"GET /scim/Users HTTP/1.1" 200 5 "-" "{agent}"')
    assert isinstance(result, ScimRequest)
    assert result.user_agent == expected


def test_absolute_uri_and_raw_percent_encoding() -> None:
    result = parse(PREFIX + '"get http://sp.test/scim/Users/a%20b?f=%22x%22 HTTP/1.1" 200 5')
    assert isinstance(result, ScimRequest)
    assert (result.method, result.path, result.query) == ("GET", "/scim/Users/a%20b", "f=%22x%22")


def test_escaped_quote_inside_request_line() -> None:
    result = parse(PREFIX + r'"GET /scim/Users?filter=userName%20eq%20\"a\" HTTP/1.1" 200 5')
    assert isinstance(result, ScimRequest)
    assert result.query == 'filter=userName%20eq%20"a"'


@pytest.mark.parametrize("request_line", ["-", ""])
def test_missing_request_line(request_line: str) -> None:
    result = parse(PREFIX + f'"{request_line}" 408 0 "-" "-"')
    assert result == Rejected(RejectReason.MISSING_FIELD, "request line is empty or '-'")


@pytest.mark.parametrize(
    "request_line",
    [
        r"\x16\x03\x01\x00\xa5",
        "GET /scim/Users",
        "GET  /scim/Users HTTP/1.1",
        "GET /scim/Users HTTP/1.1 extra",
        "G3T /scim/Users HTTP/1.1",
        "GET /scim/Users FTP/1.0",
        "ÜBER /scim/Users HTTP/1.1",
    ],
)
def test_garbage_request_line(request_line: str) -> None:
    result = parse(PREFIX + f'"{request_line}" 400 0 "-" "-"')
    assert result == Rejected(
        RejectReason.UNKNOWN_FORMAT, "request line is not 'METHOD URI PROTOCOL'"
    )


@pytest.mark.parametrize("status", ["-", "99", "600", "2OO", "20", "+20"])
def test_bad_status(status: str) -> None:
    result = parse(PREFIX + f'"GET /scim/Users HTTP/1.1" {status} 5 "-" "ua"')
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.BAD_STATUS


@pytest.mark.parametrize(
    "when",
    ["[03/Oct/2026:06:07:08]", "[2026-10-03T06:07:08Z]", "[31/Sep/2026:06:07:08 +0000]", "[]"],
)
def test_bad_time(when: str) -> None:
    result = parse(f'198.51.100.7 - - {when} "GET /scim/Users HTTP/1.1" 200 5')
    assert isinstance(result, Rejected)
    assert result.reason is RejectReason.BAD_TIMESTAMP


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        PREFIX.strip(),
        PREFIX + '"GET /scim/Users HTTP/1.1" 200',
        PREFIX + '"GET /scim/Users HTTP/1.1" 200 5 "-"',
        PREFIX + '"GET /scim/Users HTTP/1.1" 200 5 "-" "ua" 0.1 "upstream"',
        PREFIX + '"GET /scim/Users HTTP/1.1" 200 5 "-" "ua" 1e3',
        PREFIX + '"GET /scim/Users HTTP/1.1  200 5',
        '198.51.100.7 -  - [03/Oct/2026:06:07:08 +0000] "GET / HTTP/1.1" 200 5',
    ],
)
def test_not_a_log_line(text: str) -> None:
    assert parse(text) == Rejected(
        RejectReason.UNKNOWN_FORMAT, "neither JSON nor a combined log line"
    )


def test_invalid_utf8() -> None:
    line = PREFIX.encode() + b'"GET /scim/Users/\xe9 HTTP/1.1" 200 5'
    assert combined.parse(line) == Rejected(RejectReason.BAD_ENCODING, "line is not valid UTF-8")


@pytest.mark.parametrize(
    "hostile",
    [
        PREFIX + '"' + "\\" * 200_001,
        PREFIX + '"' + '\\"' * 100_000,
        PREFIX + '"GET / HTTP/1.1" 200 5 "' + "\\a" * 100_000 + " x",
        " ".join(["a"] * 100_000),
        "[" * 200_000,
    ],
)
def test_hostile_lines_are_linear(hostile: str) -> None:
    """Possessive quantifiers: a regex that backtracked here would take hours, not ms."""
    started = time.perf_counter()
    assert isinstance(parse(hostile), Rejected)
    assert time.perf_counter() - started < 1.0
