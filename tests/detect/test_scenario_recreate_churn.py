"""Recreate churn (contract section 6): a create of a new SP id carrying the externalId of
another SP id in the same app that was deactivated or deleted within the hour around it, in
either order. Two hours apart is no churn."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, iso, user

EXT = "00uChurnChurn0001abc"
LOGIN = "eva.lund@corp.test"
DISABLE = {"op": "replace", "value": {"active": False}}


def test_deactivate_then_create(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta", fmt="ecs")
    tickets.create("08:00", user("t-old", LOGIN, external_id=EXT))
    tickets.patch("10:00", "t-old", DISABLE)
    tickets.create("10:40:00.400", user("t-new", LOGIN, external_id=EXT))

    report = sc.run()

    assert report.findings("recreate_churn") == [
        {
            "app": "tickets",
            "external_id": EXT,
            "old_sp_id": "t-old",
            "new_sp_id": "t-new",
            "at": iso("10:40:00.400"),
        }
    ]
    assert report.findings("digital_twin") == []


def test_delete_then_create(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    tickets.create("08:00", user("t-old", LOGIN, external_id=EXT))
    tickets.delete("10:00", "t-old")
    tickets.create("10:59", user("t-new", LOGIN, external_id=EXT))

    report = sc.run()

    assert report.findings("recreate_churn") == [
        {
            "app": "tickets",
            "external_id": EXT,
            "old_sp_id": "t-old",
            "new_sp_id": "t-new",
            "at": iso("10:59"),
        }
    ]


def test_create_then_deactivate(tmp_path: Path) -> None:
    """The new id exists first; the old one goes 50 minutes later. (Both were active at once
    with one externalId in between, which is also a digital twin.)"""
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta", fmt="ecs_dotted")
    tickets.create("08:00", user("t-old", LOGIN, external_id=EXT))
    tickets.create("10:00:00.250", user("t-new", LOGIN, external_id=EXT))
    tickets.patch("10:50", "t-old", DISABLE)

    report = sc.run()

    assert report.findings("recreate_churn") == [
        {
            "app": "tickets",
            "external_id": EXT,
            "old_sp_id": "t-old",
            "new_sp_id": "t-new",
            "at": iso("10:00:00.250"),
        }
    ]
    assert [f["sp_ids"] for f in report.findings("digital_twin")] == [["t-new", "t-old"]]


def test_create_then_delete(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    tickets.create("08:00", user("t-old", LOGIN, external_id=EXT))
    tickets.create("10:00", user("t-new", LOGIN, external_id=EXT))
    tickets.delete("10:30", "t-old")

    report = sc.run()

    assert [(f["old_sp_id"], f["new_sp_id"]) for f in report.findings("recreate_churn")] == [
        ("t-old", "t-new")
    ]


def test_no_churn_two_hours_apart(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    tickets.create("08:00", user("a-old", LOGIN, external_id=EXT))
    tickets.patch("09:00", "a-old", DISABLE)
    tickets.create("11:00", user("a-new", LOGIN, external_id=EXT))
    other = "00uChurnChurn0002xyz"
    tickets.create("12:00", user("b-old", "finn.berg@corp.test", external_id=other))
    tickets.create("13:00", user("b-new", "finn.berg@corp.test", external_id=other))
    tickets.delete("15:00", "b-old")

    report = sc.run()

    assert report.findings("recreate_churn") == []


def test_other_external_id_or_other_app_is_no_churn(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    crm = sc.app("crm", idp="okta")
    tickets.create("08:00", user("t-old", LOGIN, external_id=EXT))
    tickets.patch("10:00", "t-old", DISABLE)
    tickets.create("10:10", user("t-new", LOGIN, external_id="00uSomebodyElse00001"))
    crm.create("10:20", user("c-new", LOGIN, external_id=EXT))

    report = sc.run()

    assert report.findings("recreate_churn") == []


def test_external_id_from_the_create_request(tmp_path: Path) -> None:
    """The SP does not echo externalId in its answers: the create requests still carry it."""
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")

    def create(when: str, sp_id: str) -> None:
        answer = user(sp_id, LOGIN)
        sent = {k: v for k, v in answer.items() if k not in ("id", "meta")}
        tickets.exchange(
            when, "POST", "/Users", 201, request={**sent, "externalId": EXT}, response=answer
        )

    create("08:00", "t-old")
    tickets.delete("10:00", "t-old")
    create("10:30", "t-new")

    report = sc.run()

    assert report.findings("recreate_churn") == [
        {
            "app": "tickets",
            "external_id": EXT,
            "old_sp_id": "t-old",
            "new_sp_id": "t-new",
            "at": iso("10:30"),
        }
    ]
