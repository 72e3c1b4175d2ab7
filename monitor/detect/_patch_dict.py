"""The dict-based RFC 7644 PATCH engine: the fallback of the scim2-models reference engine.

It applies one single-path operation (see `_patch_ops`) to a plain JSON resource in place, and
answers for every shape scim2-models refuses: attributes no schema declares (custom extensions,
which must survive and be patchable), snapshots a strict model rejects (an `emails.value`
that is not an address, a malformed date), bare-id member removals, unqualified extension
attribute names, and groups too large to validate at each PATCH. Semantics follow scim2-models
where the RFC leaves room (a filtered replace merges into the matched entries, a value marked
primary unmarks the others, an unmatched `eq` filter creates its entry as Entra expects), so
the two engines agree wherever both can answer; `tests/detect` checks that they do.
It never raises: an operation it cannot read changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from monitor.detect._patch_filter import Comparison, describe, matches, parse_filter
from monitor.detect._patch_ops import PatchOperation, fix_quirks
from monitor.detect._patch_paths import ParsedPath, canonical_sub, is_multi_valued, parse_path

__all__ = ["apply_operation", "apply_operations"]

_Json = dict[str, object]
_EMPTY: list[object] = [None, {}, [], ""]  # entries that hold nothing are not added


def apply_operations(
    resource: _Json, operations: Iterable[PatchOperation], urns: Collection[str]
) -> None:
    """Apply read operations in order, their dialect quirks repaired first, in place."""
    for operation in operations:
        apply_operation(resource, fix_quirks(operation), urns)


def apply_operation(resource: _Json, operation: PatchOperation, urns: Collection[str]) -> None:
    """Apply one repaired operation to `resource` (a private plain-JSON copy), in place."""
    parsed = parse_path(operation.path, urns)
    if parsed is None or (operation.op == "remove" and operation.value == []):
        return  # a remove whose value lists what to remove (Entra) and lists nothing
    if parsed.attr is None:
        _whole_extension(resource, parsed, operation)
        return
    holder, holder_key = _holder(resource, parsed, create=operation.op != "remove")
    if holder is None:
        return
    key = _find(holder, parsed.attr) or parsed.attr
    current = holder.get(key)
    if parsed.filter is not None:
        _filtered(holder, key, current, parsed, operation)
    elif _is_multi(parsed, current, operation.value):
        _multi_valued(holder, key, current, parsed.sub, operation)
    elif parsed.sub is not None:
        _sub_attribute(holder, key, current, parsed.sub, operation)
    else:
        _simple(holder, key, current, operation)
    if holder_key is not None and not holder:
        _drop_extension(resource, holder_key)


def _holder(
    resource: _Json, parsed: ParsedPath, *, create: bool
) -> tuple[_Json | None, str | None]:
    """The object holding the attribute, and its key when it is an extension object."""
    if parsed.urn is None:
        assert parsed.attr is not None
        if _find(resource, parsed.attr) is None:
            return _sole_extension_with(resource, parsed.attr)
        return resource, None
    key = _find(resource, parsed.urn)
    found = resource.get(key) if key is not None else None
    if isinstance(found, dict):
        return found, key
    if not create:
        return None, None
    key = key or parsed.urn
    created: _Json = {}
    resource[key] = created
    _list_schema(resource, key)
    return created, key


def _sole_extension_with(resource: _Json, attr: str) -> tuple[_Json, str | None]:
    """Lenient: an unqualified name that only one extension object holds means that one."""
    holders = [
        (value, key)
        for key, value in resource.items()
        if key[:4].lower() == "urn:" and isinstance(value, dict) and _find(value, attr)
    ]
    return holders[0] if len(holders) == 1 else (resource, None)


def _simple(holder: _Json, key: str, current: object, operation: PatchOperation) -> None:
    value = operation.value
    if operation.op == "remove" or (value is None and operation.op == "replace"):
        holder.pop(key, None)
    elif isinstance(current, dict) and isinstance(value, dict):
        _merge(current, value)
    elif value is not None:
        holder[key] = value


def _sub_attribute(
    holder: _Json, key: str, current: object, sub: str, operation: PatchOperation
) -> None:
    """`name.givenName`: the other sub-attributes stay; an emptied complex attribute goes."""
    if operation.op == "remove" or operation.value is None:
        if isinstance(current, dict) and operation.op != "add":
            current.pop(_find(current, sub) or sub, None)
            if not current:
                holder.pop(key, None)
        return
    if not isinstance(current, dict):
        holder[key] = current = {}
    _write_entry(current, sub, operation.value)


def _multi_valued(
    holder: _Json, key: str, current: object, sub: str | None, operation: PatchOperation
) -> None:
    entries = current if isinstance(current, list) else ([] if current is None else [current])
    value = operation.value
    if sub is not None:  # `emails.value` without a filter: every entry
        for entry in entries:
            if isinstance(entry, dict):
                _write_entry(entry, sub, None if operation.op == "remove" else value)
        return
    if operation.op == "remove":
        kept = [] if value is None else [e for e in entries if not _listed(e, value)]
        _store(holder, key, kept)
        return
    given = [g for g in (value if isinstance(value, list) else [value]) if g not in _EMPTY]
    if operation.op == "replace":
        written = list(given)
        _store(holder, key, written)
    else:
        written = []
        for item in given:
            if item not in entries and item not in written:
                written.append(item)
        _store(holder, key, entries + written)
    _settle_primary(holder.get(key), written)


def _filtered(
    holder: _Json, key: str, current: object, parsed: ParsedPath, operation: PatchOperation
) -> None:
    """`emails[type eq "work"].value`: the matching entries; a remove's value is ignored."""
    tree = parse_filter(parsed.filter or "")
    if tree is None:
        return
    entries = current if isinstance(current, list) else ([current] if current else [])
    chosen = [e for e in entries if isinstance(e, dict) and matches(tree, e)]
    if operation.op == "remove" and parsed.sub is None:
        _store(holder, key, [e for e in entries if not any(e is c for c in chosen)])
        return
    if operation.op == "remove":
        for entry in chosen:
            _write_entry(entry, parsed.sub or "", None)
        return
    if not chosen:
        described = describe(tree)
        if described is None:
            return
        chosen = [{canonical_sub(k): v for k, v in described.items()}]
        entries = [*entries, *chosen]
    holder[key] = entries
    for entry in chosen:
        if parsed.sub is not None:
            _write_entry(entry, parsed.sub, operation.value)
        elif isinstance(operation.value, dict):
            _merge(entry, operation.value)
    _settle_primary(entries, chosen)


