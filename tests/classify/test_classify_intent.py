"""Lifecycle, group membership and quirks, per dialect shape (scim-wire A.2.6, A.3.3)."""

from __future__ import annotations

import orjson
import pytest

from monitor.classify import classify
from monitor.classify.shapes import is_dotted_key
from monitor.events import Idp, Lifecycle, Quirk, ScimEvent, ScimRequest

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def patch(*ops: object) -> dict[str, object]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(ops)}


def run(method: str, path: str, body: object = None, status: int = 204) -> ScimEvent:
    req = ScimRequest(ts=0.0, method=method, path=path, status=status, request_body=body)
    return classify(req, app="app", idp=Idp.OKTA)


def user_patch(*ops: object) -> ScimEvent:
    return run("PATCH", "/scim/v2/Users/u1", patch(*ops))


def group_patch(*ops: object) -> ScimEvent:
    return run("PATCH", "/scim/v2/Groups/g1", patch(*ops))


@pytest.mark.parametrize("value", [False, "false", "False", "FALSE"])
@pytest.mark.parametrize("op", ["replace", "Replace", "REPLACE", "add"])
@pytest.mark.parametrize(
    "path", ["active", "Active", "urn:ietf:params:scim:schemas:core:2.0:User:active"]
)
def test_disable_by_path_in_every_spelling(value: object, op: str, path: str) -> None:
    assert user_patch({"op": op, "path": path, "value": value}).lifecycle == Lifecycle.DISABLE


@pytest.mark.parametrize("key", ["active", "ACTIVE"])
@pytest.mark.parametrize("op", ["replace", "add", "Replace"])
def test_disable_by_no_path_value(key: str, op: str) -> None:
    assert user_patch({"op": op, "value": {key: False}}).lifecycle == Lifecycle.DISABLE


@pytest.mark.parametrize("value", [True, "true", "True"])
def test_activate(value: object) -> None:
    assert (
        user_patch({"op": "replace", "path": "active", "value": value}).lifecycle
        == Lifecycle.ACTIVATE
    )
    assert user_patch({"op": "replace", "value": {"active": value}}).lifecycle == Lifecycle.ACTIVATE


def test_last_valid_active_wins_and_invalid_values_are_ignored() -> None:
    ops = [
        {"op": "replace", "path": "active", "value": True},
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "active", "value": "maybe"},
        {"op": "replace", "path": "active", "value": 0},
    ]
    assert user_patch(*ops).lifecycle == Lifecycle.DISABLE
    assert user_patch({"op": "replace", "path": "active", "value": "no"}).lifecycle is None
    assert user_patch({"op": "remove", "path": "active"}).lifecycle is None


def test_put_active_false_disables_but_active_true_is_a_profile_update() -> None:
    assert (
        run("PUT", "/Users/u1", {"userName": "a", "active": False}).lifecycle == Lifecycle.DISABLE
    )
    assert (
        run("PUT", "/Users/u1", {"userName": "a", "active": "False"}).lifecycle == Lifecycle.DISABLE
    )
    assert run("PUT", "/Users/u1", {"userName": "a", "active": True}).lifecycle is None
    assert run("PUT", "/Users/u1", {"userName": "a"}).lifecycle is None


def test_delete_only_for_a_user_id() -> None:
    assert run("DELETE", "/scim/v2/Users/u1").lifecycle == Lifecycle.DELETE
    assert run("DELETE", "/scim/v2/Groups/g1").lifecycle is None
    assert run("DELETE", "/scim/v2/Users").lifecycle is None


def test_only_users_get_a_lifecycle() -> None:
    assert group_patch({"op": "replace", "path": "active", "value": False}).lifecycle is None
    assert run("PUT", "/Groups/g1", {"active": False}).lifecycle is None
    assert run("POST", "/Users", {"active": False}, status=201).lifecycle is None
    assert (
        run("PATCH", "/Me", patch({"op": "replace", "value": {"active": False}})).lifecycle is None
    )


def test_membership_add_remove_by_filter_and_legacy_remove() -> None:
    event = group_patch(
        {"op": "add", "path": "members", "value": [{"value": "a", "display": "A"}, {"value": "b"}]},
        {"op": "remove", "path": 'members[value eq "c"]'},
        {"op": "remove", "path": 'members[value eq "d" or value eq "e"]'},
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "f"}]},
    )
    assert (
        event.members_added,
        event.members_removed,
        event.members_replaced,
    ) == (("a", "b"), ("c", "d", "e", "f"), None)


def test_membership_full_replace_by_path_no_path_and_put() -> None:
    full = [{"value": "a"}, {"value": "b"}, {"value": "a"}]
    assert group_patch({"op": "replace", "path": "members", "value": full}).members_replaced == (
        "a",
        "b",
    )
    assert group_patch({"op": "replace", "value": {"members": full}}).members_replaced == ("a", "b")
    assert group_patch({"op": "add", "value": {"members": full[:1]}}).members_added == ("a",)
    assert run("PUT", "/Groups/g1", {"displayName": "G", "members": full}).members_replaced == (
        "a",
        "b",
    )
    assert run("PUT", "/Groups/g1", {"displayName": "G"}).members_replaced is None


