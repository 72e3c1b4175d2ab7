"""When the PATCH engine need not run: the shapes whose surviving paths are known without it.

`surviving_paths` and `lost_attributes` ask one question of the engine: which paths of the
snapshot, not named by any operation, does the expected result still hold? For an add/replace
of one scalar at a filterless path, on a snapshot of the usual shape, the answer is all of
them, whichever engine path runs (scim2-models, or the dict engine when it refuses). Running
scim2-models costs about 3 ms per PATCH (validate the resource, validate and apply the
operation, dump), which was a fifth of a full replay. `tests/detect/test_patch_fast_path.py`
compares both answers on generated snapshots and operations; it found the two shape conditions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from monitor.detect._patch_ops import PatchOperation
from monitor.detect._patch_paths import parse_path

__all__ = ["plain_shape", "scalar_write"]

_MAX_DEPTH = 64


def scalar_write(operation: PatchOperation, urns: Collection[str]) -> bool:
    """An add/replace of one scalar at a filterless attribute path (`title`, `active`,
    `name.familyName`, `urn:…:department`): the common shape, and one that changes nothing but
    the attribute it names. Every engine path keeps the other attributes: scim2-models writes
    that attribute alone (and its read/dump round trip keeps every path), and when it refuses
    the operation or the snapshot, the dict engine writes that attribute alone. So the paths
    left unnamed all survive, and the engine need not run (property-tested against it)."""
    if operation.op == "remove" or operation.value is None:
        return False
    if isinstance(operation.value, Mapping | list | tuple):
        return False
    parsed = parse_path(operation.path, urns)
    return (
        parsed is not None
        and parsed.filter is None
        and parsed.attr is not None
        and parsed.attr.lower() != "schemas"
    )


def plain_shape(resource: Mapping[str, object]) -> bool:
    """Whether the engine's read of `resource` keeps every path, as it does for what servers
    send: each URN key holds an object (a scalar there is a path of its own, which a write
    below that URN, or of a bare name the schema puts there, turns into an object), and no
    object repeats a key in another case (scim2-models reads names case-insensitively, so
    `title` and `TITLE` collapse into one)."""
    return all(
        isinstance(value, Mapping)
        for key, value in resource.items()
        if isinstance(key, str) and key[:4].lower() == "urn:"
    ) and _distinct_keys(resource, 0)


def _distinct_keys(value: object, depth: int) -> bool:
    if isinstance(value, Mapping):
        if len({key.lower() if isinstance(key, str) else key for key in value}) != len(value):
            return False
        items: Iterable[object] = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return True
    return depth < _MAX_DEPTH and all(_distinct_keys(item, depth + 1) for item in items)
