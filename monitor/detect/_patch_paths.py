"""SCIM attribute names and PATCH paths, in the notation the detection contract reports.

The vocabulary (canonical spelling, which attributes are multi-valued or complex) is read from
the scim2-models resource classes once at import, so it cannot drift from the models the
reference engine validates with. Names compare case-insensitively (RFC 7643 section 2.1);
names no schema declares (custom attributes, custom extension URNs) keep the spelling they
arrived with. Parsing is a hand-written split, not a grammar: it must accept whatever a service
provider answered 2xx to, and it runs on every PATCH a snapshot exists for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from scim2_models import EnterpriseUser, Group, User
from scim2_models.base import BaseModel

__all__ = [
    "ENTERPRISE_URN",
    "IGNORED",
    "ParsedPath",
    "canonical_attr",
    "canonical_sub",
    "canonical_urn",
    "is_core_urn",
    "is_extension_key",
    "is_multi_valued",
    "known_urns",
    "notation",
    "parse_path",
]

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_CORE_URNS = frozenset(
    {"urn:ietf:params:scim:schemas:core:2.0:user", "urn:ietf:params:scim:schemas:core:2.0:group"}
)
# Not attributes of the resource's content: the envelope, server bookkeeping, a write-only secret.
IGNORED = frozenset(
    {"schemas", "meta", "id", "password", "groups"}
)  # groups: readOnly, often omitted


def _vocabulary(*models: Any) -> tuple[dict[str, str], set[str], dict[str, str]]:
    """Canonical names (by lower-case name), multi-valued names (lower) and sub-attribute names."""
    names: dict[str, str] = {}
    multi: set[str] = set()
    subs: dict[str, str] = {}
    for model in models:
        for field_name, info in model.model_fields.items():
            name = info.serialization_alias or field_name
            names[name.lower()] = name
            if model.get_field_multiplicity(field_name):
                multi.add(name.lower())
            root = model.get_field_root_type(field_name)
            if isinstance(root, type) and issubclass(root, BaseModel):
                for sub_name, sub_info in root.model_fields.items():
                    sub = sub_info.serialization_alias or sub_name
                    subs[sub.lower()] = sub
    return names, multi, subs


_CORE_NAMES, _CORE_MULTI, _CORE_SUBS = _vocabulary(User, Group)
_ENTERPRISE_NAMES, _ENTERPRISE_MULTI, _ENTERPRISE_SUBS = _vocabulary(EnterpriseUser)
_SUB_NAMES = {**_CORE_SUBS, **_ENTERPRISE_SUBS}
_KNOWN_URNS = {ENTERPRISE_URN.lower(): ENTERPRISE_URN}


class ParsedPath(NamedTuple):
    """One PATCH path: `urn:attr[filter].sub`, names canonical where a schema declares them.

    `attr` is None when the path names a whole extension (`urn:...:enterprise:2.0:User`);
    `urn` is None for core attributes (a core schema URN prefix is dropped).
    """

    urn: str | None
    attr: str | None
    filter: str | None
    sub: str | None


def canonical_urn(urn: str) -> str:
    return _KNOWN_URNS.get(urn.lower(), urn)


def canonical_attr(urn: str | None, attr: str) -> str:
    if urn is None:
        return _CORE_NAMES.get(attr.lower(), attr)
    if urn.lower() == ENTERPRISE_URN.lower():
        return _ENTERPRISE_NAMES.get(attr.lower(), attr)
    return attr


def canonical_sub(sub: str) -> str:
    return _SUB_NAMES.get(sub.lower(), sub)


def is_core_urn(text: str) -> bool:
    return text.lower() in _CORE_URNS


def is_multi_valued(urn: str | None, attr: str) -> bool:
    """Whether a schema declares the attribute multi-valued (custom ones are judged by value)."""
    if urn is None:
        return attr.lower() in _CORE_MULTI
    return urn.lower() == ENTERPRISE_URN.lower() and attr.lower() in _ENTERPRISE_MULTI


def is_extension_key(key: str, urns: Collection[str]) -> bool:
    """Whether a value key (or a path) names a whole schema extension rather than an attribute.

    `urns` holds the lower-case URNs the resource is known to carry; an unknown URN counts when
    its last segment is capitalised, as schema URNs end in a resource type (`...:1.0:User`)
    while attribute names are camelCase.
    """
    low = key.lower()
    if low in urns or low in _KNOWN_URNS or low in _CORE_URNS:
        return True
    if _longest_prefix(low, urns) is not None:
        return False
    return low.startswith("urn:") and key.rpartition(":")[2][:1].isupper()


def known_urns(resource: Mapping[str, object]) -> frozenset[str]:
    """Lower-case extension URNs a representation carries, as keys or in `schemas`."""
    urns = {key.lower() for key in resource if isinstance(key, str) and key[:4].lower() == "urn:"}
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        urns.update(item.lower() for item in schemas if isinstance(item, str))
    urns.update(_KNOWN_URNS)
    return frozenset(urns - _CORE_URNS)


def notation(urn: str | None, attr: str, sub: str | None = None) -> str:
    """`attr`, `attr.sub` or `urn:attr[.sub]`: the contract's attribute path notation."""
    base = attr if urn is None else f"{urn}:{attr}"
    return base if sub is None else f"{base}.{sub}"