def _whole_extension(resource: _Json, parsed: ParsedPath, operation: PatchOperation) -> None:
    """A path naming a whole extension: only its removal (or a null replace) means anything
    here, since reading split every add/replace of an extension object into its attributes."""
    key = _find(resource, parsed.urn or "")
    if key is not None and (operation.op == "remove" or operation.value is None):
        _drop_extension(resource, key)


def _write_entry(entry: _Json, sub: str, value: object) -> None:
    key = _find(entry, sub) or canonical_sub(sub)
    existing = entry.get(key)
    if value is None:
        entry.pop(key, None)
    elif isinstance(existing, dict) and isinstance(value, dict):
        _merge(existing, value)
    else:
        entry[key] = value


def _merge(target: _Json, value: _Json) -> None:
    """Write the keys of `value` into `target`; keys it leaves out stay (RFC 7644 3.5.2.3)."""
    for sub, item in value.items():
        _write_entry(target, sub, item)


def _listed(entry: object, value: object) -> bool:
    """Whether a remove's `value` (Entra's legacy member removal) lists this entry: objects
    select by their non-null members, bare ids by `value`."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            wanted = [(k, v) for k, v in item.items() if v is not None]
            if (
                wanted
                and isinstance(entry, dict)
                and all(matches(Comparison(k, "eq", v), entry) for k, v in wanted)
            ):
                return True
        elif item is not None and not isinstance(item, list):
            subject = entry if isinstance(entry, dict) else {"value": entry}
            if matches(Comparison("value", "eq", item), subject):
                return True
    return False


def _settle_primary(entries: object, written: Sequence[object]) -> None:
    """A value just marked primary unmarks the others (RFC 7644 section 3.5.2)."""
    marked = [w for w in written if isinstance(w, dict) and _primary(w)]
    if not marked or not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, dict) and _primary(entry) and not any(entry is m for m in marked):
            entry[_find(entry, "primary") or "primary"] = False


def _primary(entry: _Json) -> bool:
    return matches(Comparison("primary", "eq", True), entry)


def _is_multi(parsed: ParsedPath, current: object, value: object) -> bool:
    assert parsed.attr is not None
    if is_multi_valued(parsed.urn, parsed.attr) or isinstance(current, list):
        return True
    return current is None and isinstance(value, list)


def _store(holder: _Json, key: str, entries: list[object]) -> None:
    if entries:
        holder[key] = entries
    else:
        holder.pop(key, None)


def _drop_extension(resource: _Json, key: str) -> None:
    resource.pop(key, None)
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        resource["schemas"] = [
            s for s in schemas if not (isinstance(s, str) and s.lower() == key.lower())
        ]


def _list_schema(resource: _Json, urn: str) -> None:
    schemas = resource.get("schemas")
    if isinstance(schemas, list) and not any(
        isinstance(s, str) and s.lower() == urn.lower() for s in schemas
    ):
        schemas.append(urn)


def _find(mapping: _Json, name: str) -> str | None:
    """The key spelling `name` in `mapping`, case-insensitively (RFC 7643 section 2.1)."""
    if name in mapping:
        return name
    low = name.lower()
    return next((key for key in mapping if key.lower() == low), None)
