"""attribute_paths, targeted_paths and lost_attributes: the silent-attribute-loss comparison
(contract section 6, scim-wire A.3.1)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from monitor.detect.patch_engine import (
    apply_patch,
    attribute_paths,
    lost_attributes,
    surviving_paths,
    targeted_paths,
)

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:params:scim:schemas:extension:acme:1.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

FULL_USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "id": "50cd144f",
    "userName": "dana.ortiz@example.com",
    "displayName": "Dana Ortiz",
    "name": {"givenName": "Dana", "familyName": "Ortiz", "formatted": "Dana Ortiz"},
    "emails": [{"value": "dana.ortiz@example.com", "type": "work", "primary": True}],
    "title": "accountant",
    ENT: {"department": "sales", "employeeNumber": "10428"},
    "meta": {"resourceType": "User"},
}
GROUP: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "g1",
    "displayName": "Sales",
    "externalId": "sales",
    "members": [{"value": "u1", "display": "U One"}, {"value": "u2"}],
}


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# -- attribute_paths -------------------------------------------------------------------------


def test_patch_attribute_paths_of_a_full_user() -> None:
    assert attribute_paths(FULL_USER) == {
        "userName",
        "displayName",
        "name.givenName",
        "name.familyName",
        "name.formatted",
        "emails",
        "title",
        f"{ENT}:department",
        f"{ENT}:employeeNumber",
    }


def test_patch_attribute_paths_skip_envelope_secrets_and_empty_values() -> None:
    resource: dict[str, object] = {
        "schemas": ["x"],
        "id": "1",
        "meta": {"version": "1"},
        "password": "p",
        "title": "",
        "nickName": None,
        "emails": [],
        "phoneNumbers": [{}],
        "name": {"givenName": "", "familyName": "F"},
        "addresses": [{"type": None}],
        ENT: {},
        "active": False,
    }
    assert attribute_paths(resource) == {"name.familyName", "active"}


def test_patch_attribute_paths_canonical_case_and_custom_names() -> None:
    resource = {
        "USERNAME": "x",
        "Name": {"GIVENNAME": "y"},
        ENT.lower(): {"DEPARTMENT": "d", "manager": {"value": "m", "displayName": "M"}},
        ACME: {"badge": "b"},
        "customFlag": True,
        "urn:ietf:params:scim:schemas:core:2.0:User": {"title": "nested core"},
    }
    assert attribute_paths(resource) == {
        "userName",
        "name.givenName",
        f"{ENT}:department",
        f"{ENT}:manager.value",
        f"{ENT}:manager.displayName",
        f"{ACME}:badge",
        "customFlag",
        "title",
    }


def test_patch_attribute_paths_of_a_non_mapping_is_empty() -> None:
    assert attribute_paths([1, 2]) == set()  # type: ignore[arg-type]


# -- targeted_paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "x"}, {"emails"}),
        ({"op": "remove", "path": 'members[value eq "u1"]'}, {"members"}),
        ({"op": "Remove", "path": "members", "value": [{"value": "u1"}]}, {"members"}),
        ({"op": "add", "path": "members", "value": [{"value": "u3"}]}, {"members"}),
        ({"op": "replace", "path": "name.givenName", "value": "x"}, {"name.givenName"}),
        ({"op": "replace", "path": "NAME.GIVENNAME", "value": "x"}, {"name.givenName"}),
        ({"op": "replace", "path": "name", "value": {"givenName": "x"}}, {"name.givenName"}),
        ({"op": "remove", "path": "name"}, {"name"}),
        ({"op": "remove", "path": "title"}, {"title"}),
        ({"op": "add", "path": f"{ENT}:department", "value": "x"}, {f"{ENT}:department"}),
        ({"op": "Add", "path": f"{ENT}:manager", "value": "m2"}, {f"{ENT}:manager"}),
        (
            {"op": "add", "path": f"{ENT}:manager", "value": {"value": "m"}},
            {f"{ENT}:manager.value"},
        ),
        ({"op": "remove", "path": ENT}, {ENT}),
        ({"op": "replace", "path": f"{ENT}:manager.value", "value": "m"}, {f"{ENT}:manager.value"}),
        (
            {
                "op": "replace",
                "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                "value": "u",
            },
            {"userName"},
        ),
        ({"op": "replace", "value": {"active": False}}, {"active"}),
        ({"op": "replace", "value": {"id": "g1", "displayName": "New"}}, {"displayName"}),
        (
            {
                "op": "replace",
                "value": {
                    "displayName": "D",
                    "name.givenName": "G",
                    f"{ENT}:employeeNumber": "1",
                    ENT: {"department": "d", "manager": "m"},
                    ACME: {"badge": "b"},
                    "schemas": [PATCH_OP],
                },
            },
            {
                "displayName",
                "name.givenName",
                f"{ENT}:employeeNumber",
                f"{ENT}:department",
                f"{ENT}:manager",
                f"{ACME}:badge",
            },
        ),
        ({"op": "merge", "path": "title", "value": "x"}, set()),
    ],
)
def test_patch_targeted_paths(operation: dict[str, Any], expected: set[str]) -> None:
    assert targeted_paths(patch(operation)) == expected


def test_patch_targeted_paths_of_a_non_patch_body_is_empty() -> None:
    assert targeted_paths(None) == set()
    assert targeted_paths({"value": {"title": "x"}}) == set()


# -- lost_attributes -------------------------------------------------------------------------


def test_patch_as_put_wipe_reports_exactly_the_wiped_paths() -> None:
    body = patch({"op": "replace", "path": "displayName", "value": "Dana Vega"})
    after = {"id": "50cd144f", "userName": "dana.ortiz@example.com", "displayName": "Dana Vega"}
    assert lost_attributes(FULL_USER, body, after) == [
        "emails",
        "name.familyName",
        "name.formatted",
        "name.givenName",
        "title",
        f"{ENT}:department",
        f"{ENT}:employeeNumber",
    ]


def test_patch_correct_server_loses_nothing() -> None:
    for body in (
        patch({"op": "replace", "path": "displayName", "value": "Dana Vega"}),
        patch({"op": "Replace", "path": "active", "value": "False"}),
        patch(
            {"op": "replace", "value": {"name.familyName": "Vega", f"{ENT}:employeeNumber": "7"}}
        ),
    ):
        after = apply_patch(FULL_USER, body)
        assert after is not None
        assert lost_attributes(FULL_USER, body, after) == []


def test_patch_removed_attribute_is_not_lost() -> None:
    after = {k: v for k, v in FULL_USER.items() if k != "title"}
    assert lost_attributes(FULL_USER, patch({"op": "remove", "path": "title"}), after) == []


def test_patch_removal_not_asked_for_is_lost() -> None:
    after = {k: v for k, v in FULL_USER.items() if k != "title"}
    body = patch({"op": "remove", "path": "nickName"})
    assert lost_attributes(FULL_USER, body, after) == ["title"]


def test_patch_complex_replace_that_drops_unnamed_sub_attributes_is_loss() -> None:
    """RFC 7644 3.5.2.3: replacing {"name": {"givenName": X}} keeps familyName (scim-wire A.1.4)."""
    body = patch({"op": "replace", "value": {"name": {"givenName": "Amazing"}}})
    after = {**FULL_USER, "name": {"givenName": "Amazing"}}
    assert lost_attributes(FULL_USER, body, after) == ["name.familyName", "name.formatted"]


def test_patch_manager_string_replaces_the_whole_manager() -> None:
    before = copy.deepcopy(FULL_USER)
    before[ENT]["manager"] = {"value": "m1", "displayName": "Old Boss"}
    after = copy.deepcopy(before)
    after[ENT]["manager"] = {"value": "m2"}
    body = patch({"op": "Add", "path": f"{ENT}:manager", "value": "m2"})
    assert lost_attributes(before, body, after) == []


def test_patch_unqualified_extension_name_covers_the_extension_attribute() -> None:
    after = copy.deepcopy(FULL_USER)
    del after[ENT]["department"]
    assert lost_attributes(FULL_USER, patch({"op": "remove", "path": "department"}), after) == []


def test_patch_answer_spelling_case_differently_is_not_loss() -> None:
    after = {("Title" if k == "title" else k): v for k, v in FULL_USER.items() if k != ENT} | {
        ENT.lower(): FULL_USER[ENT]
    }
    body = patch({"op": "replace", "path": "userName", "value": "dana@example.com"})
    assert lost_attributes(FULL_USER, body, after) == []


def test_patch_custom_attribute_wiped_is_reported_in_its_own_spelling() -> None:
    before = {**FULL_USER, ACME: {"badge": "B1"}, "customFlag": True}
    body = patch({"op": "replace", "path": "title", "value": "cfo"})
    after = {**FULL_USER, "title": "cfo"}
    assert lost_attributes(before, body, after) == ["customFlag", f"{ACME}:badge"]


def test_patch_group_member_add_and_remove() -> None:
    add = patch({"op": "Add", "path": "members", "value": [{"$ref": None, "value": "u3"}]})
    remove = patch({"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "u1"}]})
    for body in (add, remove):
        honoured = apply_patch(GROUP, body)
        assert honoured is not None
        assert lost_attributes(GROUP, body, honoured) == []
        members_only = {"id": "g1", "members": honoured["members"]}
        assert lost_attributes(GROUP, body, members_only) == ["displayName", "externalId"]


def test_patch_group_remove_all_members_is_not_loss() -> None:
    after = {k: v for k, v in GROUP.items() if k != "members"}
    assert lost_attributes(GROUP, patch({"op": "remove", "path": "members"}), after) == []


def test_patch_nothing_to_judge_gives_nothing() -> None:
    body = patch({"op": "replace", "path": "title", "value": "x"})
    assert lost_attributes(FULL_USER, body, {}) == []
    assert lost_attributes(FULL_USER, "not a patch", {"id": "50cd144f"}) == []
    assert lost_attributes(FULL_USER, None, {"id": "50cd144f"}) == []


def test_patch_surviving_paths_apply_the_same_coverage_as_lost_attributes() -> None:
    """The 204 path: what the next representation must still show."""
    before = copy.deepcopy(FULL_USER)
    before[ENT]["manager"] = {"value": "m1", "displayName": "Old Boss"}
    manager = patch({"op": "Add", "path": f"{ENT}:manager", "value": "m2"})
    assert f"{ENT}:manager.displayName" not in surviving_paths(before, manager)
    remove_name = patch({"op": "remove", "path": "name"}, {"op": "remove", "path": "department"})
    assert surviving_paths(before, remove_name) == attribute_paths(before) - {
        "name.givenName",
        "name.familyName",
        "name.formatted",
        f"{ENT}:department",
    }
    assert surviving_paths(before, "not a patch") == set()
