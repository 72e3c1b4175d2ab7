"""Vendor quirks rejected (contract section 6, scim-wire A.3.3): 4xx answers to requests that
carry an IdP-specific shape, counted in one finding per app. The same shapes answered 2xx,
plain requests answered 4xx, and quirky ones answered 5xx are not counted."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import ENTERPRISE, Scenario, user

BAD = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    "status": "400",
    "scimType": "invalidPath",
    "detail": "rejected",
}
LEGACY_DISABLE = {"op": "Replace", "path": "active", "value": "False"}
FILTERED_EMAIL = {"op": "add", "path": 'emails[type eq "work"].value', "value": "a@corp.test"}
MANAGER = {"op": "add", "path": f"{ENTERPRISE}:manager", "value": "w-9"}
DOTTED = {"op": "replace", "value": {"name.givenName": "Al", "displayName": "Al B"}}
PLAIN = {"op": "replace", "path": "title", "value": "lead"}


def test_counted_per_app_for_4xx_only(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra", fmt="ecs")
    crm = sc.app("crm", idp="okta")
    wiki.create("08:00", user("w-1", "al.berg@corp.test"))
    crm.create("08:00", user("c-1", "al.berg@corp.test", external_id="00uQu1rkQu1rk0000001"))
    # wiki (Entra legacy): five rejected quirky requests
    wiki.patch("09:00", "w-1", LEGACY_DISABLE, status=400, response=BAD)
    wiki.patch("09:01", "w-1", FILTERED_EMAIL, status=400, response=BAD)
    wiki.patch("09:02", "w-1", MANAGER, status=400, response=BAD)
    wiki.patch("09:03", "w-1", DOTTED, status=400, response=BAD)
    remove_with_value = {"op": "Remove", "path": "members", "value": [{"value": "w-1"}]}
    wiki.patch("09:04", "g-1", remove_with_value, status=400, response=BAD, endpoint="Groups")
    # ... and what is not counted
    wiki.patch("09:10", "w-1", LEGACY_DISABLE, status=204)
    wiki.patch("09:11", "w-1", FILTERED_EMAIL, status=204)
    wiki.patch("09:12", "g-1", remove_with_value, endpoint="Groups")
    wiki.patch("09:13", "w-1", PLAIN, status=400, response=BAD)
    wiki.patch("09:14", "w-1", MANAGER, status=500)
    # crm (Okta): a value-filtered member removal, rejected twice
    okta_remove = {"op": "remove", "path": 'members[value eq "c-1"]'}
    crm.patch("09:20", "g-1", okta_remove, status=400, response=BAD, endpoint="Groups")
    crm.patch("09:21", "g-1", okta_remove, status=422, response=BAD, endpoint="Groups")
    crm.patch("09:22", "g-1", okta_remove, endpoint="Groups")

    report = sc.run()

    assert report.findings("vendor_quirk_rejected") == [
        {"app": "crm", "idp": "okta", "count": 2},
        {"app": "wiki", "idp": "entra", "count": 5},
    ]


def test_the_finding_names_the_quirk(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta")
    okta_remove = {"op": "remove", "path": 'members[value eq "c-1"]'}
    crm.patch("09:20", "g-1", okta_remove, status=400, response=BAD, endpoint="Groups")

    report = sc.run()

    assert [f["quirk"] for f in report.raw_findings("vendor_quirk_rejected")] == [
        "value_filter_path"
    ]


def test_accepted_quirks_raise_nothing(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    wiki = sc.app("wiki", idp="entra")
    rep = wiki.create("08:00", user("w-1", "al.berg@corp.test"))
    wiki.patch("09:00", "w-1", LEGACY_DISABLE, status=200, response={**rep, "active": False})
    wiki.patch("09:01", "w-1", DOTTED, MANAGER, status=204)

    report = sc.run()

    assert report.findings("vendor_quirk_rejected") == []
