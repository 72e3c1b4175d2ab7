"""Retries: failed attempts at a disable (429, 5xx, 401) confirm nothing and are no
`deprovision_not_applied`; the first 2xx disable after the request confirms, at its own time."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect.scenario import Format, Scenario, deprovision, user

OID = "c0ffee00-1111-4222-8333-944455556666"
UPN = "lars.holm@corp.test"
LEGACY = {"op": "Replace", "path": "active", "value": "False"}
FLAGGED = {"op": "replace", "path": "active", "value": False}
Json = dict[str, object]


@pytest.mark.parametrize(("fmt", "op"), [("flat", LEGACY), ("ecs", FLAGGED)])
def test_confirmed_at_the_first_success(tmp_path: Path, fmt: Format, op: Json) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("desk", idp="entra", fmt=fmt)
    rep = desk.create("08:00", user("d-40", UPN, external_id="lars.holm"))
    sc.entra_audit("09:00", "Disable account", OID, UPN)
    desk.patch(
        "09:05",
        "d-40",
        op,
        status=429,
        headers={"Retry-After": "120"},
        response={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "429",
            "detail": "slow down",
        },
    )
    desk.patch("09:08", "d-40", op, status=503)
    desk.patch("09:50", "d-40", op, status=401)
    desk.patch("10:30:45.678", "d-40", op, status=200, response={**rep, "active": False})
    desk.patch("10:31", "d-40", op, status=200, response={**rep, "active": False})

    report = sc.run()

    assert report.deprovisions == [
        deprovision("desk", UPN, "d-40", "09:00", "10:30:45.678", overdue=True)
    ]
    assert report.findings("deprovision_not_applied") == []
    assert report.data["requests"] == {
        "desk": {"auth_error": 1, "ok": 3, "server_error": 1, "throttled": 1}
    }


def test_only_failures_leave_it_pending(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("desk", idp="entra")
    desk.create("08:00", user("d-41", UPN))
    sc.entra_audit("09:00", "Disable account", OID, UPN)
    for when, status in (("09:05", 429), ("09:45", 500), ("10:25", 403), ("11:05", 404)):
        desk.patch(when, "d-41", LEGACY, status=status)

    report = sc.run()

    assert report.deprovisions == [deprovision("desk", UPN, "d-41", "09:00", overdue=True)]
    assert report.findings("deprovision_not_applied") == []