def test_remove_members_without_value_clears_the_list_and_later_ops_apply_to_it() -> None:
    assert group_patch({"op": "remove", "path": "members"}).members_replaced == ()
    event = group_patch(
        {"op": "add", "path": "members", "value": [{"value": "x"}]},
        {"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "add", "path": "members", "value": [{"value": "c"}]},
        {"op": "remove", "path": 'members[value eq "a"]'},
    )
    assert (
        event.members_added,
        event.members_removed,
        event.members_replaced,
    ) == ((), (), ("b", "c"))


def test_bare_member_ids_and_a_single_member_object_are_read() -> None:
    event = group_patch({"op": "add", "path": "members", "value": ["a", {"value": "b"}]})
    assert event.members_added == ("a", "b")
    assert group_patch({"op": "add", "path": "members", "value": {"value": "c"}}).members_added == (
        "c",
    )


def test_member_sub_attribute_paths_and_user_members_are_not_membership() -> None:
    event = group_patch({"op": "remove", "path": 'members[value eq "a"].display'})
    assert event.members_removed == ()
    event = user_patch({"op": "add", "path": "members", "value": [{"value": "a"}]})
    assert (event.members_added, event.members_replaced) == ((), None)


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "Add", "path": "nickName", "value": "B"}], {Quirk.CAPITALIZED_OP}),
        ([{"op": "replace", "path": "active", "value": "false"}], {Quirk.STRING_BOOLEAN}),
        ([{"op": "replace", "value": {"Active": "TRUE"}}], {Quirk.STRING_BOOLEAN}),
        (
            [{"op": "replace", "path": 'emails[type eq "work"].primary', "value": "True"}],
            {Quirk.VALUE_FILTER_PATH, Quirk.STRING_BOOLEAN},
        ),
        (
            [{"op": "remove", "path": "emails", "value": [{"value": "x"}]}],
            {Quirk.REMOVE_WITH_VALUE},
        ),
        ([{"op": "add", "path": ENT + ":manager", "value": "m1"}], {Quirk.MANAGER_STRING}),
        ([{"op": "add", "path": ENT + ":manager", "value": {"value": "m1"}}], set()),
        ([{"op": "replace", "value": {ENT: {"manager": "m1"}}}], {Quirk.MANAGER_STRING}),
        ([{"op": "replace", "value": {ENT + ":manager": "m1"}}], {Quirk.MANAGER_STRING}),
        ([{"op": "replace", "value": {"name.familyName": "J"}}], {Quirk.DOTTED_KEY_NO_PATH}),
        ([{"op": "replace", "value": {ENT + ":employeeNumber": "7"}}], set()),
        ([{"op": "replace", "value": {ENT: {"employeeNumber": "7"}}}], set()),
        (
            [{"op": "replace", "value": {"id": "g", "displayName": "G"}}],
            {Quirk.READONLY_ID_IN_VALUE},
        ),
        ([{"op": "replace", "path": "name.familyName", "value": "J"}], set()),
        ([{"op": "replace", "value": {"active": False}}], set()),
    ],
)
def test_quirks(ops: list[object], expected: set[Quirk]) -> None:
    assert frozenset(expected) == user_patch(*ops).quirks


def test_quirks_in_resource_bodies_and_whatever_the_status() -> None:
    adscim = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", adscim], "displayName": "G"}
    assert {Quirk.ADSCIM_GROUP_SCHEMA} == run("POST", "/Groups", body, status=400).quirks
    user = {"userName": "a", "active": "True", ENT: {"manager": "m1"}}
    assert {Quirk.STRING_BOOLEAN, Quirk.MANAGER_STRING} == run("POST", "/Users", user, 201).quirks
    assert {Quirk.CAPITALIZED_OP} == run("PATCH", "/Users/u", patch({"op": "Add"}), 500).quirks


@pytest.mark.parametrize(
    ("key", "dotted"),
    [
        ("name.familyName", True),
        ("displayName", False),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", False),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", False),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", True),
        ("URN:IETF:params:scim:schemas:core:2.0:User:name.givenName", True),
        ("urn:acme:scim:schemas:1.0", False),
        ("urn:acme:scim:schemas:v2.1", False),
        ("urn:acme.example:scim:User:title", False),
        ("urn:acme:User:value.x", True),
        ('emails[type eq "work"].value', True),
    ],
)
def test_dotted_keys_ignore_urn_versions(key: str, dotted: bool) -> None:
    assert dotted == is_dotted_key(key)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "{not json",
        "[1, 2]",
        "null",
        b'{"Operations": 5}',
        42,
        [],
        ["Operations"],
        {},
        {"Operations": None},
        {"Operations": "replace"},
        {"Operations": {"op": "replace", "path": "active", "value": False}},
        {"Operations": [None, 1, "x", [], {"op": None}, {"op": 5, "path": "active"}]},
        {"Operations": [{"op": "replace", "value": "not a dict"}]},
        {"Operations": [{"op": "replace", "value": ["active", False]}]},
        {"Operations": [{"op": "replace", "path": 7, "value": {"active": False}}]},
        {"Operations": [{"op": "add", "path": "members", "value": {"display": "no id"}}]},
        {"Operations": [{"op": "add", "path": "members", "value": [1, None, {"value": 2}]}]},
    ],
)
def test_malformed_bodies_read_as_nothing(body: object) -> None:
    for path in ("/Users/u1", "/Groups/g1"):
        event = run("PATCH", path, body)
        assert event.lifecycle is None
        assert event.members_added == ()
        assert event.members_replaced is None


def test_body_as_json_text_is_decoded_once_and_kept() -> None:
    text = orjson.dumps(patch({"op": "Replace", "path": "active", "value": "False"})).decode()
    req = ScimRequest(ts=0.0, method="PATCH", path="/Users/u1", status=204, request_body=text)
    event = classify(req, app="app", idp=None)
    assert event.lifecycle == Lifecycle.DISABLE
    assert event.request is req
    assert isinstance(req.request_body, dict)


def test_lowercase_operations_key_is_accepted() -> None:
    body = {"operations": [{"op": "replace", "path": "active", "value": False}]}
    assert run("PATCH", "/Users/u1", body).lifecycle == Lifecycle.DISABLE
