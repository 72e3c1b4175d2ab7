"""PATCH path splitting and value filters of the dict-based engine (RFC 7644 3.4.2.2, 3.5.2)."""

from __future__ import annotations

import pytest

from monitor.detect._patch_filter import describe, matches, parse_filter
from monitor.detect._patch_paths import ParsedPath, parse_path

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:acme:scim:1.0:User"
WORK = {"type": "Work", "value": "Babs@Example.com", "primary": True, "rank": 3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('type eq "work"', True),
        ('TYPE EQ "WORK"', True),
        ('type ne "work"', False),
        ('value co "example"', True),
        ('value sw "babs@"', True),
        ('value ew ".com"', True),
        ('value ew ".org"', False),
        ("primary eq true", True),
        ("primary eq false", False),
        ("rank gt 2", True),
        ("rank ge 3.0", True),
        ("rank lt 3", False),
        ('type gt "a"', True),
        ("display pr", False),
        ("value pr", True),
        ("display eq null", False),
        ('display ne "x"', True),
        ('type eq "home" or type eq "work"', True),
        ('type eq "home" or type eq "work" and primary eq false', False),
        ('(type eq "home" or type eq "work") and primary eq true', True),
        ('not (type eq "home")', True),
        ('not (type eq "work" and rank le 3)', False),
        ('rank eq "3"', False),
    ],
)
def test_patch_filter_matches(text: str, expected: bool) -> None:
    tree = parse_filter(text)
    assert tree is not None
    assert matches(tree, WORK) is expected


def test_patch_filter_string_boolean_entry_and_escaped_quote() -> None:
    entra = {"type": "work", "primary": "True", "display": 'say "hi"'}
    for text in ("primary eq true", r'display eq "say \"hi\""'):
        tree = parse_filter(text)
        assert tree is not None
        assert matches(tree, entra)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "type eq",
        'type eq "work',
        'type xx "work"',
        "type eq work",
        'not type eq "work"',
        '(type eq "work"',
        'type eq "work")',
        'type eq "work" and',
        '"work" eq type',
        r'display eq "\x"',
        "(" * 200 + "type pr" + ")" * 200,
    ],
)
def test_patch_filter_refuses_what_is_not_a_filter(text: str) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ('type eq "work"', {"type": "work"}),
        ('type eq "work" and primary eq true', {"type": "work", "primary": True}),
        ("type eq null", {"type": None}),
        ('type ne "work"', None),
        ('type eq "work" or type eq "home"', None),
        ('not (type eq "work")', None),
        ('name.givenName eq "x"', None),
    ],
)
def test_patch_filter_describes_only_eq_conjunctions(
    text: str, entry: dict[str, object] | None
) -> None:
    tree = parse_filter(text)
    assert tree is not None
    assert describe(tree) == entry


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("title", ParsedPath(None, "title", None, None)),
        ("USERNAME", ParsedPath(None, "userName", None, None)),
        ("name.givenName", ParsedPath(None, "name", None, "givenName")),
        ('emails[type eq "work"].value', ParsedPath(None, "emails", 'type eq "work"', "value")),
        ('members[value eq "a]b"]', ParsedPath(None, "members", 'value eq "a]b"', None)),
        (f"{ENT}:department", ParsedPath(ENT, "department", None, None)),
        (f"{ENT.lower()}:MANAGER.value", ParsedPath(ENT, "manager", None, "value")),
        (ENT, ParsedPath(ENT, None, None, None)),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
            ParsedPath(None, "name", None, "familyName"),
        ),
        (f"{ACME}:badge", ParsedPath(ACME, "badge", None, None)),
        (ACME, ParsedPath(ACME, None, None, None)),
        (
            f'{ACME}:phones[type eq "x:y"].value',
            ParsedPath(ACME, "phones", 'type eq "x:y"', "value"),
        ),
    ],
)
def test_patch_parse_path(path: str, expected: ParsedPath) -> None:
    assert parse_path(path) == expected


def test_patch_parse_path_uses_the_resource_urns() -> None:
    """`urn:acme:1.0:Badge` could be an attribute; the resource carrying it says it is a URN."""
    assert parse_path("urn:acme:1.0:Badge:serial") == ParsedPath(
        "urn:acme:1.0:Badge", "serial", None, None
    )
    assert parse_path("urn:acme:1.0:badge:Serial", {"urn:acme:1.0:badge"}) == ParsedPath(
        "urn:acme:1.0:badge", "Serial", None, None
    )


@pytest.mark.parametrize(
    "path",
    ["", "  ", 'emails[type eq "work"', 'emails[type eq "w"]x', '[type eq "w"]', ".givenName"],
)
def test_patch_parse_path_refuses_malformed_paths(path: str) -> None:
    assert parse_path(path) is None
