"""Random appends, polls, rotations, truncations and restarts: every line comes exactly once.

The writer appends whole and partial lines; the tailer is polled at random points, restarted from
its last committed checkpoint (sometimes after a chunk it handed out was never committed), and the
file is rotated by rename + create or by copytruncate. Each line starts with a unique sequence
number, so a truncated file regrown before a poll never shows the head it had (see the module
docstring of `collectors.file_tail`: a head that repeats exactly looks like an append).

What the tailer must return: every line written, in order, exactly once, oversized lines counted
instead of returned, except for copytruncate's inherent loss, which is exactly the lines appended
after the tailer's last read and before the truncation. The writer finishes its current line
before any rotation, as line-buffered loggers do.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.file_tail import FileTail


class Writer:
    """An application appending lines through one O_APPEND descriptor."""

    def __init__(self, path: Path, bodies: list[tuple[bytes, bool]]) -> None:
        self.path, self.bodies = path, bodies
        self.fh = path.open("ab", buffering=0)
        self.lines: list[bytes] = []  # each line as written, without its "\n"
        self.lost: set[int] = set()
        self.unwritten = b""  # the rest of the current line

    def _next_line(self) -> None:
        body, crlf = self.bodies[len(self.lines) % len(self.bodies)]
        line = b"%d:" % len(self.lines) + body + (b"\r" if crlf else b"")
        self.lines.append(line)
        self.unwritten = line + b"\n"

    def write(self, size: int) -> None:
        while size > 0:
            if not self.unwritten:
                self._next_line()
            part, self.unwritten = self.unwritten[:size], self.unwritten[size:]
            self.fh.write(part)
            size -= len(part)

    def finish_line(self) -> None:
        self.fh.write(self.unwritten)
        self.unwritten = b""

    def write_lines(self, count: int) -> list[int]:
        first = len(self.lines)
        for _ in range(count):
            self._next_line()
            self.finish_line()
        return list(range(first, len(self.lines)))

    def reopen(self) -> None:
        self.fh.close()
        self.fh = self.path.open("ab", buffering=0)


class Collector:
    """Commits each chunk's lines with its checkpoint, as the real collector does."""

    def __init__(self, path: Path, max_line: int, max_chunk: int) -> None:
        self.path, self.max_line, self.max_chunk = path, max_line, max_chunk
        self.tail = self._new_tail()
        self.lines: list[bytes] = []
        self.oversized = 0
        self.checkpoint: Any = None

    def poll(self) -> bool:
        chunk = self.tail.read()
        if chunk is None:
            return False
        self.lines += chunk.lines
        self.oversized += chunk.oversized
        self.checkpoint = json.loads(json.dumps(chunk.checkpoint))
        return True

    def drain(self) -> None:
        for _ in range(10_000):
            if not self.poll():
                return
        raise AssertionError("read() never returned None")

    def restart(self, crash: bool) -> None:
        if crash:
            self.tail.read()  # handed out, never committed
        self.tail.close()
        self.tail = self._new_tail()
        self.tail.restore(self.checkpoint)

    def _new_tail(self) -> FileTail:
        return FileTail(self.path, max_line_bytes=self.max_line, max_chunk_bytes=self.max_chunk)


OPS = st.one_of(
    st.tuples(st.just("write"), st.integers(1, 60)),
    st.tuples(st.just("poll"), st.integers(1, 3)),
    st.tuples(st.just("rotate"), st.integers(0, 3)),
    st.tuples(st.just("copytruncate"), st.integers(0, 3)),
    st.tuples(st.just("restart"), st.integers(0, 1)),
)
BODIES = st.lists(
    st.tuples(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), st.booleans()),
    min_size=1,
    max_size=20,
)


def apply(op: str, arg: int, writer: Writer, collector: Collector) -> None:
    rotated = writer.path.with_name(writer.path.name + ".1")
    if op == "write":
        writer.write(arg)
    elif op == "poll":
        for _ in range(arg):
            collector.poll()
    elif op == "restart":
        collector.restart(crash=bool(arg))
    elif op == "rotate":
        writer.finish_line()
        collector.drain()  # one rename per poll cycle at most (see the module's limits)
        os.rename(writer.path, rotated)
        writer.path.touch()
        writer.write_lines(arg)  # still through the old descriptor
        writer.reopen()
    else:
        writer.finish_line()
        collector.drain()
        writer.lost.update(writer.write_lines(arg))  # after the last read: only in the copy
        shutil.copyfile(writer.path, rotated)
        os.truncate(writer.path, 0)


@settings(max_examples=300, deadline=None)
@given(
    ops=st.lists(OPS, max_size=40),
    bodies=BODIES,
    max_line=st.integers(4, 40),
    max_chunk=st.integers(1, 80),
)
def test_every_line_exactly_once_in_order(
    tmp_path_factory: pytest.TempPathFactory,
    ops: list[tuple[str, int]],
    bodies: list[tuple[bytes, bool]],
    max_line: int,
    max_chunk: int,
) -> None:
    path = tmp_path_factory.mktemp("tail") / "app.log"
    path.touch()
    writer = Writer(path, bodies)
    collector = Collector(path, max_line, max_chunk)
    try:
        for op, arg in ops:
            apply(op, arg, writer, collector)
        writer.finish_line()
        collector.drain()
    finally:
        writer.fh.close()
        collector.tail.close()

    kept = [line for i, line in enumerate(writer.lines) if i not in writer.lost]
    expected = [line.removesuffix(b"\r") for line in kept if len(line) <= max_line]
    assert collector.lines == expected
    assert collector.oversized == sum(len(line) > max_line for line in kept)
