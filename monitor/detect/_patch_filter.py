"""Value filters of PATCH paths (`emails[type eq "work"]`), for the dict-based engine.

RFC 7644 section 3.4.2.2 grammar restricted to what a value path may hold: comparisons on
sub-attributes joined by `and` / `or` / `not ( )`. The scanner is a single linear pass (no
regular expressions, so no backtracking on hostile input) and nesting is capped, so a filter
from a log line can cost neither time nor stack. Strings compare case-insensitively: nearly
every SCIM sub-attribute a filter names (`type`, `value` of emails) has `caseExact: false`,
and a monitor would rather match an entry the server matched than miss it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple, TypeVar, cast

import orjson

__all__ = ["Filter", "describe", "matches", "parse_filter"]

_MAX_DEPTH = 16
_COMPARE = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
_LITERALS: dict[str, object] = {"true": True, "false": False, "null": None}
_STOP = frozenset(' \t\r\n()"')


class Comparison(NamedTuple):
    attr: str
    op: str  # lower case; "pr" compares to nothing
    value: object


class Logical(NamedTuple):
    op: str  # "and" | "or"
    left: Filter
    right: Filter


class Not(NamedTuple):
    inner: Filter


Filter = Comparison | Logical | Not
_Token = tuple[str, object]  # ("word" | "str" | "(" | ")", text or decoded string)
_Operand = Callable[[int], "Filter | None"]  # a parser step taking the nesting depth
_Ordered = TypeVar("_Ordered", str, float)


def parse_filter(text: str) -> Filter | None:
    """The filter tree, or None when the text is not a filter this grammar reads."""
    tokens = _scan(text)
    if not tokens:
        return None
    parser = _Parser(tokens)
    tree = parser.expression(0)
    return tree if tree is not None and parser.done() else None


def matches(tree: Filter, entry: Mapping[str, object]) -> bool:
    if isinstance(tree, Comparison):
        return _compare(tree, _lookup(entry, tree.attr))
    if isinstance(tree, Not):
        return not matches(tree.inner, entry)
    if tree.op == "and":
        return matches(tree.left, entry) and matches(tree.right, entry)
    return matches(tree.left, entry) or matches(tree.right, entry)


def describe(tree: Filter) -> dict[str, object] | None:
    """The entry an `eq` / `and` filter describes (Entra expects it created when none matches)."""
    if isinstance(tree, Comparison):
        plain = tree.op == "eq" and "." not in tree.attr and ":" not in tree.attr
        return {tree.attr: tree.value} if plain else None
    if isinstance(tree, Logical) and tree.op == "and":
        left, right = describe(tree.left), describe(tree.right)
        return None if left is None or right is None else {**left, **right}
    return None


def _scan(text: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char in " \t\r\n":
            index += 1
        elif char in "()":
            tokens.append((char, char))
            index += 1
        elif char == '"':
            end = _string_end(text, index)
            if end < 0:
                return None
            try:
                tokens.append(("str", orjson.loads(text[index : end + 1])))
            except orjson.JSONDecodeError:
                return None
            index = end + 1
        else:
            end = index
            while end < size and text[end] not in _STOP:
                end += 1
            tokens.append(("word", text[index:end]))
            index = end
    return tokens


def _string_end(text: str, start: int) -> int:
    escaped = False
    for index in range(start + 1, len(text)):
        if escaped:
            escaped = False
        elif text[index] == "\\":
            escaped = True
        elif text[index] == '"':
            return index
    return -1


class _Parser:
    """Recursive descent over the tokens: `or` binds looser than `and` (RFC 7644 Table 5)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def done(self) -> bool:
        return self.at == len(self.tokens)

    def expression(self, depth: int) -> Filter | None:
        return self._chain("or", self._conjunction, depth)

    def _conjunction(self, depth: int) -> Filter | None:
        return self._chain("and", self._factor, depth)

    def _chain(self, word: str, operand: _Operand, depth: int) -> Filter | None:
        tree = operand(depth)
        while tree is not None and self._keyword(word):
            right = operand(depth)
            tree = None if right is None else Logical(word, tree, right)
        return tree

    def _factor(self, depth: int) -> Filter | None:
        if depth > _MAX_DEPTH:
            return None
        negate = self._keyword("not")
        if self._take("("):
            inner = self.expression(depth + 1)
            tree = inner if inner is not None and self._take(")") else None
        else:
            tree = None if negate else self._comparison()
        return Not(tree) if negate and tree is not None else tree

    def _comparison(self) -> Comparison | None:
        attr, op = self._word(), self._word()
        if attr is None or op is None:
            return None
        op = op.lower()
        if op == "pr":
            return Comparison(attr, op, None)
        if op not in _COMPARE or self.done():
            return None
        kind, raw = self.tokens[self.at]
        self.at += 1
        if kind == "str":
            return Comparison(attr, op, raw)
        value = _literal(str(raw)) if kind == "word" else _NOTHING
        return None if value is _NOTHING else Comparison(attr, op, value)

    def _word(self) -> str | None:
        if self.done() or self.tokens[self.at][0] != "word":
            return None
        self.at += 1
        return str(self.tokens[self.at - 1][1])

    def _keyword(self, word: str) -> bool:
        if self.done() or self.tokens[self.at][0] != "word":
            return False
        if str(self.tokens[self.at][1]).lower() != word:
            return False
        self.at += 1
        return True

    def _take(self, kind: str) -> bool:
        if self.done() or self.tokens[self.at][0] != kind:
            return False
        self.at += 1
        return True


_NOTHING = object()


def _literal(word: str) -> object:
    low = word.lower()
    if low in _LITERALS:
        return _LITERALS[low]
    try:
        return int(word)
    except ValueError:
        pass
    try:
        return float(word)
    except ValueError:
        return _NOTHING


def _lookup(entry: Mapping[str, object], attr: str) -> object:
    if attr in entry:
        return entry[attr]
    low = attr.lower()
    for key, value in entry.items():
        if isinstance(key, str) and key.lower() == low:
            return value
    return None


def _compare(test: Comparison, actual: object) -> bool:
    if test.op == "pr":
        return actual is not None and actual != "" and actual != [] and actual != {}
    if actual is None:
        return test.op == "ne" and test.value is not None
    left, right = _comparable(actual, test.value), _comparable(test.value, actual)
    if test.op in ("eq", "ne"):
        return (left == right) == (test.op == "eq")
    if isinstance(left, str) and isinstance(right, str):
        return _compare_strings(test.op, left, right)
    if _is_number(left) and _is_number(right):
        return _order(test.op, cast(float, left), cast(float, right))  # int compares exactly
    return False


def _compare_strings(op: str, left: str, right: str) -> bool:
    if op == "co":
        return right in left
    if op == "sw":
        return left.startswith(right)
    if op == "ew":
        return left.endswith(right)
    return _order(op, left, right)


def _order(op: str, left: _Ordered, right: _Ordered) -> bool:
    if op == "gt":
        return left > right
    if op == "ge":
        return left >= right
    if op == "lt":
        return left < right
    return op == "le" and left <= right


def _comparable(value: object, other: object) -> object:
    """Case-folded strings; a string boolean compared to a boolean reads as one (Entra)."""
    if isinstance(value, str):
        if isinstance(other, bool):
            return _LITERALS.get(value.lower(), value)
        return value.casefold()
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
