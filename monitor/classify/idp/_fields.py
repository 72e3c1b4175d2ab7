"""Defensive reads of decoded vendor JSON: every getter answers None instead of raising.

Audit APIs send `null` for absent objects, strings where a schema says objects, and vendors
add fields between releases, so no reader here trusts a shape: a value of the wrong type is
treated exactly like a missing one. Decoded JSON is made of dicts, so each check tries the
exact `dict` type first: an ABC `isinstance(..., Mapping)` costs several times more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeGuard

__all__ = ["first_of_type", "is_mapping", "items", "mapping", "text"]

_EMPTY: Mapping[str, object] = {}


def is_mapping(obj: object) -> TypeGuard[Mapping[str, object]]:
    """A JSON object (keys are strings in anything a JSON decoder made)."""
    return type(obj) is dict or isinstance(obj, Mapping)


def mapping(obj: object, key: str) -> Mapping[str, object]:
    """`obj[key]` when both are mappings, else an empty mapping (so reads can chain)."""
    if not is_mapping(obj):
        return _EMPTY
    value = obj.get(key)
    return value if is_mapping(value) else _EMPTY


def text(obj: object, key: str) -> str | None:
    """`obj[key]` when it is a non-empty string."""
    if not is_mapping(obj):
        return None
    value = obj.get(key)
    return value if type(value) is str and value else None


def items(obj: object, key: str) -> Sequence[object]:
    """`obj[key]` when it is a JSON array, else an empty one."""
    if not is_mapping(obj):
        return ()
    value = obj.get(key)
    return value if isinstance(value, list | tuple) else ()


def first_of_type(entries: Sequence[object], type_key: str, wanted: str) -> Mapping[str, object]:
    """The first object of `entries` whose `type_key` equals `wanted` (case-insensitive)."""
    wanted = wanted.lower()
    for entry in entries:
        kind = text(entry, type_key)
        if kind is not None and kind.lower() == wanted and is_mapping(entry):
            return entry
    return _EMPTY
