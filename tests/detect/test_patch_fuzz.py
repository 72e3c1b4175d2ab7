"""Properties: the PATCH engine never raises on arbitrary JSON, answers JSON, and never drops an
attribute the operations did not name (the premise of every silent_attribute_loss finding)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.detect._patch_dict import apply_operations
from monitor.detect._patch_ops import plain, read_operations
from monitor.detect._patch_paths import known_urns
from monitor.detect.patch_engine import (
    _covered,
    apply_patch,
    attribute_paths,
    lost_attributes,
    targeted_paths,
)

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:scim:1.0:User"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "id": "u1",
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
    "displayName": "Babs",
    "title": "Tour Guide",
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    ENT: {
        "department": "Tours",
        "employeeNumber": "7",
        "manager": {"value": "m1", "displayName": "M"},
    },
    ACME: {"badge": "B1"},
    "customFlag": True,
}
GROUP: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "g1",
    "displayName": "Tour Guides",
    "members": [{"value": "u1", "display": "Babs"}, {"value": "u2"}],
}
PATHS = [
    "title",
    "Title",
    "active",
    "nickName",
    "name",
    "name.givenName",
    "NAME.familyName",
    "emails",
    'emails[type eq "work"].value',
    'emails[type eq "other"].value',
    'emails[type eq "home"]',
    'emails[type eq "work" and primary eq true].primary',
    'emails[value co "@"].display',
    "emails.value",
    "members",
    'members[value eq "u1"]',
    'members[value eq "u2"].display',
    "department",
    f"{ENT}:department",
    f"{ENT}:manager",
    f"{ENT}:manager.value",
    ENT,
    f"{ACME}:badge",
    ACME,
    "customFlag",
    "id",
    "meta.version",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "emails[type eq ].value",
    "emails[",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["value", "type", "primary", "display", "x", "$ref"])
            | st.text(max_size=6),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
operation = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Add", "replace", "Replace", "remove", "REMOVE", "merge", 3])},
    optional={
        "path": st.sampled_from(PATHS) | st.text(max_size=12) | json_values,
        "value": json_values
        | st.dictionaries(st.sampled_from(PATHS), json_values, max_size=3)
        | st.sampled_from(["False", "True", "m2"]),
    },
)
patch_bodies = st.builds(
    lambda ops, key: {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], key: ops},
    st.lists(operation, max_size=5),
    st.sampled_from(["Operations", "operations"]),
)


@SETTINGS
@given(snapshot=st.dictionaries(st.text(max_size=10), json_values, max_size=6), body=json_values)
def test_patch_never_raises_on_arbitrary_json(snapshot: dict[str, Any], body: Any) -> None:
    result = apply_patch(snapshot, body)
    assert result is None or isinstance(json.dumps(result), str)
    assert isinstance(lost_attributes(snapshot, body, snapshot), list)
    assert isinstance(targeted_paths(body), set)
    assert isinstance(attribute_paths(snapshot), set)


@SETTINGS
@given(
    snapshot=st.sampled_from([USER, GROUP]) | st.dictionaries(st.sampled_from(PATHS), json_values),
    body=patch_bodies,
    after=json_values,
)
def test_patch_never_raises_on_patch_shaped_bodies(
    snapshot: dict[str, Any], body: Any, after: Any
) -> None:
    result = apply_patch(snapshot, body)
    assert isinstance(result, dict)
    json.dumps(result)
    lost = lost_attributes(snapshot, body, after if isinstance(after, dict) else {"id": "x"})
    assert lost == sorted(set(lost))


@SETTINGS
@given(body=patch_bodies)
@example(  # a bare extension attribute given an object value: the extension's one is named
    body={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "department", "value": {f"{ENT}:department": None}}],
    }
)
def test_patch_expected_result_keeps_every_attribute_not_named(body: dict[str, Any]) -> None:
    """What `lost_attributes` relies on: the engine removes only what the operations name."""
    ops = body.get("Operations") or body.get("operations") or []
    if any(isinstance(op.get("path"), str) and "schemas" in op["path"].lower() for op in ops):
        return  # rewriting `schemas` legitimately drops an extension's attributes (RFC 7643 3)
    expected = apply_patch(USER, body)
    assert expected is not None
    named = {path.lower() for path in targeted_paths(body)}
    untouched = {
        path
        for path in attribute_paths(USER)
        if not _covered(path, named) and path.rsplit(":", 1)[-1].lower() not in named
    }  # a bare name (`department`) also names the extension attribute of that name
    assert untouched <= attribute_paths(expected)


simple_values = st.sampled_from(
    [
        "x",
        "False",
        True,
        None,
        [],
        {"value": "v"},
        {"givenName": "g"},
        [{"value": "a@b.example", "type": "work"}],
        {"type": "work", "value": "q@b.example", "primary": True},
    ]
)
known_shape_operation = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "Replace", "remove"]),
        "path": st.sampled_from([*PATHS, ""]),
    },
    optional={
        "value": simple_values | st.dictionaries(st.sampled_from(PATHS), simple_values, max_size=2)
    },
)


@SETTINGS
@given(
    operations=st.lists(known_shape_operation, min_size=1, max_size=3),
    snapshot=st.sampled_from([USER, GROUP]),
)
def test_patch_dict_engine_agrees_with_the_reference_on_paths(
    operations: list[dict[str, Any]], snapshot: dict[str, Any]
) -> None:
    """The fallback answers like scim2-models wherever both can, at the level findings use."""
    body = {"Operations": operations}
    urns = known_urns(snapshot)
    read = read_operations(body, urns)
    assert read is not None
    alone = plain(snapshot)
    assert isinstance(alone, dict)
    apply_operations(alone, read, urns)
    reference = apply_patch(snapshot, body)
    assert reference is not None
    assert _in_schema(attribute_paths(alone)) == _in_schema(attribute_paths(reference))


_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:"
_ENTERPRISE_ATTRIBUTES = {
    "employeenumber",
    "costcenter",
    "organization",
    "division",
    "department",
    "manager",
}


def _in_schema(paths: set[str]) -> set[str]:
    """Attributes the enterprise schema does not define, written into its object, are junk
    either engine may keep or drop; findings never hinge on them."""
    return {
        p
        for p in paths
        if not p.lower().startswith(_ENTERPRISE)
        or p.lower()[len(_ENTERPRISE) :].split(".")[0] in _ENTERPRISE_ATTRIBUTES
    }