def parse_path(path: str, urns: Collection[str] = ()) -> ParsedPath | None:
    """Split a PATCH path; None when it has no attribute name or an unbalanced filter."""
    text = path.strip()
    head, value_filter, sub = _split_filter(text)
    if head is None:
        return None
    low = head.lower()
    if value_filter is None and is_extension_key(head, urns) and low not in _CORE_URNS:
        return ParsedPath(canonical_urn(head), None, None, None)
    urn, rest = _split_urn(head, urns)
    if value_filter is None:
        rest, _, dotted = rest.partition(".")
        sub = dotted or None
    if not rest:
        return None
    return ParsedPath(
        urn,
        canonical_attr(urn, rest),
        value_filter,
        None if sub is None else canonical_sub(sub),
    )


def _split_filter(text: str) -> tuple[str | None, str | None, str | None]:
    """`attr[filter].sub` -> (attr, filter, sub); (None, ...) when the brackets do not close."""
    start = text.find("[")
    if start < 0:
        return text, None, None
    end = _closing_bracket(text, start)
    if end < 0:
        return None, None, None
    tail = text[end + 1 :]
    if tail and not tail.startswith("."):
        return None, None, None
    return text[:start], text[start + 1 : end], tail[1:] or None


def _closing_bracket(text: str, start: int) -> int:
    """Index of the `]` closing the filter opened at `start`, skipping quoted strings."""
    quoted = escaped = False
    for index in range(start + 1, len(text)):
        char = text[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = quoted
        elif char == '"':
            quoted = not quoted
        elif char == "]" and not quoted:
            return index
    return -1


def _split_urn(head: str, urns: Collection[str]) -> tuple[str | None, str]:
    """(extension URN or None, attribute part); a core schema URN prefix is dropped."""
    low = head.lower()
    if not low.startswith("urn:"):
        return None, head
    known = _longest_prefix(low, urns)
    if known is not None:
        return _extension(head[:known]), head[known + 1 :]
    urn, _, rest = head.rpartition(":")
    return _extension(urn), rest


def _longest_prefix(low: str, urns: Collection[str]) -> int | None:
    """Length of the longest known URN that `low` continues with `:attr`, if any."""
    best: int | None = None
    for urn in (*urns, *_KNOWN_URNS, *_CORE_URNS):
        if low.startswith(urn) and low[len(urn) : len(urn) + 1] == ":":
            best = max(best or 0, len(urn))
    return best


def _extension(urn: str) -> str | None:
    return None if urn.lower() in _CORE_URNS else canonical_urn(urn)
