"""apply_patch over every RFC 7644 section 3.5.2 shape and every IdP dialect of scim-wire A.2.

Each case runs twice: through `apply_patch` (scim2-models, with the dict engine for what it
refuses) and through the dict engine alone, with the same expectations, so the fallback is held
to the reference wherever both can answer. Bodies quoted from the reference are kept verbatim.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import pytest

from monitor.detect._patch_dict import apply_operations
from monitor.detect._patch_ops import plain, read_operations
from monitor.detect._patch_paths import known_urns
from monitor.detect.patch_engine import apply_patch

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:params:scim:schemas:extension:acme:1.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ABSENT = object()

USER: dict[str, Any] = {
    "schemas": [CORE_USER, ENT],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "bjensen",
    "userName": "bjensen@example.com",
    "name": {
        "formatted": "Ms. Barbara J Jensen III",
        "familyName": "Jensen",
        "givenName": "Barbara",
    },
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "title": "Tour Guide",
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "LA"}],
    ENT: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"},
    },
    "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "version": 'W/"a330bc"'},
}
GROUP: dict[str, Any] = {
    "schemas": [CORE_GROUP],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "displayName": "Tour Guides",
    "members": [
        {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
        {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"},
    ],
}
BABS, MANDY = (m["value"] for m in GROUP["members"])
NEW_ID = "08e1d05d-121c-4561-8b96-473d93df9210"


def user(**changes: object) -> dict[str, Any]:
    """USER with top-level attributes replaced; ABSENT drops one."""
    resource = copy.deepcopy(USER)
    for key, value in changes.items():
        if value is ABSENT:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def reference(snapshot: Mapping[str, object], body: object) -> dict[str, object] | None:
    return apply_patch(snapshot, body)


def dict_engine(snapshot: Mapping[str, object], body: object) -> dict[str, object] | None:
    urns = known_urns(snapshot)
    operations = read_operations(body, urns)
    if operations is None:
        return None
    resource = plain(snapshot)
    assert isinstance(resource, dict)
    apply_operations(resource, operations, urns)
    return resource


Engine = Callable[[Mapping[str, object], object], "dict[str, object] | None"]
ENGINES = [pytest.param(reference, id="scim2-models"), pytest.param(dict_engine, id="dict")]


def at(resource: Mapping[str, object], path: str) -> object:
    """The value at a contract path (`name.givenName`, `urn:...:User:manager.value`)."""
    holder: object = resource
    if path.startswith("urn:"):
        urn, _, path = path.rpartition(":")
        holder = _get(resource, urn)
    attr, _, sub = path.partition(".")
    value = _get(holder, attr)
    return _get(value, sub) if sub else value


def _get(holder: object, name: str) -> object:
    if not isinstance(holder, Mapping):
        return ABSENT
    return next((v for k, v in holder.items() if k.lower() == name.lower()), ABSENT)


def check(engine: Engine, snapshot: dict[str, Any], body: object, **expected: object) -> None:
    """Apply and compare; keyword names use `__` for `.` and `_ent_` for the enterprise URN."""
    result = engine(snapshot, body)
    assert result is not None
    for name, want in expected.items():
        path = name.replace("_ent_", ENT + ":").replace("_acme_", ACME + ":").replace("__", ".")
        assert at(result, path) == want, path


# -- RFC 7644 section 3.5.2.1: add -----------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_without_path_merges_the_value(engine: Engine) -> None:
    body = patch(
        {
            "op": "add",
            "value": {
                "emails": [{"value": "babs@jensen.net", "type": "other"}],
                "nickName": "Barbie",
            },
        }
    )
    check(
        engine,
        user(),
        body,
        emails=[*USER["emails"], {"value": "babs@jensen.net", "type": "other"}],
        nickName="Barbie",
        title="Tour Guide",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_members_appends_and_skips_an_existing_value(engine: Engine) -> None:
    new = {"display": "Babs", "$ref": f"https://example.com/v2/Users/{NEW_ID}", "value": NEW_ID}
    body = patch({"op": "add", "path": "members", "value": [new, GROUP["members"][0]]})
    check(engine, GROUP, body, members=[*GROUP["members"], new], displayName="Tour Guides")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_to_a_single_valued_attribute_replaces_it(engine: Engine) -> None:
    body = patch(
        {"op": "add", "path": "title", "value": "Chief"},
        {"op": "add", "path": "userType", "value": "Employee"},
    )
    check(engine, user(), body, title="Chief", userType="Employee", nickName="Babs")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_sub_attributes_keeps_the_others(engine: Engine) -> None:
    body = patch(
        {"op": "add", "path": "name.middleName", "value": "Jane"},
        {"op": "add", "path": "name", "value": {"honorificPrefix": "Ms."}},
    )
    check(
        engine,
        user(),
        body,
        name__middleName="Jane",
        name__honorificPrefix="Ms.",
        name__familyName="Jensen",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_extension_attribute_and_filtered_sub_attribute(engine: Engine) -> None:
    body = patch(
        {"op": "add", "path": f"{ENT}:costCenter", "value": "4130"},
        {"op": "add", "path": 'emails[type eq "work"].display', "value": "Work"},
    )
    result = engine(user(), body)
    assert result is not None
    assert at(result, f"{ENT}:costCenter") == "4130"
    assert at(result, f"{ENT}:department") == "Tour Operations"
    assert at(result, "emails") == [{**USER["emails"][0], "display": "Work"}, USER["emails"][1]]


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_add_primary_value_unmarks_the_previous_primary(engine: Engine) -> None:
    new = {"value": "babs@example.org", "type": "other", "primary": True}
    body = patch({"op": "add", "path": "emails", "value": [new]})
    check(
        engine,
        user(),
        body,
        emails=[{**USER["emails"][0], "primary": False}, USER["emails"][1], new],
    )


# -- RFC 7644 section 3.5.2.2: remove --------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_single_and_sub_attributes(engine: Engine) -> None:
    body = patch({"op": "remove", "path": "title"}, {"op": "remove", "path": "name.givenName"})
    check(engine, user(), body, title=ABSENT, name__givenName=ABSENT, name__familyName="Jensen")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_all_members(engine: Engine) -> None:
    check(
        engine,
        GROUP,
        patch({"op": "remove", "path": "members"}),
        members=ABSENT,
        displayName="Tour Guides",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_filtered_values(engine: Engine) -> None:
    body = patch({"op": "remove", "path": f'members[value eq "{BABS}"]'})
    check(engine, GROUP, body, members=[GROUP["members"][1]])
    body = patch({"op": "remove", "path": 'emails[type eq "home"]'})
    check(engine, user(), body, emails=[USER["emails"][0]])
    body = patch({"op": "remove", "path": f'members[value eq "{BABS}" or value eq "{MANDY}"]'})
    check(engine, GROUP, body, members=ABSENT)


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_sub_attribute_of_filtered_values(engine: Engine) -> None:
    body = patch({"op": "remove", "path": 'addresses[type eq "work"].locality'})
    check(
        engine,
        user(),
        body,
        addresses=[{"type": "work", "streetAddress": "100 Universal City Plaza"}],
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_filter_matching_nothing_changes_nothing(engine: Engine) -> None:
    check(
        engine,
        user(),
        patch({"op": "remove", "path": 'emails[type eq "other"]'}),
        emails=USER["emails"],
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_remove_extension_attribute_and_whole_extension(engine: Engine) -> None:
    body = patch({"op": "remove", "path": f"{ENT}:department"})
    check(engine, user(), body, _ent_department=ABSENT, _ent_employeeNumber="701984")
    check(
        engine,
        user(),
        patch({"op": "remove", "path": ENT}),
        _ent_employeeNumber=ABSENT,
        title="Tour Guide",
    )


# -- RFC 7644 section 3.5.2.3: replace -------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_replace_without_path(engine: Engine) -> None:
    email = {"value": "bjensen@example.net", "type": "work", "primary": True}
    body = patch({"op": "replace", "value": {"emails": [email], "nickName": "Barbie"}})
    check(engine, user(), body, emails=[email], nickName="Barbie", title="Tour Guide")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_replace_members_list(engine: Engine) -> None:
    members = [{"display": "James Smith", "value": NEW_ID}]
    check(
        engine,
        GROUP,
        patch({"op": "replace", "path": "members", "value": members}),
        members=members,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_replace_complex_keeps_unnamed_sub_attributes(engine: Engine) -> None:
    body = patch({"op": "replace", "path": "name", "value": {"givenName": "Ann"}})
    check(engine, user(), body, name__givenName="Ann", name__familyName="Jensen")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_replace_filtered_value_and_its_sub_attribute(engine: Engine) -> None:
    work = {"type": "work", "streetAddress": "911 Universal City Plaza", "primary": True}
    check(
        engine,
        user(),
        patch({"op": "replace", "path": 'addresses[type eq "work"]', "value": work}),
        addresses=[{**work, "locality": "LA"}],
    )
    body = patch(
        {
            "op": "replace",
            "path": 'addresses[type eq "work"].streetAddress',
            "value": "1010 Broadway",
        }
    )
    check(
        engine, user(), body, addresses=[{**USER["addresses"][0], "streetAddress": "1010 Broadway"}]
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_replace_extension_attribute_null_and_missing(engine: Engine) -> None:
    body = patch(
        {"op": "replace", "path": f"{ENT}:employeeNumber", "value": "42"},
        {"op": "replace", "path": "title", "value": None},
        {"op": "replace", "path": "userType", "value": "Contractor"},
    )
    check(engine, user(), body, _ent_employeeNumber="42", title=ABSENT, userType="Contractor")


# -- Microsoft Entra ID (scim-wire A.2.1) ----------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", ["False", False])
def test_patch_entra_disable_legacy_and_flagged(engine: Engine, value: object) -> None:
    op = "Replace" if value == "False" else "replace"
    check(engine, user(), patch({"op": op, "path": "active", "value": value}), active=False)
    check(
        engine,
        user(active=False),
        patch({"op": op, "path": "active", "value": "True"}),
        active=True,
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("op", ["Add", "add"])
def test_patch_entra_add_single_valued_string(engine: Engine, op: str) -> None:
    check(
        engine,
        user(nickName=ABSENT),
        patch({"op": op, "path": "nickName", "value": "Babs"}),
        nickName="Babs",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_entra_legacy_replace_one_op_per_attribute(engine: Engine) -> None:
    body = patch(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "grace.new@example.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Grace"},
        {"op": "Replace", "path": f"{ENT}:employeeNumber", "value": "1906"},
    )
    check(
        engine,
        user(),
        body,
        emails=[{**USER["emails"][0], "value": "grace.new@example.com"}, USER["emails"][1]],
        name__givenName="Grace",
        name__familyName="Jensen",
        _ent_employeeNumber="1906",
        _ent_department="Tour Operations",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_entra_flagged_dotted_keys_in_no_path_replace(engine: Engine) -> None:
    value = {
        "displayName": "Grace Hopper",
        "name.givenName": "Grace",
        "name.familyName": "Hopper",
        f"{ENT}:employeeNumber": "1906",
    }
    check(
        engine,
        user(),
        patch({"op": "replace", "value": value}),
        displayName="Grace Hopper",
        name__givenName="Grace",
        name__familyName="Hopper",
        name__formatted="Ms. Barbara J Jensen III",
        _ent_employeeNumber="1906",
        _ent_department="Tour Operations",
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Remove", "path": "members", "value": [{"value": BABS}]},
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": BABS}]},
        {"op": "remove", "path": "members", "value": [{"value": BABS}]},  # JumpCloud
        {"op": "remove", "path": f'members[value eq "{BABS}"]'},
    ],
    ids=["entra-legacy", "entra-legacy-ref-null", "jumpcloud", "entra-flagged"],
)
def test_patch_member_removal_dialects(engine: Engine, operation: dict[str, Any]) -> None:
    check(engine, GROUP, patch(operation), members=[GROUP["members"][1]], displayName="Tour Guides")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_entra_member_add(engine: Engine) -> None:
    body = patch({"op": "Add", "path": "members", "value": [{"$ref": None, "value": NEW_ID}]})
    result = engine(GROUP, body)
    assert result is not None
    members = at(result, "members")
    assert isinstance(members, list)
    assert [m["value"] for m in members] == [BABS, MANDY, NEW_ID]


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_entra_manager_as_bare_string(engine: Engine) -> None:
    body = patch({"op": "Add", "path": f"{ENT}:manager", "value": NEW_ID})
    check(engine, user(), body, _ent_manager__value=NEW_ID, _ent_department="Tour Operations")


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_entra_value_filter_creates_the_missing_entry(engine: Engine) -> None:
    home_only = user(emails=[USER["emails"][1]])
    body = patch({"op": "Add", "path": 'emails[type eq "work"].value', "value": "m@work.example"})
    check(
        engine,
        home_only,
        body,
        emails=[USER["emails"][1], {"type": "work", "value": "m@work.example"}],
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_no_path_complex_value_keeps_family_name(engine: Engine) -> None:
    body = patch({"op": "replace", "value": {"name": {"givenName": "Amazing Grace"}}})
    check(engine, user(), body, name__givenName="Amazing Grace", name__familyName="Jensen")


# -- Okta (scim-wire A.2.2), OneLogin (A.2.4) ------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_okta_deactivate_no_path_replace(engine: Engine) -> None:
    check(
        engine,
        user(),
        patch({"op": "replace", "value": {"active": False}}),
        active=False,
        title="Tour Guide",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_okta_membership_remove_and_add_in_one_request(engine: Engine) -> None:
    body = patch(
        {"op": "remove", "path": f'members[value eq "{BABS}"]'},
        {"op": "add", "path": "members", "value": [{"value": NEW_ID, "display": "James"}]},
    )
    check(engine, GROUP, body, members=[GROUP["members"][1], {"value": NEW_ID, "display": "James"}])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sent_id", [GROUP["id"], "some-other-id"])
def test_patch_okta_rename_ignores_the_read_only_id(engine: Engine, sent_id: str) -> None:
    body = patch({"op": "replace", "value": {"id": sent_id, "displayName": "Tour Leads"}})
    check(engine, GROUP, body, id=GROUP["id"], displayName="Tour Leads", members=GROUP["members"])


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_onelogin_single_email_object(engine: Engine) -> None:
    email = {"value": "babs@onelogin.example", "type": "work"}
    check(engine, user(), patch({"op": "replace", "value": {"emails": email}}), emails=[email])


# -- custom schemas, odd snapshots and bodies ------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_custom_attributes_survive_and_can_be_patched(engine: Engine) -> None:
    custom = user(**{ACME: {"badge": "B1", "floor": 3}, "customFlag": True})
    check(
        engine,
        custom,
        patch({"op": "replace", "path": "title", "value": "Chief"}),
        _acme_badge="B1",
        customFlag=True,
    )
    body = patch(
        {"op": "replace", "path": f"{ACME}:badge", "value": "B2"},
        {"op": "add", "value": {ACME: {"desk": "D4"}, "customFlag": False}},
    )
    check(engine, custom, body, _acme_badge="B2", _acme_floor=3, _acme_desk="D4", customFlag=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_snapshot_a_strict_model_rejects_still_patches(engine: Engine) -> None:
    odd = user(emails=[{"value": "not an address", "type": "work"}], meta={"created": "yesterday"})
    check(
        engine,
        odd,
        patch({"op": "replace", "path": "title", "value": "Chief"}),
        title="Chief",
        emails=odd["emails"],
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_patch_skips_operations_that_mean_nothing(engine: Engine) -> None:
    body = patch(
        {"op": "merge", "path": "title", "value": "x"},
        {"op": "remove"},
        {"op": "replace", "path": "emails[type eq ].value", "value": "x"},
        {"op": "replace", "path": 'emails[type eq "other" or type eq "x"].value', "value": "x"},
        {"op": "add", "path": "nickName", "value": None},
        {"op": "replace", "path": "nickName", "value": "Barbie"},
    )
    check(engine, user(), body, title="Tour Guide", emails=USER["emails"], nickName="Barbie")


def test_patch_large_group_is_patched_without_the_model() -> None:
    big = {**GROUP, "members": [{"value": f"u{i}"} for i in range(500)]}
    result = apply_patch(big, patch({"op": "Add", "path": "members", "value": [{"value": NEW_ID}]}))
    assert result is not None
    assert len(result["members"]) == 501  # type: ignore[arg-type]


def test_patch_body_as_json_string_and_non_patch_bodies() -> None:
    body = patch({"op": "replace", "path": "title", "value": "Chief"})
    result = apply_patch(user(), orjson.dumps(body).decode())
    assert result is not None
    assert result["title"] == "Chief"
    not_patches: list[object] = [None, [], {}, {"Operations": "x"}, "not json", 42, {"op": "x"}]
    for not_a_patch in not_patches:
        assert apply_patch(user(), not_a_patch) is None


def test_patch_leaves_its_inputs_alone() -> None:
    snapshot, body = (
        user(),
        patch(
            {"op": "add", "path": 'emails[type eq "work"]', "value": {"display": "W"}},
            {"op": "replace", "value": {"name": {"givenName": "Ann"}}},
        ),
    )
    frozen = copy.deepcopy((snapshot, body))
    result = apply_patch(snapshot, body)
    assert result is not None
    result["name"]["familyName"] = "changed"  # type: ignore[index]
    assert (snapshot, body) == frozen
