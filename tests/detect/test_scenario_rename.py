"""Renamed users still link by externalId (contract section 5): after the SP's userName changed
(by PUT or PATCH), the IdP's removal, which may still name the old login, finds the renamed
account through its externalId, not the account that took the old name over."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect.scenario import Format, Scenario, deprovision, user

OKTA_ID = "00uR3nam3dUs3rX1y2z3"
OLD = "jo.nakamura@corp.test"
NEW = "jo.nakamura-ellis@corp.test"
DISABLE = {"op": "replace", "value": {"active": False}}


@pytest.mark.parametrize(("how", "fmt"), [("put", "flat"), ("patch", "ecs"), ("patch", "flat")])
def test_rename_then_removal(tmp_path: Path, how: str, fmt: Format) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt=fmt)
    rep = crm.create("08:00", user("c-10", OLD, external_id=OKTA_ID))
    renamed = {**rep, "userName": NEW, "emails": [{"value": NEW, "primary": True}]}
    if how == "put":
        crm.put("09:00", renamed)
    else:
        crm.patch(
            "09:00",
            "c-10",
            {"op": "replace", "path": "userName", "value": NEW},
            {"op": "replace", "path": "emails", "value": renamed["emails"]},
            status=200,
            response=renamed,
        )
    # another person's account takes the old userName over
    crm.create("09:30", user("c-11", OLD, external_id="00uSomeoneElse000001"))
    sc.okta("10:00", "user.lifecycle.deactivate", OKTA_ID, OLD)
    crm.patch("10:10:10.010", "c-10", DISABLE)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", NEW, "c-10", "10:00", "10:10:10.010")]


def test_removal_of_the_other_person_is_not_confused(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    rep = crm.create("08:00", user("c-10", OLD, external_id=OKTA_ID))
    crm.put("09:00", {**rep, "userName": NEW})
    crm.create("09:30", user("c-11", OLD, external_id="00uSomeoneElse000001"))
    sc.okta("10:00", "user.lifecycle.deactivate", "00uSomeoneElse000001", OLD)
    crm.patch("10:05", "c-10", {"op": "replace", "path": "title", "value": "x"})
    crm.patch("10:06", "c-11", DISABLE)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", OLD, "c-11", "10:00", "10:06")]
