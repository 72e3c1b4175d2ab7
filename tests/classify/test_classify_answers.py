"""Outcome classes, status and scimType labels, error bodies and Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

import pytest

import monitor.classify
from monitor.classify import classify, scim_type_label, status_label
from monitor.classify.errors import SCIM_TYPES, retry_after_s, scim_type
from monitor.classify.outcome import outcome
from monitor.events import Idp, Outcome, ScimEvent, ScimRequest

TS = 1793613600.0  # Mon, 02 Nov 2026 10:00:00 GMT


def test_public_surface() -> None:
    assert sorted(monitor.classify.__all__) == ["classify", "scim_type_label", "status_label"]


def test_scim_event_field_order_is_the_one_classify_builds_positionally() -> None:
    expected = [
        "ts",
        "app",
        "idp",
        "method",
        "resource",
        "operation",
        "outcome",
        "status",
        "sp_id",
        "scim_type",
        "retry_after_s",
        "duration_s",
        "lifecycle",
        "members_added",
        "members_removed",
        "members_replaced",
        "quirks",
        "request",
    ]
    assert expected == [f.name for f in fields(ScimEvent)]


def test_outcome_for_every_status() -> None:
    special = {
        401: Outcome.AUTH_ERROR,
        403: Outcome.AUTH_ERROR,
        404: Outcome.NOT_FOUND,
        409: Outcome.CONFLICT,
        429: Outcome.THROTTLED,
    }
    for status in range(100, 600):
        if status < 400:
            expected = Outcome.OK
        elif status >= 500:
            expected = Outcome.SERVER_ERROR
        else:
            expected = special.get(status, Outcome.CLIENT_ERROR)
        assert expected == outcome(status), status


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (429, "429"),
        (100, "100"),
        (599, "599"),
        (99, "other"),
        (600, "other"),
        (-1, "other"),
        (0, "other"),
    ],
)
def test_status_label_is_bounded(status: int, label: str) -> None:
    assert label == status_label(status)


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (None, "none"),
        ("uniqueness", "uniqueness"),
        ("InvalidValue", "invalidValue"),
        ("expiredCursor", "expiredCursor"),
        ("invalidCount", "invalidCount"),
        ("somethingElse", "other"),
        ("", "other"),
    ],
)
def test_scim_type_label_is_bounded(value: str | None, label: str) -> None:
    assert label == scim_type_label(value)


def test_every_known_scim_type_is_its_own_label() -> None:
    assert len(SCIM_TYPES) == 13
    assert list(SCIM_TYPES) == [scim_type_label(name) for name in SCIM_TYPES]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "409", "scimType": "uniqueness"}, "uniqueness"),
        ({"status": 409, "scimType": "uniqueness"}, "uniqueness"),
        ({"scimType": "UNIQUENESS"}, "uniqueness"),
        ({"scimType": "vendorSpecific"}, "vendorSpecific"),
        ({"status": "409"}, None),
        ({"scimType": 7}, None),
        ({"scimType": ""}, None),
        ({}, None),
        ('{"status": 400, "scimType": "invalidPath"}', "invalidPath"),
        (b'{"scimType": "noTarget"}', "noTarget"),
        ("<html>Bad Gateway</html>", None),
        ("", None),
        (None, None),
        (["scimType"], None),
        (400, None),
    ],
)
def test_scim_type_from_error_bodies(body: object, expected: str | None) -> None:
    assert expected == scim_type(body)


def test_scim_type_is_read_only_for_error_statuses() -> None:
    body = {"scimType": "uniqueness"}
    ok = ScimRequest(ts=TS, method="GET", path="/Users/u", status=200, response_body=body)
    bad = ScimRequest(ts=TS, method="GET", path="/Users/u", status=409, response_body=body)
    assert classify(ok, app="a", idp=None).scim_type is None
    assert classify(bad, app="a", idp=None).scim_type == "uniqueness"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "1"}, 1.0),
        ({"Retry-After": "120"}, 120.0),
        ({"RETRY-AFTER": " 30 "}, 30.0),
        ({"retry-after": "Mon, 02 Nov 2026 10:02:00 GMT"}, 120.0),
        ({"retry-after": "Mon, 02 Nov 2026 10:02:00 -0000"}, 120.0),
        ({"retry-after": "Mon, 02 Nov 2026 11:02:00 +0100"}, 120.0),
        ({"retry-after": "Mon, 02 Nov 2026 09:00:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "1.5"}, None),
        ({"retry-after": "٣"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "9" * 400}, None),
        ({"retry-after": 30}, 30.0),
        ({"retry-after": -1}, None),
        ({"retry-after": 10**400}, None),
        ({"retry-after": "Mon, 01 Jan 0001 00:00:00 GMT"}, 0.0),
        ({"retry-after": True}, None),
        ({"retry-after": ["1"]}, None),
        ({"content-type": "application/scim+json"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after(headers: Mapping[str, object] | None, expected: float | None) -> None:
    assert expected == retry_after_s(headers, TS)


def test_retry_after_reaches_the_event() -> None:
    req = ScimRequest(
        ts=TS, method="PATCH", path="/Users/u", status=429, response_headers={"Retry-After": "7"}
    )
    event = classify(req, app="a", idp=Idp.ENTRA)
    assert (event.outcome, event.retry_after_s) == (Outcome.THROTTLED, 7.0)


def test_created_id_comes_from_the_response_of_a_successful_create() -> None:
    def created(status: int, body: object) -> str | None:
        req = ScimRequest(ts=TS, method="POST", path="/Users", status=status, response_body=body)
        return classify(req, app="a", idp=None).sp_id

    assert created(201, {"id": "new-1"}) == "new-1"
    assert created(201, '{"id": "new-2"}') == "new-2"
    assert created(201, {"id": 5}) is None
    assert created(201, None) is None
    assert created(409, {"id": "x"}) is None
