"""Entra deprovisions in both PATCH dialects (scim-wire A.2.1, A.2.6): the legacy capitalised
`Replace` with the string "False", and the `aadOptscim062020` lowercase boolean, whose other
updates arrive as one no-path replace with dotted keys that must not read as a disable."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect.scenario import Format, Scenario, deprovision, user

OID = "3f1c9a52-7d1e-4a8b-9c2f-61d0e4b7a913"  # Entra object id of the leaver
UPN = "kai.lind@corp.test"


@pytest.mark.parametrize("fmt", ["flat", "ecs", "ecs_dotted"])
def test_legacy_replace_false_answered_204_confirms(tmp_path: Path, fmt: Format) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra", fmt=fmt, base="/scim")
    desk.create("08:00:00.120", user("hd-17", UPN, external_id="kai.lind"))
    sc.entra_audit("09:00:00.500", "Disable account", OID, UPN, enabled=(True, False))
    desk.patch("09:31:07.250", "hd-17", {"op": "Replace", "path": "active", "value": "False"})

    report = sc.run()

    assert report.deprovisions == [
        deprovision("helpdesk", UPN, "hd-17", "09:00:00.500", "09:31:07.250")
    ]
    assert report.data["findings"] == []


def test_flagged_lowercase_false_confirms_and_dotted_update_is_no_disable(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra", fmt="ecs_dotted")
    rep = desk.create("08:00", user("hd-21", UPN, external_id="kai.lind"))
    renamed = {
        **rep,
        "displayName": "Kai Lindqvist",
        "name": {"givenName": "Kai", "familyName": "Lindqvist"},
    }
    dotted = {"displayName": "Kai Lindqvist", "name.familyName": "Lindqvist"}
    desk.patch("08:30", "hd-21", {"op": "replace", "value": dotted}, status=200, response=renamed)
    sc.entra_audit("09:00", "Update user", OID, UPN, enabled=(True, False))
    disabled = {**renamed, "active": False}
    desk.patch(
        "09:12:30.004",
        "hd-21",
        {"op": "replace", "path": "active", "value": False},
        status=200,
        response=disabled,
    )

    report = sc.run()

    assert report.deprovisions == [deprovision("helpdesk", UPN, "hd-21", "09:00", "09:12:30.004")]
    assert report.data["findings"] == []


def test_dotted_update_alone_confirms_nothing(tmp_path: Path) -> None:
    """Only the dotted-key profile update follows the disable: the deprovision stays pending."""
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra")
    rep = desk.create("08:00", user("hd-22", UPN))
    sc.entra_audit("09:00", "Disable account", OID, UPN)
    changed = {**rep, "title": "lead"}
    desk.patch(
        "09:05",
        "hd-22",
        {"op": "replace", "value": {"title": "lead"}},
        status=200,
        response=changed,
    )
    desk.get("09:20", changed)

    report = sc.run()

    assert report.deprovisions == [deprovision("helpdesk", UPN, "hd-22", "09:00")]


def test_entra_delete_user_then_delete_request_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra", fmt="ecs")
    desk.create("08:00", user("hd-30", UPN))
    sc.entra_audit("10:00", "Delete user", OID, UPN)
    desk.delete("10:41:00.001", "hd-30")

    report = sc.run()

    assert report.deprovisions == [deprovision("helpdesk", UPN, "hd-30", "10:00", "10:41:00.001")]


def test_linked_by_the_provisioning_log_when_names_differ(tmp_path: Path) -> None:
    """The SP's userName is the mailNickname, not the UPN: only Entra's provisioning record
    (sourceIdentity.id -> targetIdentity.id) links the person to the account."""
    sc = Scenario(tmp_path)
    principal = "9d3b2a10-6c5e-4f7a-8b9c-0d1e2f3a4b5c"
    desk = sc.app("helpdesk", idp="entra", fmt="ecs", entra_service_principal_id=principal)
    desk.create("08:00", user("hd-50", "klind", emails=[{"value": "k@lab.test", "primary": True}]))
    sc.entra_provisioning("08:00:02", "create", OID, UPN, principal=principal, target_id="hd-50")
    sc.entra_audit("09:00", "Disable account", OID, UPN)
    desk.patch("09:20", "hd-50", {"op": "Replace", "path": "active", "value": "False"})

    report = sc.run()

    assert report.deprovisions == [deprovision("helpdesk", "klind", "hd-50", "09:00", "09:20")]


def test_update_user_without_an_enabled_change_is_no_removal(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra")
    desk.create("08:00", user("hd-60", UPN))
    sc.entra_audit("09:00", "Update user", OID, UPN, enabled=(True, True))
    sc.entra_audit("09:01", "Update user", OID, UPN)

    report = sc.run()

    assert report.deprovisions == []


def test_soft_delete_with_the_rewritten_upn_still_links(tmp_path: Path) -> None:
    """`Delete user` logs the UPN already prefixed with the object id (no dashes)."""
    sc = Scenario(tmp_path)
    desk = sc.app("helpdesk", idp="entra")
    desk.create("08:00", user("hd-70", UPN))
    sc.entra_audit("10:00", "Delete user", OID, OID.replace("-", "") + UPN)
    desk.patch("10:20", "hd-70", {"op": "Replace", "path": "active", "value": "False"})

    report = sc.run()

    assert report.deprovisions == [deprovision("helpdesk", UPN, "hd-70", "10:00", "10:20")]
