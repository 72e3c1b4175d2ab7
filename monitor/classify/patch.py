"""Reading a PatchOp body in every IdP dialect: what it does to `active` and to `members`,
and which vendor shapes (scim-wire A.3.3) it carries.

One pass over the operations, no validation: ops arrive capitalised (Entra legacy), with
string booleans, no-path values with dotted keys, removes that carry a value. Anything that is
not the shape we look for is skipped, so a malformed body yields an empty reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.classify import shapes
from monitor.events import Quirk

__all__ = ["PatchReading", "read_patch"]

_MERGE_OPS = frozenset({"add", "replace"})


@dataclass(slots=True)
class PatchReading:
    """What one PATCH request asks for, as far as lifecycle, membership and quirks go."""

    quirks: set[Quirk] = field(default_factory=set)
    active: bool | None = None  # the last value given to `active`, if any
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] | None = None

    def add_members(self, ids: list[str]) -> None:
        (self.added if self.replaced is None else self.replaced).extend(ids)

    def remove_members(self, ids: list[str]) -> None:
        if self.replaced is None:
            self.removed.extend(ids)
        else:
            gone = set(ids)
            self.replaced = [member for member in self.replaced if member not in gone]

    def replace_members(self, ids: list[str]) -> None:
        """A full list wins over earlier deltas; later ones apply to it."""
        self.replaced = ids
        self.added.clear()
        self.removed.clear()


def read_patch(body: object) -> PatchReading:
    """Read the `Operations` of a PatchOp body; a body of any other shape reads as empty."""
    reading = PatchReading()
    if not isinstance(body, dict):
        return reading
    ops = body.get("Operations", body.get("operations"))
    if isinstance(ops, list):
        for op in ops:
            if isinstance(op, dict):
                _read_op(reading, op)
    return reading


def _read_op(reading: PatchReading, op: dict[str, object]) -> None:
    raw = op.get("op")
    if not isinstance(raw, str):
        return
    name = raw.lower()
    if raw != name:
        reading.quirks.add(Quirk.CAPITALIZED_OP)
    value = op.get("value")
    if name == "remove" and value is not None:
        reading.quirks.add(Quirk.REMOVE_WITH_VALUE)
    path = op.get("path")
    if isinstance(path, str) and path.strip():
        _read_path_op(reading, name, path, value)
    elif (path is None or isinstance(path, str)) and name in _MERGE_OPS and isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _read_value_key(reading, name, key, item)


def _read_path_op(reading: PatchReading, name: str, path: str, value: object) -> None:
    attr = shapes.attribute(path)
    if "[" in attr:
        reading.quirks.add(Quirk.VALUE_FILTER_PATH)
        if name == "remove" and attr.startswith("members["):
            reading.remove_members(shapes.filter_member_ids(path))
        if attr.endswith(".primary"):
            _read_boolean(reading, value)
    elif attr == "active":
        _read_active(reading, value)
    elif attr == "members":
        _read_members(reading, name, value)
    elif shapes.is_manager_string(attr, value):
        reading.quirks.add(Quirk.MANAGER_STRING)


def _read_value_key(reading: PatchReading, name: str, key: str, item: object) -> None:
    """One key of a no-path add/replace value: a partial resource keyed by attribute path."""
    if shapes.is_dotted_key(key):
        reading.quirks.add(Quirk.DOTTED_KEY_NO_PATH)
    attr = shapes.attribute(key)
    if attr == "active":
        _read_active(reading, item)
    elif attr == "members":
        _read_members(reading, name, item)
    elif attr == "id" and name == "replace":
        reading.quirks.add(Quirk.READONLY_ID_IN_VALUE)
    elif shapes.is_manager_string(attr, item):
        reading.quirks.add(Quirk.MANAGER_STRING)


def _read_members(reading: PatchReading, name: str, value: object) -> None:
    """`members` as a whole: add appends, replace sets the list, remove without value clears it.

    Entra's legacy member removal and JumpCloud put the ids in a remove's `value`.
    A no-path replace carrying `members` replaces the list too (RFC 7644 section 3.5.2.3).
    """
    if name == "add":
        reading.add_members(shapes.member_ids(value))
    elif name == "replace":
        reading.replace_members(shapes.member_ids(value) if value is not None else [])
    elif name == "remove":
        if value is None:
            reading.replace_members([])
        else:
            reading.remove_members(shapes.member_ids(value))


def _read_active(reading: PatchReading, value: object) -> None:
    active = _read_boolean(reading, value)
    if active is not None:
        reading.active = active


def _read_boolean(reading: PatchReading, value: object) -> bool | None:
    """A boolean attribute's value; one spelled as a string is Entra's quirk (`"False"`)."""
    parsed = shapes.as_bool(value)
    if parsed is not None and isinstance(value, str):
        reading.quirks.add(Quirk.STRING_BOOLEAN)
    return parsed
