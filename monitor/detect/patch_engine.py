"""The reference PATCH engine and the attribute comparison behind `silent_attribute_loss`.

A PATCH handled as a PUT answers 2xx and drops every attribute the operations did not name
(scim-wire B.4: conformance suites miss it). Spotting it needs two things: what the resource
should look like after the operations (`apply_patch`) and which attributes they named
(`targeted_paths`). `lost_attributes` reports what the last representation had, the answer
lacks, and neither the operations named nor the expected result removed; `surviving_paths`
asks the same before any answer is seen (a 204), for the next representation to be held to.

Why it is built this way:
- scim2-models is the reference engine (ARCHITECTURE, scim-wire B.9). It knows from the schema
  what is multi-valued or complex, keeps sub-attributes a replace leaves out, unmarks other
  primaries, and has Entra toggles in `ScimPolicy` (remove-with-value, create on an unmatched
  filter). What no policy covers is repaired before it sees the operation (`_patch_ops`):
  manager as a bare string, string booleans, no-path values split into single-path writes
  (dotted keys and extension objects included), Okta's readOnly `id` dropped.
- Operations go one at a time, so a shape scim2-models refuses costs only that operation: it
  is applied by the dict-based RFC engine (`_patch_dict`) and the next one goes back to the
  model. The resource is read with `unknown=keep`, so custom attributes survive the round
  trip, but operations are checked with `unknown=forbid`: under `keep` an operation on an
  undeclared attribute is silently dropped, which would predict a change that never happened.
- Snapshots scim2-models will not validate (a non-address `emails.value`, a malformed date),
  resources that are neither User nor Group, and resources with more than 200 values in one
  multi-valued attribute go to the dict engine alone. Validation is linear in the values
  (about 17 ms for a 1,000-member group, 180 ms for 10,000) and Entra sends one PATCH per
  member change, so big groups would make the monitor the slowest part of provisioning.
- Most PATCHes in real traffic write one scalar (`active`, `title`, a department). For those,
  on a snapshot of the usual shape, every engine path keeps what the operations did not name,
  so `surviving_paths` and `lost_attributes` answer without running it (`_patch_fast`; a
  property test holds the shortcut to the engine's answers). `apply_patch` always runs it,
  because its whole result is stored, not only its paths.
- Nothing here raises. The scim2-models calls are fenced with `except Exception` because a
  third-party validator fed log input may raise anything; when it fails beyond one operation,
  the dict engine answers for the whole body. The dict engine is total by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import orjson
from scim2_models import Context, EnterpriseUser, Group, PatchOp, ScimPolicy, User

from monitor.detect._patch_dict import apply_operation, apply_operations
from monitor.detect._patch_fast import plain_shape, scalar_write
from monitor.detect._patch_ops import PatchOperation, fix_quirks, plain, read_operations, targets
from monitor.detect._patch_paths import (
    IGNORED,
    canonical_attr,
    canonical_sub,
    canonical_urn,
    is_core_urn,
    is_multi_valued,
    known_urns,
    notation,
)

__all__ = [
    "apply_patch",
    "attribute_paths",
    "lost_attributes",
    "surviving_paths",
    "targeted_paths",
]

_USER: Any = User[EnterpriseUser]
_PATCH_OPS: dict[Any, Any] = {_USER: PatchOp[_USER], Group: PatchOp[Group]}
_USER_URN = "urn:ietf:params:scim:schemas:core:2.0:user"
_GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:group"
_ENTRA = {
    "remove_value_as_filter": ScimPolicy.RemoveValue.apply,
    "unmatched_path_filter": ScimPolicy.UnmatchedPathFilter.create,
}
_READ = ScimPolicy(unknown=ScimPolicy.Unknown.keep, **_ENTRA)
_WRITE = ScimPolicy(unknown=ScimPolicy.Unknown.forbid, **_ENTRA)
_MAX_MODEL_VALUES = 200
_NO_URNS = known_urns({})  # only the URNs the schemas declare
_PathTest = Callable[[str], bool]
_MAX_DEPTH = 64


def apply_patch(snapshot: Mapping[str, object], body: object) -> dict[str, object] | None:
    """The resource after the PatchOp `body`, per RFC 7644 read leniently; None when `body`
    is not a PatchOp (no `Operations` list). Operations that cannot apply change nothing."""
    if not isinstance(snapshot, Mapping):
        return None
    urns = known_urns(snapshot)
    operations = read_operations(body, urns)
    return None if operations is None else _expected(snapshot, operations, urns)


def attribute_paths(resource: Mapping[str, object]) -> set[str]:
    """Paths holding a non-empty value: `title`, `emails`, `name.givenName`, `urn:…:department`."""
    paths: set[str] = set()
    if isinstance(resource, Mapping):
        _collect(paths, None, resource)
    return paths


def targeted_paths(body: object) -> set[str]:
    """Paths the operations of `body` name (filters stripped, no-path values expanded)."""
    operations = read_operations(body, _NO_URNS) or []
    return {path for operation in operations for path in targets(operation, _NO_URNS)}


def lost_attributes(
    before: Mapping[str, object], body: object, after: Mapping[str, object]
) -> list[str]:
    """Sorted paths `before` had that `after` lacks, that the operations did not name and
    that the expected result keeps. Empty when `after` is empty (no representation to judge)
    or `body` is not a PatchOp (no evidence of what was asked)."""
    if not isinstance(after, Mapping) or not after:
        return []
    if isinstance(before, Mapping) and _all_kept(before, after):
        return []
    kept = _lowered(attribute_paths(after))
    return sorted(_survivors(before, body, lambda path: path.lower() not in kept))


def _all_kept(before: Mapping[str, object], after: Mapping[str, object]) -> bool:
    """Whether every path of `before` is a path of `after`, known without walking either
    whole: a top-level attribute gives its paths from its name and value alone, so one that
    `after` holds unchanged (compared in C, at any depth) keeps them all, and only the
    attributes that changed are walked (a PATCH answer usually changes one or two). False
    means only "not known this way": the caller then compares every path."""
    changed = [key for key, value in before.items() if after.get(key, _ABSENT) != value]
    if not changed:
        return True
    asked = attribute_paths({key: before[key] for key in changed})
    if not asked:
        return True
    kept = _lowered(attribute_paths({key: after[key] for key in changed if key in after}))
    return all(path.lower() in kept for path in asked)


def surviving_paths(before: Mapping[str, object], body: object) -> set[str]:
    """Paths of `before` the PatchOp `body` must leave in place (present, not named, kept by
    the expected result): what the next representation after a bodiless 204 answer is held
    to. Empty when `body` is not a PatchOp."""
    return _survivors(before, body, lambda path: True)


def _survivors(before: Mapping[str, object], body: object, wanted: _PathTest) -> set[str]:
    """The paths of `before` passing `wanted` that no operation names and the engine keeps;
    the engine runs only when some path is left to ask it about (usually none is)."""
    if not isinstance(before, Mapping):
        return set()
    asked = [path for path in attribute_paths(before) if wanted(path)]
    if not asked:  # the usual answer: every path is still there, nothing to read
        return set()
    urns = known_urns(before)
    operations = read_operations(body, urns)
    if operations is None:
        return set()
    named = _lowered(path for operation in operations for path in targets(operation, urns))
    left = {path for path in asked if not _covered(path, named)}
    if not left or (all(scalar_write(op, urns) for op in operations) and plain_shape(before)):
        return left
    expected = _lowered(attribute_paths(_expected(before, operations, urns)))
    return {path for path in left if path.lower() in expected}


# -- the expected result ----------------------------------------------------------------------


class _ModelBroke(Exception):
    """scim2-models failed outside one operation; the dict engine redoes the whole body."""


def _expected(
    snapshot: Mapping[str, object], operations: list[PatchOperation], urns: Collection[str]
) -> dict[str, object]:
    try:
        patched = _Patched(_copy(snapshot))
        for operation in operations:
            patched.apply(operation, urns)
        return patched.result()
    except _ModelBroke:
        resource = _copy(snapshot)
        apply_operations(resource, operations, urns)
        return resource


class _Patched:
    """The resource under patch: a scim2-models object while it can take the operations, a dict
    once one needed the fallback (converted back lazily, for the next operation)."""

    def __init__(self, resource: dict[str, object]) -> None:
        self._data = resource
        self._model: Any = None
        self._class = _model_class(resource)

    def apply(self, operation: PatchOperation, urns: Collection[str]) -> None:
        operation = fix_quirks(operation)
        model = self._as_model()
        if model is None or not _model_apply(model, self._class, operation):
            apply_operation(self._as_dict(), operation, urns)

    def result(self) -> dict[str, object]:
        return self._as_dict()

    def _as_model(self) -> Any:
        if self._model is None and self._class is not None:
            self._model = _validated(self._class, self._data)
            if self._model is None:
                self._class = None  # scim2-models cannot read this resource: dict engine only
        return self._model

    def _as_dict(self) -> dict[str, object]:
        if self._model is not None:
            self._data, self._model = _dumped(self._model), None
        return self._data


def _model_class(resource: Mapping[str, object]) -> Any:
    """User[EnterpriseUser] or Group by `schemas` (or userName / members), None otherwise."""
    values = resource.values()
    if any(isinstance(v, list) and len(v) > _MAX_MODEL_VALUES for v in values):
        return None
    schemas = resource.get("schemas")
    declared = (
        {s.lower() for s in schemas if isinstance(s, str)} if isinstance(schemas, list) else set()
    )
    names = {key.lower() for key in resource}
    is_group = _GROUP_URN in declared or ("members" in names and _USER_URN not in declared)
    is_user = _USER_URN in declared or "username" in names
    if is_group == is_user:  # neither, or a contradiction: no schema to read it with
        return None
    return Group if is_group else _USER


def _validated(model_class: Any, data: dict[str, object]) -> Any:
    try:
        return model_class.model_validate(data, scim_policy=_READ)
    except Exception:  # any refusal of a snapshot means: not for the model engine
        return None


def _model_apply(model: Any, model_class: Any, operation: PatchOperation) -> bool:
    """Apply one operation with scim2-models; False (model untouched) when it refuses it."""
    payload: dict[str, object] = {"op": operation.op, "path": operation.path}
    if operation.op != "remove" or operation.value is not None:
        payload["value"] = operation.value
    try:
        patch = _PATCH_OPS[model_class].model_validate(
            {"Operations": [payload]},
            scim_ctx=Context.RESOURCE_PATCH_REQUEST,
            scim_policy=_WRITE,
        )
        patch.patch(model, scim_policy=_WRITE)  # restores the model when it raises
    except Exception:
        return False
    return True


def _dumped(model: Any) -> dict[str, object]:
    try:
        dumped = model.model_dump(scim_policy=_READ)
    except Exception as error:
        raise _ModelBroke from error
    if not isinstance(dumped, dict):
        raise _ModelBroke
    return dumped


def _copy(snapshot: Mapping[str, object]) -> dict[str, object]:
    """A private copy to patch; orjson is the fast path, `plain` takes what it refuses."""
    try:
        copied = orjson.loads(orjson.dumps(snapshot))
    except TypeError:  # orjson.JSONEncodeError: non-str keys, huge ints, depth, non-JSON
        copied = plain(snapshot)
    return copied if isinstance(copied, dict) else {}


# -- attribute paths --------------------------------------------------------------------------

_ABSENT = object()  # no value, not even None


def _collect(paths: set[str], urn: str | None, attributes: Mapping[Any, object]) -> None:
    for key, value in attributes.items():
        if not isinstance(key, str) or key.lower() in IGNORED:
            continue
        if urn is None and key[:4].lower() == "urn:" and isinstance(value, Mapping):
            _collect(paths, None if is_core_urn(key) else canonical_urn(key), value)
        else:
            _add(paths, urn, canonical_attr(urn, key), value)


def _add(paths: set[str], urn: str | None, attr: str, value: object) -> None:
    """A complex single-valued attribute counts by its sub-attributes, anything else whole."""
    if isinstance(value, Mapping) and not is_multi_valued(urn, attr):
        for sub, item in value.items():
            if isinstance(sub, str) and _present(item, 1):
                paths.add(notation(urn, attr, canonical_sub(sub)))
    elif _present(value, 0):
        paths.add(notation(urn, attr))


def _present(value: object, depth: int) -> bool:
    """Non-empty: not null, not "", not a list or object holding only empty values."""
    if isinstance(value, str):
        return value != ""
    if isinstance(value, Mapping | list | tuple):
        if depth >= _MAX_DEPTH:
            return True
        items = value.values() if isinstance(value, Mapping) else value
        return any(_present(item, depth + 1) for item in items)
    return value is not None


def _lowered(paths: Iterable[str]) -> set[str]:
    return {path.lower() for path in paths}


def _covered(path: str, named: set[str]) -> bool:
    """Whether a named path covers `path`: itself, a parent (`name`, a whole extension URN), a
    sub-attribute (a simple value rewritten as a complex one), or the same attribute named
    without its extension URN (servers accept unqualified names), sub-attributes included
    (`department` given an object value names the extension's `department` too)."""
    low = path.lower()
    bare = low.rpartition(":")[2]
    return any(
        _related(low, target) or (":" not in target.partition(".")[0] and _related(bare, target))
        for target in named
    )


def _related(path: str, target: str) -> bool:
    return (
        path == target
        or path.startswith((target + ".", target + ":"))
        or target.startswith(path + ".")
    )
