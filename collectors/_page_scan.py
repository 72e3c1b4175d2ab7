"""Where the records of a large page file lie, found before they are read.

A page file (an Okta array, a Graph `{"value": [...]}`, a Google `{"items": [...]}`) is one
JSON document, and an export can hold a tenant's whole history in one. Parsed whole it costs
about seven times its size in memory, so a large one is read a range of records at a time
(`collectors._page_stream`). That needs byte offsets, which streaming JSON parsers do not
report, and which let a newest-first page be read from its end. The scan reads the file in
blocks and keeps only the offsets of every `every`-th separator of the record list. The
record list itself is walked one record per step with the standard library's C decoder
(`raw_decode` gives where each record ends, about 15 times faster than walking tokens in
Python); the few tokens before and after it (`@odata.context`, `kind`, next links) are walked
with one regular expression, a whole string per match.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["MAX_RECORD", "ListScan", "split_items"]

# A string (an unterminated one runs to the end of the text, without group 1), or one
# structural character.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(")?|[\[\]{},:]', re.DOTALL)
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODE = json.JSONDecoder().raw_decode
_PAIRS = {"[": "]", "{": "}"}
_LIST_KEYS = frozenset({'"value"', '"items"'})
MAX_RECORD = 16 << 20  # characters of one unfinished record or string before the scan gives up


def _utf8() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")()


@dataclass
class ListScan:
    """Fed a document block by block (`feed`, then `end`), finds its record list (a top-level
    array, or the `value` / `items` array of a top-level object) and cuts it into ranges of
    at most `every` records: `ranges` holds (start, end) byte offsets whose bytes, wrapped in
    brackets, are a JSON array. `ok` is False when the document has no such list, a record
    in it is not JSON, its brackets do not match, or anything follows its end: the whole
    page is then rejected, as a parser reading it whole would reject it."""

    every: int
    ranges: list[tuple[int, int]] = field(default_factory=list)
    ok: bool = False
    _decoder: codecs.IncrementalDecoder = field(default_factory=_utf8)
    _carry: str = ""  # text not scanned yet: an unfinished record or string
    _base: int = 0  # byte offset of `_carry`'s first character
    _stack: list[str] = field(default_factory=list)  # the open brackets
    _list_depth: int = 0  # depth inside the record list; 0 until it is found
    _in_list: bool = False
    _want_record: bool = True  # after the list's `[` or a `,`
    _records: int = 0
    _start: int = -1  # byte offset where the open range begins
    _count: int = 0  # separators in the open range
    _key: str | None = None  # the last string at depth 1 of a top-level object
    _after_colon: bool = False
    _closed: bool = False  # the record list's closing bracket was seen
    _ended: bool = False  # the document's last bracket was seen
    _failed: bool = False

    def feed(self, block: bytes, *, final: bool = False) -> None:
        if self._failed:
            return
        try:
            text = self._carry + self._decoder.decode(block, final)
        except UnicodeDecodeError:
            self._failed = True
            return
        done = self._scan(text, final)
        self._base += _byte_length(text[:done])
        self._carry = text[done:]
        if len(self._carry) > MAX_RECORD:  # would rescan a growing tail: quadratic
            self._failed = True

    def end(self) -> None:
        """No more blocks: good when the list and then the document closed, and nothing
        was left unfinished."""
        self.feed(b"", final=True)
        self.ok = self._closed and self._ended and not self._failed and not self._carry.strip()

    def _offset(self, text: str, index: int) -> int:
        return self._base + _byte_length(text[:index])

    def _scan(self, text: str, final: bool) -> int:
        """Scan from the start of `text`; where the unscanned rest begins."""
        pos = 0
        while not self._failed:
            if self._in_list:
                pos = self._walk_records(text, pos, final)
                if self._in_list:
                    return pos
                continue
            match = _TOKEN.search(text, pos)
            if match is None:
                return len(text)
            if self._ended:
                self._failed = True  # something after the document's end
            elif match.group()[0] != '"':
                self._structure(match.group(), text, match.start())
            elif match.group(1) is None and not final:  # cut by the block's end
                return match.start()
            else:
                self._string(match.group() if len(self._stack) == 1 else "")
            pos = match.end()
        return len(text)

    def _walk_records(self, text: str, pos: int, final: bool) -> int:
        """Records and separators of the list, one per step, until the list closes or the
        text ends; where to go on from."""
        size = len(text)
        while True:
            pos = _skip(text, pos)
            if pos == size:
                return pos
            char = text[pos]
            if char == "]" and (self._records == 0 or not self._want_record):
                self._close_list(text, pos)
                return pos + 1
            if not self._want_record and char == ",":
                self._separator(text, pos)
                pos += 1
                continue
            if not self._want_record:
                self._failed = True
                return pos
            try:
                _, end = _DECODE(text, pos)
            except json.JSONDecodeError:
                self._failed = final  # unfinished unless the file has ended
                return pos
            if end == size and not final:
                return pos  # a number may go on in the next block
            self._want_record, self._records, pos = False, self._records + 1, end

    def _separator(self, text: str, pos: int) -> None:
        self._want_record = True
        self._count += 1
        if self._count == self.every:
            at = self._offset(text, pos)
            self.ranges.append((self._start, at))
            self._start, self._count = at + 1, 0

    def _close_list(self, text: str, pos: int) -> None:
        self.ranges.append((self._start, self._offset(text, pos)))
        self._in_list, self._closed = False, True
        self._stack.pop()
        self._ended = not self._stack

    def _string(self, text: str) -> None:
        if not self._stack:
            self._failed = True  # a bare string is no page
        elif len(self._stack) == 1 and self._list_depth == 0 and not self._after_colon:
            self._key = text
        self._after_colon = False

    def _structure(self, char: str, text: str, pos: int) -> None:
        if char == ":":
            self._after_colon = True
        elif char == ",":
            self._after_colon = False
        elif char in _PAIRS:
            self._open(char, text, pos)
        elif not self._stack or _PAIRS[self._stack.pop()] != char:
            self._failed = True  # closes what was not opened
        else:
            self._after_colon = False
            self._ended = not self._stack
            self._failed = self._ended and not self._closed  # closed without a record list

    def _open(self, char: str, text: str, pos: int) -> None:
        depth = len(self._stack)
        opens_list = (
            self._list_depth == 0
            and char == "["
            and (depth == 0 or (depth == 1 and self._after_colon and self._key in _LIST_KEYS))
        )
        self._stack.append(char)
        self._after_colon = False
        if opens_list:
            self._list_depth, self._in_list = depth + 1, True
            self._start = self._offset(text, pos + 1)


def _skip(text: str, pos: int) -> int:
    """Past the whitespace at `pos`."""
    match = _SPACE.match(text, pos)
    return match.end() if match is not None else pos


def _byte_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def split_items(body: bytes) -> Iterable[bytes]:
    """The records of one range (a list body without its brackets), one by one. A range the
    scan took but orjson refuses whole (`NaN`, a lone surrogate: the standard library's
    decoder is more lenient) is read this way, so each such record costs only itself; text
    that no longer decodes (the file changed) comes back as one item."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        yield body
        return
    pos = _skip(text, 0)
    while pos < len(text):
        try:
            _, end = _DECODE(text, pos)
        except json.JSONDecodeError:
            yield text[pos:].encode()
            return
        yield text[pos:end].encode()
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
