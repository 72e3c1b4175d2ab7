"""Every dialect of "set active false" confirms (scim-wire A.2.6): any case of op, path and key,
string booleans, no-path values, several ops in one request. The last value given to `active`
in a request decides; a request that ends with `active` true is no disable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from detect.scenario import Scenario, deprovision, user

OKTA_ID = "00uSh4p3sSh4p3s00001"
LOGIN = "bo.strand@corp.test"

DISABLES: dict[str, list[dict[str, Any]]] = {
    "lowercase string": [{"op": "replace", "path": "active", "value": "false"}],
    "upper-case op and path": [{"op": "REPLACE", "path": "ACTIVE", "value": False}],
    "no-path capitalised key": [{"op": "Replace", "value": {"Active": "False"}}],
    "no-path add": [{"op": "add", "value": {"active": False}}],
    "with other ops": [
        {"op": "replace", "path": "title", "value": "former"},
        {"op": "replace", "value": {"active": False, "displayName": "Bo S"}},
    ],
}


@pytest.mark.parametrize("ops", DISABLES.values(), ids=DISABLES.keys())
def test_disable_dialects_confirm(tmp_path: Path, ops: list[dict[str, Any]]) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch("09:09:09.009", "c-1", *ops)

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-1", "09:00", "09:09:09.009")]


def test_a_request_that_ends_active_is_no_disable(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    crm.create("08:00", user("c-1", LOGIN, external_id=OKTA_ID))
    sc.okta("09:00", "user.lifecycle.deactivate", OKTA_ID, LOGIN)
    crm.patch(
        "09:05",
        "c-1",
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "active", "value": True},
    )

    report = sc.run()

    assert report.deprovisions == [deprovision("crm", LOGIN, "c-1", "09:00")]
