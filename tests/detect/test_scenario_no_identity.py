"""No SP identity, nothing to remove (contract section 5): a removal requests a deprovision only
in the apps where the person has a known account, even when the IdP assigned the app."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, user

OKTA_ID = "00uN01d3nt1tyAb3c4d5"
LOGIN = "pia.sorensen@corp.test"


def test_only_the_app_with_an_account(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM")
    tickets = sc.app("tickets", idp="okta", fmt="ecs", okta_app_id="0oaTIX")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    tickets.create("08:00", user("t-1", "someone.else@corp.test", external_id="00uOtherPerson0001"))
    for ref in ("0oaCRM", "0oaTIX"):  # assigned to both; only crm has the account
        sc.okta("07:59", "application.user_membership.add", OKTA_ID, LOGIN, app_id=ref)
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-1", "09:00")]


def test_no_account_anywhere(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    chat.create("08:00", user("g-1", "colleague@corp.test"))
    sc.google("admin", "09:00", "DELETE_USER", LOGIN)
    desk = sc.app("desk", idp="entra")
    desk.create("08:00", user("d-1", "colleague@corp.test"))
    sc.entra_audit("09:00", "Disable account", "4e2c1b0a-9988-4d77-a665-54433322110f", LOGIN)

    report = sc.run()

    assert report.deprovisions == []


def test_apps_of_another_idp_are_not_touched(tmp_path: Path) -> None:
    """An Okta deactivation says nothing about the person's account in an Entra-provisioned app."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    desk = sc.app("desk", idp="entra")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    desk.create("08:00", user("d-1", LOGIN))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:10", "c-1", {"op": "replace", "value": {"active": False}})

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-1", "09:00", "09:10")]
