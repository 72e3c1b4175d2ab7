"""Order within one batch: the IdP removes a person, and only later in the same stretch of
records does the SCIM log show the person's account for the first time (an import, a lookup).

A batch reads up front which of its new accounts' ids and keys name a removal
(`monitor.detect.no_removals`); a removal recorded by the batch itself, after that read, must
still reach an account appearing after it. Replay handles the whole story as one batch."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, user

OKTA_ID = "00u9zz2LbX5mNw0hZ4q1"
LOGIN = "noor.haddad@corp.test"


def test_an_account_listed_after_the_removal_is_requested_and_confirmed(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM01")
    crm.create("08:00", user("c-1", "other.person@corp.test", external_id="00uOTHER"))
    sc.okta("08:30", "user.lifecycle.create", OKTA_ID, LOGIN)
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    rep = user("c-77", LOGIN, external_id=OKTA_ID)
    crm.list("09:30", [rep])  # first sight of the account, after the removal
    crm.patch("09:40", "c-77", {"op": "replace", "value": {"active": False}})

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-77", "09:00", "09:40")]


def test_an_account_looked_up_by_name_after_the_removal_is_requested(tmp_path: Path) -> None:
    """No externalId on the account (a JIT record): its userName names the person."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", okta_app_id="0oaCRM01")
    crm.create("08:00", user("c-1", "other.person@corp.test", external_id="00uOTHER"))
    sc.okta("09:00", "user.lifecycle.suspend", OKTA_ID, LOGIN)
    crm.get("09:20", user("c-78", LOGIN))

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-78", "09:00")]
