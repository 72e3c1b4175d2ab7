"""Okta deprovisions (scim-wire A.2.2, A.2.6): OIN apps get a no-path `replace` of
`{"active": false}`, AIW apps a PUT of the whole user with `active` false. A lifecycle event
removes the person from all their Okta apps; an unassignment from that one app only."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, user

OKTA_ID = "00u7rq2LbX5mNw0hZ4d8"
LOGIN = "mira.okafor@corp.test"


def test_oin_no_path_replace_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs", okta_app_id="0oaCRM01")
    rep = crm.create("08:00", user("c-501", LOGIN, external_id=OKTA_ID))
    sc.okta("08:00:02", "application.user_membership.add", OKTA_ID, LOGIN, app_id="0oaCRM01")
    sc.okta("11:00:00.250", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch(
        "11:00:41.900",
        "c-501",
        {"op": "replace", "value": {"active": False}},
        status=200,
        response={**rep, "active": False},
    )

    report = sc.run()

    assert report.deprovisions == [
        deprovision("crm", LOGIN, "c-501", "11:00:00.250", "11:00:41.900")
    ]


def test_aiw_put_active_false_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="okta", fmt="flat", base="/api/scim/v2")
    rep = wiki.create("08:00", user("w-9", LOGIN, external_id=OKTA_ID))
    sc.okta("12:00", "user.lifecycle.suspend", OKTA_ID, LOGIN)
    wiki.put("12:03:10.010", {**rep, "active": False})

    report = sc.run()

    assert report.deprovisions == [deprovision("wiki", LOGIN, "w-9", "12:00", "12:03:10.010")]


def test_aiw_put_that_keeps_active_true_is_no_disable(tmp_path: Path) -> None:
    """A profile PUT after the request (still active) confirms nothing."""
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="okta")
    rep = wiki.create("08:00", user("w-10", LOGIN, external_id=OKTA_ID))
    sc.okta("12:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    wiki.put("12:01", {**rep, "title": "director"})

    report = sc.run()

    assert report.deprovisions == [deprovision("wiki", LOGIN, "w-10", "12:00")]


def test_unassignment_removes_from_that_app_only(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM01")
    tickets = sc.app("tickets", idp="okta", okta_app_id="0oaTIX02")
    for app, sp_id, ref in ((crm, "c-1", "0oaCRM01"), (tickets, "t-1", "0oaTIX02")):
        app.create("08:00", user(sp_id, LOGIN, external_id=OKTA_ID))
        sc.okta("08:00:01", "application.user_membership.add", OKTA_ID, LOGIN, app_id=ref)
    sc.okta("13:00", "application.user_membership.remove", OKTA_ID, LOGIN, app_id="0oaTIX02")
    tickets.patch("13:02", "t-1", {"op": "replace", "value": {"active": False}})
    crm.patch("13:03", "c-1", {"op": "replace", "path": "title", "value": "lead"})

    report = sc.run()

    assert report.deprovisions == [deprovision("tickets", LOGIN, "t-1", "13:00", "13:02")]


def test_failed_deactivate_requests_nothing(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-2", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN, result="FAILURE")

    report = sc.run()

    assert report.deprovisions == []


def test_unassignment_then_deactivation(tmp_path: Path) -> None:
    """The earliest removal per app: the unassignment for tickets, the deactivation for crm."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM01")
    tickets = sc.app("tickets", idp="okta", fmt="ecs", okta_app_id="0oaTIX02")
    for app, sp_id, ref in ((crm, "c-1", "0oaCRM01"), (tickets, "t-1", "0oaTIX02")):
        app.create("08:00", user(sp_id, LOGIN, external_id=OKTA_ID))
        sc.okta("08:00:01", "application.user_membership.add", OKTA_ID, LOGIN, app_id=ref)
    sc.okta("13:00", "application.user_membership.remove", OKTA_ID, LOGIN, app_id="0oaTIX02")
    sc.okta("14:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    tickets.patch("14:10", "t-1", {"op": "replace", "value": {"active": False}})
    crm.patch("14:20", "c-1", {"op": "replace", "value": {"active": False}})

    report = sc.run()

    assert report.deprovisions == [
        deprovision("crm", LOGIN, "c-1", "14:00", "14:20"),
        deprovision("tickets", LOGIN, "t-1", "13:00", "14:10", overdue=True),
    ]
