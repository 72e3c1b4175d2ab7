"""Activity after deprovision (contract section 6): successful actions in the app's activity
log by an account after its deprovision there was confirmed (not merely requested; failed
actions do not count), and Google token use by a person after SUSPEND_USER (`app` null)."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, iso, user

OKTA_ID = "00uAct1v1tyAft3rD3pr"
LOGIN = "zara.quist@corp.test"
DISABLE = {"op": "replace", "value": {"active": False}}


def test_app_activity_after_confirmation(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    crm.activity("08:30", LOGIN)  # before any removal
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.activity("09:05", LOGIN)  # requested, not yet confirmed
    crm.patch("09:10", "c-1", DISABLE)
    crm.activity("09:20:00.020", LOGIN, action="export.csv")
    crm.activity("09:25", LOGIN, status=403)  # refused: not activity
    crm.activity("09:26", LOGIN, status=401)
    crm.activity("09:30", LOGIN.upper(), action="record.read")  # same account, any case
    crm.activity("09:31", "someone.else@corp.test")

    report = sc.run()

    assert report.findings("activity_after_deprovision") == [
        {
            "source": "app_activity",
            "app": "crm",
            "user_name": LOGIN,
            "first_at": iso("09:20:00.020"),
            "count": 2,
        }
    ]


def test_no_activity_finding_while_pending(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:10", "c-1", DISABLE, status=500)
    crm.activity("09:20", LOGIN)

    report = sc.run()

    assert report.findings("activity_after_deprovision") == []


def test_activity_in_an_app_the_person_keeps_is_not_counted(tmp_path: Path) -> None:
    """Unassigned from crm only: the tickets account is still theirs to use."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM")
    tickets = sc.app("tickets", idp="okta", okta_app_id="0oaTIX")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    tickets.create("08:00", user("t-1", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "application.user_membership.remove", OKTA_ID, LOGIN, app_id="0oaCRM")
    crm.patch("09:10", "c-1", DISABLE)
    tickets.activity("09:20", LOGIN)
    crm.activity("09:30", LOGIN)

    report = sc.run()

    assert [(f["app"], f["first_at"]) for f in report.findings("activity_after_deprovision")] == [
        ("crm", iso("09:30"))
    ]


def test_google_token_use_after_suspension(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    chat.create("08:00", user("g-1", LOGIN))
    token = {"client_type": "NATIVE_DESKTOP", "api_name": "gmail"}
    sc.google("token", "08:50", "activity", LOGIN, **token)  # before: fine
    sc.google("admin", "09:00", "SUSPEND_USER", LOGIN)
    sc.google("token", "09:15:00.150", "activity", LOGIN, **token)
    sc.google("token", "09:45", "authorize", LOGIN, **token)
    sc.google("token", "09:46", "activity", "other.person@corp.test", **token)
    sc.google("admin", "10:00", "UNSUSPEND_USER", LOGIN)
    sc.google("token", "10:10", "activity", LOGIN, **token)  # reinstated: fine

    report = sc.run()

    assert report.findings("activity_after_deprovision") == [
        {
            "source": "google_token",
            "app": None,
            "user_name": LOGIN,
            "first_at": iso("09:15:00.150"),
            "count": 2,
        }
    ]


def test_revoke_is_no_token_use(tmp_path: Path) -> None:
    """Revoking the person's tokens after the suspension is the cleanup, not activity."""
    sc = Scenario(tmp_path)
    sc.app("chat", idp="google")
    sc.google("admin", "09:00", "SUSPEND_USER", LOGIN)
    sc.google("token", "09:01", "revoke", LOGIN, client_type="WEB")

    report = sc.run()

    assert report.findings("activity_after_deprovision") == []


def test_okta_sign_in_after_deactivation(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    sc.app("crm", idp="okta")
    sc.okta("08:00", "user.session.start", OKTA_ID, LOGIN)
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    sc.okta("09:30:00.300", "user.session.start", OKTA_ID, LOGIN)
    sc.okta("09:31", "user.session.start", OKTA_ID, LOGIN, result="FAILURE")
    sc.okta("09:40", "user.authentication.sso", OKTA_ID, LOGIN, app_id="0oaCRM")

    report = sc.run()

    found = report.findings("activity_after_deprovision")
    assert [f["source"][:5] for f in found] == ["okta_"]  # the contract leaves the rest open
    assert [{**f, "source": None} for f in found] == [
        {
            "source": None,
            "app": None,
            "user_name": LOGIN,
            "first_at": iso("09:30:00.300"),
            "count": 2,
        }
    ]


def test_activity_stops_counting_after_a_reactivation(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:10", "c-1", DISABLE)
    crm.activity("09:20", LOGIN)
    sc.okta("10:00", "user.lifecycle.reactivate", OKTA_ID, LOGIN)
    crm.patch("10:01", "c-1", {"op": "replace", "value": {"active": True}})
    crm.activity("10:20", LOGIN)

    report = sc.run()

    assert report.findings("activity_after_deprovision") == [
        {
            "source": "app_activity",
            "app": "crm",
            "user_name": LOGIN,
            "first_at": iso("09:20"),
            "count": 1,
        }
    ]


def test_app_without_bodies_confirmed_by_the_idp(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    principal = "77aa66bb-55cc-44dd-83ee-22ff11009988"
    oid, upn = "12345678-90ab-4cde-8f01-23456789abcd", "zara.quist@corp.test"
    ledger = sc.app("ledger", idp="entra", fmt="combined", entra_service_principal_id=principal)
    ledger.exchange("08:00:00", "POST", "/Users", 201)
    sc.entra_provisioning("08:00:01", "create", oid, upn, principal=principal, target_id="L-1")
    sc.entra_audit("09:00", "Disable account", oid, upn)
    sc.entra_provisioning("09:30", "disable", oid, upn, principal=principal, target_id="L-1")
    ledger.activity("09:20", upn)  # before the confirmation
    ledger.activity("09:45", upn)

    report = sc.run()

    assert report.findings("activity_after_deprovision") == [
        {
            "source": "app_activity",
            "app": "ledger",
            "user_name": upn,
            "first_at": iso("09:45"),
            "count": 1,
        }
    ]
