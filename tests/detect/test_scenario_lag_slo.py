"""Lag and overdue against each app's SLO (contract section 5): a confirmed deprovision is
overdue when its lag exceeds the SLO; a pending one when `now` (the latest timestamp in any
input) minus the request does."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, iso, user

DISABLE = {"op": "replace", "value": {"active": False}}


def _people(count: int) -> list[tuple[str, str]]:
    return [(f"00uP{i:04d}", f"p{i}.case@corp.test") for i in range(count)]


def test_per_app_slo_decides_overdue(tmp_path: Path) -> None:
    """The same 15-minute lag is overdue where the SLO is 10 minutes, not under the global hour;
    a lag exactly at the SLO is not overdue (it must exceed it)."""
    sc = Scenario(tmp_path, slo=3600)
    strict = sc.app("strict", idp="okta", slo=600)
    relaxed = sc.app("relaxed", idp="okta", fmt="ecs")
    (a_id, a), (b_id, b), (c_id, c) = _people(3)
    strict.create("08:00", user("s-a", a, external_id=a_id))
    strict.create("08:00", user("s-c", c, external_id=c_id))
    relaxed.create("08:00", user("r-b", b, external_id=b_id))
    sc.okta("10:00:00.000", "user.lifecycle.deactivate", a_id, a)
    sc.okta("10:00:00.000", "user.lifecycle.deactivate", b_id, b)
    sc.okta("10:00:00.000", "user.lifecycle.deactivate", c_id, c)
    strict.patch("10:15:00.001", "s-a", DISABLE)
    relaxed.patch("10:15:00.001", "r-b", DISABLE)
    strict.patch("10:10:00.000", "s-c", DISABLE)

    report = sc.run()

    assert report.deprovisions == [
        deprovision("relaxed", b, "r-b", "10:00", "10:15:00.001", overdue=False),
        deprovision("strict", a, "s-a", "10:00", "10:15:00.001", overdue=True),
        deprovision("strict", c, "s-c", "10:00", "10:10:00.000", overdue=False),
    ]


def test_global_slo_applies_without_an_app_override(tmp_path: Path) -> None:
    sc = Scenario(tmp_path, slo=300)
    crm = sc.app("crm", idp="okta")
    (p_id, p), *_ = _people(1)
    crm.create("08:00", user("c-1", p, external_id=p_id))
    sc.okta("10:00", "user.lifecycle.deactivate", p_id, p)
    crm.patch("10:05:00.500", "c-1", DISABLE)

    report = sc.run()

    assert report.deprovisions == [
        deprovision("crm", p, "c-1", "10:00", "10:05:00.500", overdue=True)
    ]


def test_pending_is_overdue_by_now(tmp_path: Path) -> None:
    """Never confirmed: overdue once `now` is past the SLO. Here `now` comes from an activity
    line of another app, the latest timestamp in any input."""
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", slo=1800)
    hr = sc.app("hr", idp="okta", fmt="ecs_dotted", slo=7200)
    (a_id, a), (b_id, b) = _people(2)
    crm.create("08:00", user("c-1", a, external_id=a_id))
    hr.create("08:00", user("h-1", b, external_id=b_id))
    sc.okta("10:00", "user.lifecycle.deactivate", a_id, a)
    sc.okta("10:00", "user.lifecycle.deactivate", b_id, b)
    hr.activity("11:00:00.750", "someone.else@corp.test")

    report = sc.run()

    assert report.now == iso("11:00:00.750")
    assert report.deprovisions == [
        deprovision("crm", a, "c-1", "10:00", overdue=True),
        deprovision("hr", b, "h-1", "10:00", overdue=False),
    ]


def test_now_comes_from_idp_records_too(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", slo=600)
    (a_id, a), (b_id, b) = _people(2)
    crm.create("08:00", user("c-1", a, external_id=a_id))
    sc.okta("10:00", "user.lifecycle.deactivate", a_id, a)
    sc.okta("10:10:00.002", "user.lifecycle.create", b_id, b)  # newest input of all

    report = sc.run()

    assert report.now == iso("10:10:00.002")
    assert report.deprovisions == [deprovision("crm", a, "c-1", "10:00", overdue=True)]
