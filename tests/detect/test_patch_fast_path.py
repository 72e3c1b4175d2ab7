"""The scalar-write fast path of `surviving_paths` / `lost_attributes` answers exactly what the
reference engine answers: for add/replace of one scalar at a filterless path, every path the
operations do not name survives, on the canonical User and Group and on arbitrary snapshots."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from monitor.detect._patch_fast import scalar_write
from monitor.detect._patch_ops import read_operations, targets
from monitor.detect._patch_paths import known_urns
from monitor.detect.patch_engine import (
    _copy,
    _covered,
    _expected,
    _lowered,
    _survivors,
    attribute_paths,
    lost_attributes,
    surviving_paths,
)

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:scim:1.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "id": "u1",
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "displayName": "Babs",
    "title": "Tour Guide",
    "active": True,
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    "phoneNumbers": [{"value": "555-0100", "type": "work"}],
    ENT: {"department": "Tours", "manager": {"value": "m1", "displayName": "M"}},
    ACME: {"badge": "B1"},
    "customFlag": True,
}
GROUP: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "g1",
    "displayName": "Tour Guides",
    "members": [{"value": "u1", "display": "Babs"}],
}
PATHS = [
    "title",
    "TITLE",
    "active",
    "nickName",
    "name",
    "name.givenName",
    "name.middleName",
    "emails",
    "emails.value",
    "emails.primary",
    "members",
    "members.display",
    "department",
    "manager",
    f"{ENT}:department",
    f"{ENT}:manager",
    f"{ENT}:manager.value",
    ENT,
    f"{ACME}:badge",
    "customFlag",
    "userName",
    "displayName",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "x.y",
    'emails[type eq "work"].value',
    "schemas",
]
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=6)
scalars |= st.sampled_from(["True", "false", "m2", ""])
snapshot_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "type", "primary", "display"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)
# Mostly the shape the fast path takes (add/replace of one scalar), so few draws are
# filtered out (any op and value let a random seed fail Hypothesis's filter health check).
scalar_operations = st.lists(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "replace", "Replace"]),
            "path": st.sampled_from(PATHS) | st.text(max_size=8),
            "value": scalars.filter(lambda value: value is not None),
        }
    ),
    min_size=1,
    max_size=3,
)
snapshots = st.sampled_from([USER, GROUP]) | st.builds(
    lambda base, extra: {**base, **extra},
    st.sampled_from([USER, GROUP, {"userName": "a"}, {}]),
    st.dictionaries(
        st.sampled_from([*PATHS, CORE, f"{CORE}:title", ENT.upper()]) | st.text(max_size=6),
        snapshot_values,
        max_size=4,
    ),
)


def _reference(snapshot: dict[str, Any], body: dict[str, Any]) -> set[str]:
    """What the engine answers, run unconditionally (no fast path)."""
    urns = known_urns(snapshot)
    ops = read_operations(body, urns)
    assert ops is not None
    named = _lowered(path for op in ops for path in targets(op, urns))
    left = {p for p in attribute_paths(snapshot) if not _covered(p, named)}
    kept = _lowered(attribute_paths(_expected(_copy(snapshot), ops, urns)))
    return {path for path in left if path.lower() in kept}


@SETTINGS
@given(snapshot=snapshots, ops=scalar_operations)
def test_scalar_writes_answer_like_the_reference_engine(
    snapshot: dict[str, Any], ops: list[dict[str, Any]]
) -> None:
    body = {"Operations": ops}
    urns = known_urns(snapshot)
    read = read_operations(body, urns)
    assume(read and all(scalar_write(op, urns) for op in read))  # the fast path is taken
    reference = _reference(snapshot, body)
    assert surviving_paths(snapshot, body) == reference
    after = {"id": "x", "userName": "only"}
    expected_lost = sorted(p for p in reference if p.lower() not in {"id", "username"})
    assert lost_attributes(snapshot, body, after) == expected_lost


def test_fast_path_excludes_shapes_that_reach_other_attributes() -> None:
    urns = known_urns(USER)
    body = {
        "Operations": [
            {"op": "remove", "path": "title"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "a@b.example"},
            {"op": "replace", "path": "name", "value": {"givenName": "B"}},
            {"op": "replace", "path": "schemas", "value": "x"},
            {"op": "add", "path": "emails", "value": [{"value": "c@d.example"}]},
            {"op": "replace", "path": ENT, "value": "x"},
        ]
    }
    read = read_operations(body, urns)
    assert read is not None
    assert [scalar_write(op, urns) for op in read] == [False] * len(read)
    simple = read_operations(
        {"Operations": [{"op": "replace", "path": "title", "value": "T"}]}, urns
    )
    assert simple is not None
    assert scalar_write(simple[0], urns)


def test_a_schemas_rewrite_goes_to_the_engine() -> None:
    """A scalar write, but of `schemas`: dropping the extension URN drops its attributes, which
    only the engine knows, so the fast path must not answer."""
    body = {"Operations": [{"op": "replace", "path": "schemas", "value": USER["schemas"][0]}]}
    survive = surviving_paths(USER, body)
    assert survive == _reference(USER, body)
    assert f"{ENT}:department" not in survive
    assert "title" in survive


def _changed(snapshot: dict[str, Any], edits: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    """An answer: the snapshot with some attributes set, some dropped, some renamed in case."""
    after = {k: v for k, v in snapshot.items() if k not in dropped}
    for key in dropped[::2]:  # every other dropped attribute comes back spelled in upper case
        if key in snapshot:
            after[key.upper()] = snapshot[key]
    return {**after, **edits}


EDITED = st.sampled_from(PATHS) | st.text(max_size=6)


@SETTINGS
@given(
    snapshot=snapshots,
    edits=st.dictionaries(
        st.sampled_from(PATHS) | st.text(max_size=6), snapshot_values, max_size=3
    ),
    dropped=st.lists(st.sampled_from([*PATHS, ENT, ACME, "name", "emails", "title"]), max_size=3),
    ops=scalar_operations,
)
def test_answers_that_keep_their_attributes_lose_what_the_whole_comparison_finds(
    snapshot: dict[str, Any], edits: dict[str, Any], dropped: list[str], ops: list[dict[str, Any]]
) -> None:
    """`lost_attributes` skips walking the attributes an answer keeps unchanged; it must lose
    exactly what comparing every path of both finds."""
    after = _changed(snapshot, edits, dropped)
    assume(after)  # an empty answer judges nothing
    body = {"Operations": ops}
    kept = _lowered(attribute_paths(after))
    reference = sorted(_survivors(snapshot, body, lambda path: path.lower() not in kept))
    assert lost_attributes(snapshot, body, after) == reference
