"""The free-text error parsers: what Graph and Okta say about the SP's answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.classify.idp.reason import (
    GraphReason,
    http_status,
    okta_remote_status,
    parse_graph_reason,
    parse_utc,
)

MESSAGE = "Message: Processing of the HTTP request resulted in an exception."


def epoch(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> float:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC).timestamp()


def graph_reason(status: str, body: str, when: str = "2026-03-24T13:23:44Z UTC") -> str:
    return (
        f"StatusCode: {status}\r\n{MESSAGE}\r\nWeb Response: \r\n{body}. This operation was "
        f"retried 1 times. It will be retried again after this date: {when}"
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("BadRequest", 400),
        ("Unauthorized", 401),
        ("Forbidden", 403),
        ("NotFound", 404),
        ("MethodNotAllowed", 405),
        ("Conflict", 409),
        ("PreconditionFailed", 412),
        ("RequestEntityTooLarge", 413),
        ("UnprocessableEntity", 422),
        ("UnprocessableContent", 422),
        ("TooManyRequests", 429),
        ("InternalServerError", 500),
        ("NotImplemented", 501),
        ("BadGateway", 502),
        ("ServiceUnavailable", 503),
        ("GatewayTimeout", 504),
        ("Bad Request", 400),
        ("Too Many Requests", 429),
        ("toomanyrequests", 429),
        ("409", 409),
        ("409 Conflict", 409),
        (" 503 ", 503),
        ("999", None),
        ("4090", None),
        ("²⁰⁰", None),
        ("", None),
        ("Teapot", None),
        ("Conflict Message", None),
    ],
)
def test_http_status(token: str, expected: int | None) -> None:
    assert expected == http_status(token)


def test_graph_conflict_with_numeric_scim_status() -> None:
    body = (
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],'
        '"detail":"taken","status":409,"scimType":"uniqueness"}'
    )
    reason = graph_reason("Conflict", body, "2026-03-24T13:23:44.9198514Z UTC")
    expected = GraphReason(409, "uniqueness", epoch(2026, 3, 24, 13, 23, 44, 919851))
    assert expected == parse_graph_reason(reason)


def test_graph_scim_type_in_rfc_spelling_and_status_as_string() -> None:
    body = '{"status": "400", "scimType": "INVALIDPATH", "detail": "Unsupported path filter"}'
    assert GraphReason(400, "invalidPath", epoch(2026, 3, 24, 13, 23, 44)) == parse_graph_reason(
        graph_reason("BadRequest", body)
    )


def test_graph_retry_date_without_zone_is_utc() -> None:
    reason = graph_reason("TooManyRequests", "{}", "2026-03-24T13:23:44.0000000 UTC")
    assert epoch(2026, 3, 24, 13, 23, 44) == parse_graph_reason(reason).retry_at


def test_graph_status_from_body_when_no_status_line() -> None:
    reason = f'{MESSAGE}\r\nWeb Response: \r\n{{"status": 404, "scimType": "noTarget"}}'
    assert GraphReason(404, "noTarget", None) == parse_graph_reason(reason)


def test_graph_status_line_wins_over_body() -> None:
    reason = graph_reason("ServiceUnavailable", '{"status": "400"}')
    assert parse_graph_reason(reason).status == 503


def test_graph_status_line_without_line_break() -> None:
    reason = "StatusCode: Conflict Message: Processing of the HTTP request resulted in an error."
    assert parse_graph_reason(reason).status == 409


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Service Unavailable</body></html>",
        '{"status": 500, "scimType": ',
        '["not", "an", "object"]',
        "{" * 5000,
        '{"a": ' + "[" * 200_000,
        '{"scimType": 7, "status": true}',
    ],
)
def test_graph_body_that_is_not_a_scim_error(body: str) -> None:
    facts = parse_graph_reason(graph_reason("InternalServerError", body))
    assert (facts.status, facts.scim_type) == (500, None)


@pytest.mark.parametrize(
    "reason",
    [
        "The user was not found in the target application.",
        "StatusCode: \r\nWeb Response: ",
        "It will be retried again after this date: soon UTC",
        "It will be retried again after this date:",
        "StatusCode:\x0c",
        "",
        None,
        42,
        ["StatusCode: Conflict"],
    ],
)
def test_graph_reason_without_facts(reason: object) -> None:
    assert GraphReason() == parse_graph_reason(reason)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("... user a@b.test: Service Unavailable. Errors reported by remote server: 503", 503),
        (
            "... for a@b.test: Bad Request. Errors reported by remote server: Bad Request. "
            "Invalid parameter provided in request: value.",
            400,
        ),
        ("Errors reported by remote server: Conflict", 409),
        ("Errors reported by remote server: 429 Too Many Requests", 429),
        ("Automatic provisioning failed: Error while deactivating user: connection reset", None),
        ("Errors reported by remote server: something odd happened", None),
        (None, None),
    ],
)
def test_okta_remote_status(reason: object, expected: int | None) -> None:
    assert expected == okta_remote_status(reason)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-02T08:22:55.9401800Z", epoch(2026, 11, 2, 8, 22, 55, 940180)),
        ("2026-11-02T08:22:55", epoch(2026, 11, 2, 8, 22, 55)),
        ("2026-11-02T10:22:55+02:00", epoch(2026, 11, 2, 8, 22, 55)),
        ("11/2/2026 8:22:55 AM", None),
        ("", None),
    ],
)
def test_parse_utc(stamp: str, expected: float | None) -> None:
    assert expected == parse_utc(stamp)
