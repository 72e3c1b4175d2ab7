"""Reading a PatchOp body into single-path operations, in every IdP dialect.

A no-path `add`/`replace` (Okta's deactivation, Entra's flagged mode) is split into one
operation per key, and an extension object into one per extension attribute. RFC 7644 section
3.5.2 gives a no-path value exactly the meaning of the same writes made key by key (attributes
left out stay, sub-attributes left out stay), so after the split both engines and the target
list deal with paths only, and a dotted key (`"name.familyName"`) or an extension attribute URN
key is simply a path. The readOnly `id` and `meta` Okta repeats in rename values are dropped
here: servers ignore them, and a reference engine that refused them would refuse the whole op.

Quirk repairs (`fix_quirks`) are kept apart from reading because the target list must see
what was sent: Entra's bare-string manager replaces the whole `manager`, display name included,
while the repaired `{"value": id}` would read as a write of `manager.value` alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import NamedTuple

import orjson

from monitor.detect._patch_paths import (
    canonical_sub,
    is_extension_key,
    is_multi_valued,
    notation,
    parse_path,
)

__all__ = ["PatchOperation", "fix_quirks", "plain", "read_operations", "targets"]

_OPS = frozenset({"add", "replace", "remove"})
_BOOLEANS = frozenset({"active", "primary"})
_STRING_BOOLEANS = {"true": True, "false": False}
_MAX_DEPTH = 64


class PatchOperation(NamedTuple):
    """One operation with a path; `op` is lower case, `value` plain JSON (a private copy)."""

    op: str
    path: str
    value: object = None


def read_operations(body: object, urns: Collection[str]) -> list[PatchOperation] | None:
    """The operations of a PatchOp body (a JSON value or a string holding one); None when
    the body has no `Operations` list. Operations that cannot mean anything are skipped."""
    if isinstance(body, str | bytes):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    operations = _get(body, "operations") if isinstance(body, Mapping) else None
    if not isinstance(operations, list):
        return None
    read: list[PatchOperation] = []
    for raw in operations:
        if isinstance(raw, Mapping):
            read.extend(_read(raw, urns))
    return read


def fix_quirks(operation: PatchOperation) -> PatchOperation:
    """Repair the dialect shapes no engine should have to know: Entra's bare-string manager and
    string booleans (`"False"`), at the path or inside the value's entries."""
    parsed = parse_path(operation.path)
    if parsed is None or parsed.attr is None:
        return operation
    value = operation.value
    leaf = (parsed.sub or parsed.attr).lower()
    if leaf == "manager" and isinstance(value, str):
        value = {"value": value} if value else None
    elif leaf in _BOOLEANS:
        value = _boolean(value)
    else:
        value = _entry_booleans(value)
    return operation._replace(value=value)


def targets(operation: PatchOperation, urns: Collection[str]) -> set[str]:
    """The attribute paths an operation names: a multi-valued attribute as a whole, a complex
    one by the sub-attributes its value lists, a whole extension by its URN."""
    parsed = parse_path(operation.path, urns)
    if parsed is None:
        head = operation.path.partition("[")[0].strip()
        return {head} if head else set()
    if parsed.attr is None:
        return {parsed.urn} if parsed.urn else set()
    value = operation.value
    whole = notation(parsed.urn, parsed.attr)
    if (
        parsed.filter is not None
        or is_multi_valued(parsed.urn, parsed.attr)
        or isinstance(value, list)
    ):
        return {whole}
    if parsed.sub is not None:
        return {notation(parsed.urn, parsed.attr, parsed.sub)}
    if operation.op != "remove" and isinstance(value, dict) and value:
        return {notation(parsed.urn, parsed.attr, canonical_sub(key)) for key in value}
    return {whole}


def plain(value: object, depth: int = 0) -> object:
    """A private copy of a JSON value: mappings become dicts (string keys only), sequences
    lists; anything deeper than a SCIM resource can be is cut off."""
    if isinstance(value, Mapping):
        if depth >= _MAX_DEPTH:
            return {}
        return {k: plain(v, depth + 1) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, list | tuple):
        return [plain(item, depth + 1) for item in value] if depth < _MAX_DEPTH else []
    if value is None or isinstance(value, str | int | float):
        return value
    return None


def _read(raw: Mapping[object, object], urns: Collection[str]) -> Iterator[PatchOperation]:
    name = _get(raw, "op")
    path = _get(raw, "path")
    if not isinstance(name, str) or name.strip().lower() not in _OPS:
        return
    if path is not None and not isinstance(path, str):
        return
    op, path = name.strip().lower(), (path or "").strip()
    value = plain(_get(raw, "value"))
    if not path:
        if op != "remove" and isinstance(value, dict):
            yield from _split(op, "", value, urns)
    elif op != "remove" and isinstance(value, dict) and is_extension_key(path, urns):
        yield from _split(op, path + ":", value, urns)
    elif not _read_only(path):
        yield PatchOperation(op, path, value)


def _split(
    op: str, prefix: str, value: dict[str, object], urns: Collection[str]
) -> Iterator[PatchOperation]:
    """One operation per key of a value object; an extension object nested in it is split too."""
    for key, item in value.items():
        path = prefix + key.strip()
        if not key.strip() or key.strip().lower() == "schemas" or _read_only(path):
            continue
        if not prefix and isinstance(item, dict) and is_extension_key(key, urns):
            yield from _split(op, path + ":", item, urns)
        else:
            yield PatchOperation(op, path, item)


def _read_only(path: str) -> bool:
    parsed = parse_path(path)
    return parsed is not None and parsed.urn is None and parsed.attr in ("id", "meta")


def _get(mapping: Mapping[object, object], name: str) -> object:
    """A member by name, case-insensitively (`Operations`, `operations`, `Op`)."""
    if name in mapping:
        return mapping[name]
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name:
            return value
    return None


def _boolean(value: object) -> object:
    if isinstance(value, str):
        return _STRING_BOOLEANS.get(value.strip().lower(), value)
    return value


def _entry_booleans(value: object) -> object:
    """`{"primary": "true"}` in an entry, or in each entry of a list, becomes a boolean."""
    if isinstance(value, list):
        return [_entry_booleans(item) if isinstance(item, dict) else item for item in value]
    if isinstance(value, dict):
        return {k: _boolean(v) if k.lower() in _BOOLEANS else v for k, v in value.items()}
    return value
