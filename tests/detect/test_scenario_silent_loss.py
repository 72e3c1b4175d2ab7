"""Silent attribute loss (contract section 6, scim-wire A.3.1): a 2xx PATCH whose answer (or,
after a 204, the next representation) lacks attributes the last known representation had and
the operations did not target. Paths in contract notation; one finding per identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from detect.scenario import ENTERPRISE, Format, Scenario, iso, user

LOGIN = "ugo.ferri@corp.test"
TITLE = {"op": "replace", "path": "title", "value": "lead"}
DEPARTMENT = f"{ENTERPRISE}:department"
EMPLOYEE_NUMBER = f"{ENTERPRISE}:employeeNumber"


def _lossy(rep: dict[str, Any]) -> dict[str, Any]:
    """What a PATCH-as-PUT SP answers to a title change: emails, givenName, department gone."""
    kept = {k: v for k, v in rep.items() if k != "emails"}
    return {
        **kept,
        "title": "lead",
        "name": {"familyName": rep["name"]["familyName"]},
        ENTERPRISE: {"employeeNumber": rep[ENTERPRISE]["employeeNumber"]},
    }


def _finding(at: str, lost: list[str], *, last: str | None = None, count: int = 1) -> Any:
    return {
        "app": "wiki",
        "sp_id": "w-1",
        "at": iso(at),
        "last_at": iso(last or at),
        "count": count,
        "lost_attributes": lost,
    }


@pytest.mark.parametrize("fmt", ["flat", "ecs", "ecs_dotted"])
def test_200_answer_lacks_attributes(tmp_path: Path, fmt: Format) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra", fmt=fmt)
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00:00.900", "w-1", TITLE, status=200, response=_lossy(rep))

    report = sc.run()

    assert report.findings("silent_attribute_loss") == [
        _finding("09:00:00.900", ["emails", "name.givenName", DEPARTMENT])
    ]


def test_204_then_get_lacks_attributes(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra", fmt="ecs")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00:00.900", "w-1", TITLE, status=204)
    wiki.get("09:40", _lossy(rep))

    report = sc.run()

    assert report.findings("silent_attribute_loss") == [
        _finding("09:00:00.900", ["emails", "name.givenName", DEPARTMENT])
    ]


def test_whole_complex_and_extension_lost(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    answer = {k: v for k, v in rep.items() if k not in ("name", ENTERPRISE)}
    answer["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:User"]
    wiki.patch("09:00", "w-1", TITLE, status=200, response={**answer, "title": "lead"})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == [
        _finding("09:00", ["name.familyName", "name.givenName", DEPARTMENT, EMPLOYEE_NUMBER])
    ]


def test_no_finding_for_what_the_operations_removed(tmp_path: Path) -> None:
    """Legacy Entra ops with paths, a dotted-key no-path replace, and a 204 then a GET."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    answer = {k: v for k, v in rep.items() if k not in ("title", "emails")}
    answer[ENTERPRISE] = {"employeeNumber": "4711"}
    wiki.patch(
        "09:00",
        "w-1",
        {"op": "Remove", "path": "title"},
        {"op": "Remove", "path": "emails"},
        {"op": "Remove", "path": DEPARTMENT},
        status=200,
        response=answer,
    )
    renamed = {**answer, "name": {"familyName": "Ferri-Rossi"}}
    wiki.patch(
        "09:30",
        "w-1",
        {"op": "replace", "value": {"name.familyName": "Ferri-Rossi", "name.givenName": None}},
        status=204,
    )
    wiki.get("09:45", renamed)

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_repeated_losses_update_one_finding(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra", fmt="ecs")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=200, response=_lossy(rep))
    wiki.put("10:00", rep)  # the IdP restores the whole user
    again = {k: v for k, v in _lossy(rep).items() if k != "displayName"}
    wiki.patch("11:00:00.011", "w-1", TITLE, status=200, response=again)

    report = sc.run()

    lost = ["displayName", "emails", "name.givenName", DEPARTMENT]
    assert report.findings("silent_attribute_loss") == [
        _finding("09:00", lost, last="11:00:00.011", count=2)
    ]


def test_complete_answers_raise_nothing(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=200, response={**rep, "title": "lead"})
    wiki.patch("09:10", "w-1", TITLE, status=204)
    wiki.get("09:20", {**rep, "title": "lead"})
    wiki.patch("09:30", "w-1", TITLE, status=400, response={"detail": "no"})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_204_then_import_page_lacks_attributes(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra", fmt="ecs_dotted")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=204)
    wiki.list("10:00", [user("w-2", "other@corp.test"), _lossy(rep)])

    report = sc.run()

    assert report.findings("silent_attribute_loss") == [
        _finding("09:00", ["emails", "name.givenName", DEPARTMENT])
    ]


def test_a_put_replaces_and_loses_nothing(tmp_path: Path) -> None:
    """PUT is a full replace: attributes it leaves out are removed on purpose."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="okta")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.put("09:00", {k: v for k, v in rep.items() if k not in ("title", "emails")})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_changed_values_are_not_lost(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=204)
    changed = {**rep, "title": "lead", "emails": [{"value": "u.f@corp.test", "primary": True}]}
    wiki.get("09:05", {**changed, ENTERPRISE: {"department": "ops", "employeeNumber": "1"}})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_a_partial_representation_is_not_a_loss(tmp_path: Path) -> None:
    """After a 204, a GET asking for a few attributes (`attributes=`) answers only those."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=204)
    partial = {"schemas": rep["schemas"], "id": "w-1", "userName": LOGIN, "active": True}
    wiki.exchange("09:01", "GET", "/Users/w-1?attributes=userName,active", 200, response=partial)
    wiki.patch("09:30", "w-1", TITLE, status=200, response={**rep, "title": "lead"})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_operation_paths_match_attributes_case_insensitively(tmp_path: Path) -> None:
    """SCIM attribute names are case-insensitive (RFC 7643 2.1): `Title` removes `title`."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    answer = {k: v for k, v in rep.items() if k not in ("title", "displayName")}
    wiki.patch(
        "09:00",
        "w-1",
        {"op": "remove", "path": "Title"},
        {"op": "remove", "path": "DISPLAYNAME"},
        status=200,
        response=answer,
    )

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_the_next_patch_answer_judges_only_what_it_did_not_remove(tmp_path: Path) -> None:
    """204 to a title change; the next representation is the answer to a PATCH that removed
    `emails` on purpose. The emails are gone because of that PATCH, not lost by the first."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN))
    wiki.patch("09:00", "w-1", TITLE, status=204)
    answer = {k: v for k, v in rep.items() if k != "emails"}
    wiki.patch(
        "09:10",
        "w-1",
        {"op": "remove", "path": "emails"},
        status=200,
        response={**answer, "title": "lead"},
    )

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []


def test_empty_and_null_values_are_not_attributes_to_lose(tmp_path: Path) -> None:
    """RFC 7643 2.5: null, an empty array and absence are the same (Entra creates `roles: []`)."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", LOGIN, roles=[], nickName=None, phoneNumbers=[]))
    answer = {k: v for k, v in rep.items() if k not in ("roles", "nickName", "phoneNumbers")}
    wiki.patch("09:00", "w-1", TITLE, status=200, response={**answer, "title": "lead"})

    report = sc.run()

    assert report.findings("silent_attribute_loss") == []
