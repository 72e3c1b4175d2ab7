"""Attribute-level facts about SCIM values, shared by the PATCH reader and the body reader.

Everything takes raw JSON values and answers without raising: IdPs send strings where RFC 7643
wants booleans, bare ids where it wants objects, objects where it wants lists.
"""

from __future__ import annotations

import re

__all__ = [
    "ADSCIM_GROUP_URN",
    "ENTERPRISE_URN",
    "as_bool",
    "attribute",
    "filter_member_ids",
    "is_dotted_key",
    "is_manager_string",
    "member_ids",
]

ADSCIM_GROUP_URN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"  # lower case
_CORE_PREFIX = "urn:ietf:params:scim:schemas:core:2.0:"
_MANAGER_PATHS = frozenset({"manager", ENTERPRISE_URN + ":manager"})
_BOOLEANS = {"true": True, "false": False}
# Linear: every quantifier is followed by a literal the repeated class cannot match.
_VALUE_EQ = re.compile(r'value\s+eq\s+"((?:[^"\\]|\\.)*)"', re.IGNORECASE)
_VERSION_CHARS = frozenset("0123456789.")


def as_bool(value: object) -> bool | None:
    """A JSON boolean, or a string spelling one in any case; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOLEANS.get(value.lower())
    return None


def attribute(path: str) -> str:
    """Lower-cased attribute path with any core schema URN prefix (`...:2.0:User:`) removed."""
    lowered = path.strip().lower()
    if lowered.startswith(_CORE_PREFIX):
        _, colon, rest = lowered[len(_CORE_PREFIX) :].partition(":")
        if colon:
            return rest
    return lowered


def is_manager_string(attr: str, value: object) -> bool:
    """Whether `value` at lower-cased `attr` gives the enterprise `manager` as a bare string
    (Entra), directly or inside the extension object; RFC 7643 makes it {value, $ref}."""
    if attr == ENTERPRISE_URN and isinstance(value, dict):
        value = value.get("manager")
    elif attr not in _MANAGER_PATHS:
        return False
    return isinstance(value, str)


def member_ids(value: object) -> list[str]:
    """Member ids from a `members` value: a list of {value} objects, bare ids, or one object."""
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        member = item.get("value") if isinstance(item, dict) else item
        if isinstance(member, str) and member:
            ids.append(member)
    return ids


def filter_member_ids(path: str) -> list[str]:
    """Ids named by `members[value eq "a" or value eq "b"]`; none when a sub-attribute follows."""
    path = path.strip()
    if not path.endswith("]"):
        return []
    return [m.group(1).replace('\\"', '"') for m in _VALUE_EQ.finditer(path)]


def is_dotted_key(key: str) -> bool:
    """Whether a no-path value key is a dotted sub-attribute path (`name.familyName`).

    A schema URN carries dots in its version (`...:enterprise:2.0:User`), so for `urn:` keys
    only the part after the last colon, the attribute path, counts, and a trailing version
    segment (`urn:acme:scim:1.0`, `...:v2.1`) is not an attribute path at all.
    """
    if "." not in key:
        return False
    if key[:4].lower() != "urn:":
        return True
    tail = key.rpartition(":")[2]
    if tail[:1] in ("v", "V"):
        tail = tail[1:]
    return "." in tail and not _VERSION_CHARS.issuperset(tail)
