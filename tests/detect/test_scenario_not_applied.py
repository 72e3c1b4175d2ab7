"""A disable the SP accepted but did not apply (scim-wire A.3.2): a 2xx answer that still shows
`active: true`, or a 204 whose next representation does, is not a confirmation; the
deprovision stays pending and `deprovision_not_applied` is raised at the PATCH."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, iso, user

OKTA_ID = "00uN0tApp1i3d5Xq2w8e"
LOGIN = "ruth.meyer@corp.test"
DISABLE = {"op": "replace", "value": {"active": False}}


def test_200_answer_still_active(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs")
    rep = crm.create("08:00", user("c-88", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01:02.303", "c-88", DISABLE, status=200, response=rep)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-88", "09:00")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "crm", "sp_id": "c-88", "at": iso("09:01:02.303")}
    ]


def test_204_then_get_still_active(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="flat")
    rep = crm.create("08:00", user("c-89", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01:02.303", "c-89", DISABLE, status=204)
    crm.get("09:30", rep)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-89", "09:00")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "crm", "sp_id": "c-89", "at": iso("09:01:02.303")}
    ]


def test_204_then_list_page_still_active(tmp_path: Path) -> None:
    """The next representation may come from an import page rather than a GET."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs_dotted")
    rep = crm.create("08:00", user("c-90", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01", "c-90", DISABLE, status=204)
    crm.list("09:40", [user("c-7", "someone@corp.test"), rep])

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-90", "09:00")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "crm", "sp_id": "c-90", "at": iso("09:01")}
    ]


def test_204_then_get_inactive_confirms_at_the_patch(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    rep = crm.create("08:00", user("c-91", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01:02.303", "c-91", DISABLE, status=204)
    crm.get("09:30", {**rep, "active": False})

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-91", "09:00", "09:01:02.303")]
    assert report.findings("deprovision_not_applied") == []


def test_a_later_applied_disable_confirms_and_the_finding_stays(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    rep = crm.create("08:00", user("c-92", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01", "c-92", DISABLE, status=200, response=rep)
    crm.put("09:45:00.010", {**rep, "active": False})

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-92", "09:00", "09:45:00.010")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "crm", "sp_id": "c-92", "at": iso("09:01")}
    ]


def test_put_answer_still_active(tmp_path: Path) -> None:
    """Okta AIW: the PUT with `active` false is answered 200 with the account still active."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="okta", fmt="ecs")
    rep = wiki.create("08:00", user("w-3", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    wiki.put("09:02:00.200", {**rep, "active": False}, response=rep)

    report = sc.run()

    assert report.deprovisions == [deprovision("wiki", LOGIN, "w-3", "09:00")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "wiki", "sp_id": "w-3", "at": iso("09:02:00.200")}
    ]


def test_delete_then_get_still_active(tmp_path: Path) -> None:
    """A DELETE answered 204, yet the next representation shows the account active."""
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    rep = chat.create("08:00", user("g-4", LOGIN))
    sc.google("admin", "09:00", "DELETE_USER", LOGIN)
    chat.delete("09:03", "g-4")
    chat.get("09:30", rep)

    report = sc.run()

    assert report.deprovisions == [deprovision("chat", LOGIN, "g-4", "09:00")]
    assert report.findings("deprovision_not_applied") == [
        {"app": "chat", "sp_id": "g-4", "at": iso("09:03")}
    ]


def test_a_deliberate_re_enable_is_no_evidence_against_the_disable(tmp_path: Path) -> None:
    """204 disable; the IdP reactivates the person and the SP answers the enabling PATCH with
    `active: true`. That answer follows a change, it does not show the disable "still" unapplied."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    rep = crm.create("08:00", user("c-93", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:01", "c-93", DISABLE, status=204)
    sc.okta("10:00", "user.lifecycle.reactivate", OKTA_ID, LOGIN)
    crm.patch(
        "10:01", "c-93", {"op": "replace", "value": {"active": True}}, status=200, response=rep
    )

    report = sc.run()

    assert report.deprovisions == []
    assert report.findings("deprovision_not_applied") == []
