"""A (re)activation in the IdP starts a new cycle (contract section 5): a deprovision is
requested at the earliest removal after the person's last (re)activation, so a person who
was reactivated and not removed again has no deprovision, confirmed or not."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, user

OKTA_ID = "00uR3act1v4t3dQq9z7y"
LOGIN = "omar.haddad@corp.test"
DISABLE = {"op": "replace", "value": {"active": False}}
ENABLE = {"op": "replace", "value": {"active": True}}


def _crm(sc: Scenario) -> None:
    sc.app("crm", idp="okta", fmt="ecs").create("08:00", user("c-3", LOGIN, external_id=OKTA_ID))


def test_reactivated_before_removal(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    _crm(sc)
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    sc.okta("09:30", "user.lifecycle.reactivate", OKTA_ID, LOGIN)

    report = sc.run()

    assert report.deprovisions == []


def test_reactivated_after_a_confirmed_deprovision(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-3", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.suspend", OKTA_ID, LOGIN)
    crm.patch("09:05", "c-3", DISABLE)
    sc.okta("10:00", "user.lifecycle.unsuspend", OKTA_ID, LOGIN)
    crm.patch("10:01", "c-3", ENABLE)

    report = sc.run()

    assert report.deprovisions == []


def test_removed_again_counts_from_the_second_removal(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-3", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:05", "c-3", DISABLE)
    sc.okta("10:00", "user.lifecycle.reactivate", OKTA_ID, LOGIN)
    crm.patch("10:01", "c-3", ENABLE)
    sc.okta("11:00:00.100", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    sc.okta("11:20", "user.lifecycle.suspend", OKTA_ID, LOGIN)  # not the earliest removal
    crm.patch("11:40:00.350", "c-3", DISABLE)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-3", "11:00:00.100", "11:40:00.350")]


def test_google_unsuspend_starts_a_new_cycle(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    chat.create("08:00", user("g-3", LOGIN))
    sc.google("admin", "09:00", "SUSPEND_USER", LOGIN)
    sc.google("admin", "09:10", "UNSUSPEND_USER", LOGIN)
    chat.get("09:20", user("g-3", LOGIN))

    report = sc.run()

    assert report.deprovisions == []


def test_entra_enable_account_starts_a_new_cycle(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    desk = sc.app("desk", idp="entra")
    desk.create("08:00", user("d-3", LOGIN))
    oid = "0d9a7c3e-55aa-4e1f-9b20-7c6d5e4f3a21"
    sc.entra_audit("09:00", "Disable account", oid, LOGIN)
    sc.entra_audit("09:15", "Update user", oid, LOGIN, enabled=(False, True))

    report = sc.run()

    assert report.deprovisions == []
