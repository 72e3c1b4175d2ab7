"""Digital twins (contract sections 5-6, scim-wire A.3.4): a JIT account without externalId,
seen only in a ListResponse import, shares the provisioned account's userName up to case.
Both active: one `digital_twin` finding when both are known; the twin is no deprovision
subject, the provisioned account is."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, iso, user

OKTA_ID = "00uTw1nN0aH1llQ2w3e4"
LOGIN = "noa.hill@corp.test"


def _twins(report_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """userName compares case-insensitively: either spelling names the pair."""
    return [{**row, "user_name": str(row["user_name"]).casefold()} for row in report_rows]


def test_jit_record_in_an_import_is_a_twin(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta", fmt="ecs")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    jit = user("t-013", "Noa.Hill@CORP.test")  # created by a SAML sign-in, no externalId
    tickets.list("10:00:00.420", [jit, provisioned, user("t-5", "x.y@corp.test")])

    report = sc.run()

    assert _twins(report.findings("digital_twin")) == [
        {
            "app": "tickets",
            "sp_ids": ["t-013", "t-200"],
            "user_name": LOGIN,
            "at": iso("10:00:00.420"),
        }
    ]


def test_no_twin_when_the_other_record_is_inactive(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    jit = user("t-013", "NOA.HILL@corp.test", active=False)
    tickets.list("10:00", [jit, provisioned])
    tickets.list("11:00", [provisioned, jit])

    report = sc.run()

    assert report.findings("digital_twin") == []


def test_repeated_imports_keep_one_finding(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    jit = user("t-013", "noa.HILL@corp.test")
    for when in ("10:00", "11:00", "12:00"):
        tickets.list(when, [provisioned, jit])

    report = sc.run()

    assert _twins(report.findings("digital_twin")) == [
        {"app": "tickets", "sp_ids": ["t-013", "t-200"], "user_name": LOGIN, "at": iso("10:00")}
    ]


def test_deprovision_is_about_the_provisioned_account(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta", fmt="ecs_dotted")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    tickets.list("08:30", [user("t-013", LOGIN.upper()), provisioned])
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    tickets.patch("09:10", "t-013", {"op": "replace", "value": {"active": False}})  # the twin
    tickets.patch("09:20", "t-200", {"op": "replace", "value": {"active": False}})

    report = sc.run()

    assert report.deprovisions == [deprovision("tickets", LOGIN, "t-200", "09:00", "09:20")]
    assert len(report.findings("digital_twin")) == 1


def test_jit_record_seen_first_is_a_twin_once_the_provisioned_one_exists(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    tickets.list("07:00", [user("t-013", "Noa.Hill@corp.test")])
    tickets.create("08:00:00.008", user("t-200", LOGIN, external_id=OKTA_ID))

    report = sc.run()

    assert _twins(report.findings("digital_twin")) == [
        {
            "app": "tickets",
            "sp_ids": ["t-013", "t-200"],
            "user_name": LOGIN,
            "at": iso("08:00:00.008"),
        }
    ]


def test_shared_primary_email_is_a_twin(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    jit = user("t-014", "nhill", emails=[{"value": "NOA.hill@corp.test", "primary": True}])
    tickets.list("10:00", [provisioned, jit])

    report = sc.run()

    assert [(f["sp_ids"], f["at"]) for f in report.findings("digital_twin")] == [
        (["t-014", "t-200"], iso("10:00"))
    ]


def test_no_twin_when_the_provisioned_account_was_deactivated_first(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    tickets.patch("09:00", "t-200", {"op": "replace", "value": {"active": False}})
    tickets.list("10:00", [user("t-013", LOGIN.title())])

    report = sc.run()

    assert report.findings("digital_twin") == []


def test_a_twin_deactivated_later_is_still_reported(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    tickets = sc.app("tickets", idp="okta")
    provisioned = tickets.create("08:00", user("t-200", LOGIN, external_id=OKTA_ID))
    jit = user("t-013", LOGIN.upper())
    tickets.list("10:00", [provisioned, jit])
    tickets.put("11:00", {**jit, "active": False})

    report = sc.run()

    assert [(f["sp_ids"], f["at"]) for f in report.findings("digital_twin")] == [
        (["t-013", "t-200"], iso("10:00"))
    ]
