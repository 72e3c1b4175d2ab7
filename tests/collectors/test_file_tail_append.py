"""Appending to a file that never rotates: lines come once, in order, with a usable checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

from tail_util import append, drain

from collectors.file_tail import FileTail


def test_appended_lines_come_in_order_then_none(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"one\ntwo\n")
    tail = FileTail(log)

    first = tail.read()
    assert first is not None
    assert first.lines == [b"one", b"two"]
    assert (first.oversized, first.rotated) == (0, False)
    assert tail.read() is None

    append(log, b"three\n")
    append(log, b"four\n")
    assert [line for chunk in drain(tail) for line in chunk.lines] == [b"three", b"four"]
    assert tail.read() is None
    tail.close()


def test_checkpoint_is_json_and_points_after_the_returned_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"alpha\nbeta\n")
    tail = FileTail(log)

    chunk = tail.read()
    assert chunk is not None
    checkpoint = json.loads(json.dumps(chunk.checkpoint))
    assert checkpoint == chunk.checkpoint
    assert checkpoint["offset"] == len(b"alpha\nbeta\n")
    assert checkpoint["ino"] == log.stat().st_ino
    assert checkpoint["dev"] == log.stat().st_dev
    tail.close()


def test_first_read_of_an_empty_file_reports_the_start_position(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.touch()
    tail = FileTail(log)

    chunk = tail.read()
    assert chunk is not None
    assert chunk.lines == []
    assert chunk.checkpoint["offset"] == 0
    assert tail.read() is None
    tail.close()


def test_close_then_read_continues_where_the_tail_stood(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\nb")
    tail = FileTail(log)
    assert [line for chunk in drain(tail) for line in chunk.lines] == [b"a"]

    tail.close()
    append(log, b"\nc\n")
    assert [line for chunk in drain(tail) for line in chunk.lines] == [b"b", b"c"]
    tail.close()
