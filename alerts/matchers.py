"""Label matchers in Alertmanager's syntax: `name="value"`, `!=`, `=~` and `!~`.

Routes, inhibition rules and silences all select alerts with these, so an operator who knows
`amtool` reads scimwatch's config and CLI without a manual. Regular expressions are anchored,
as in Alertmanager and PromQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Matcher", "MatcherError", "matches_all", "parse_matcher"]

_SYNTAX = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.DOTALL)


class MatcherError(ValueError):
    """A matcher that does not parse; the message says why and quotes the input."""


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    op: str  # = != =~ !~
    value: str

    def __post_init__(self) -> None:
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as err:
                raise MatcherError(f"bad regular expression {self.value!r}: {err}") from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """A missing label matches as the empty string, as in Alertmanager."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = re.fullmatch(self.value, value) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op}{json.dumps(self.value)}"


def parse_matcher(text: str) -> Matcher:
    """`app="crm"`, `severity=~"critical|warning"`; quotes are optional for plain values."""
    found = _SYNTAX.match(text)
    if not found:
        raise MatcherError(f"bad matcher {text!r}: expected name=value, !=, =~ or !~")
    name, op, raw = found.groups()
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise MatcherError(
                f"bad matcher {text!r}: unterminated or invalid quoted value"
            ) from None
        if not isinstance(value, str):
            raise MatcherError(f"bad matcher {text!r}: the value must be a string")
    else:
        if any(ch in raw for ch in '"{}'):
            raise MatcherError(f'bad matcher {text!r}: quote values that contain {{, }} or "')
        value = raw
    return Matcher(name, op, value)


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
