"""logrotate's default (rename + create): the old file is drained before the new one is read."""

from __future__ import annotations

import os
from pathlib import Path

from tail_util import drain, lines_of

from collectors.file_tail import FileTail


def test_lines_written_to_the_old_file_after_the_rename_come_first(tmp_path: Path) -> None:
    log, rotated = tmp_path / "app.log", tmp_path / "app.log.1"
    log.write_bytes(b"old-1\n")
    tail = FileTail(log)
    assert lines_of(drain(tail)) == [b"old-1"]

    with log.open("ab") as writer:  # the application's descriptor survives the rename
        os.rename(log, rotated)
        log.write_bytes(b"new-1\n")
        writer.write(b"old-2\n")
        writer.flush()
        first = tail.read()
        writer.write(b"old-3\n")

    assert first is not None
    assert (first.lines, first.rotated) == ([b"old-2"], False)
    rest = drain(tail)
    assert lines_of(rest) == [b"old-3", b"new-1"]
    assert rest[-1].rotated
    assert rest[-1].checkpoint["ino"] == log.stat().st_ino
    assert rest[-1].checkpoint["offset"] == len(b"new-1\n")
    tail.close()


def test_unterminated_last_line_of_the_old_file_is_returned_on_switch(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"whole\ncut-off\r")
    tail = FileTail(log)
    assert lines_of(drain(tail)) == [b"whole"]

    os.rename(log, tmp_path / "app.log.1")
    log.write_bytes(b"fresh\n")
    assert lines_of(drain(tail)) == [b"cut-off", b"fresh"]
    tail.close()


def test_waits_on_the_old_file_until_the_new_one_is_created(tmp_path: Path) -> None:
    log, rotated = tmp_path / "app.log", tmp_path / "app.log.1"
    log.write_bytes(b"a\n")
    tail = FileTail(log)
    assert lines_of(drain(tail)) == [b"a"]

    os.rename(log, rotated)
    with rotated.open("ab") as writer:
        writer.write(b"b\n")
    assert lines_of(drain(tail)) == [b"b"]
    assert tail.read() is None

    log.write_bytes(b"c\n")
    assert lines_of(drain(tail)) == [b"c"]
    tail.close()


def test_empty_new_file_still_moves_the_checkpoint(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    tail = FileTail(log)
    drain(tail)

    os.rename(log, tmp_path / "app.log.1")
    log.touch()
    chunk = tail.read()
    assert chunk is not None
    assert (chunk.lines, chunk.rotated) == ([], True)
    assert (chunk.checkpoint["ino"], chunk.checkpoint["offset"]) == (log.stat().st_ino, 0)
    assert tail.read() is None
    tail.close()


def test_removed_file_is_closed_once_drained_and_a_new_one_read_from_zero(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    tail = FileTail(log, start_at="end")
    drain(tail)

    with log.open("ab") as writer:
        log.unlink()
        writer.write(b"b\nlast")
    assert lines_of(drain(tail)) == [b"b", b"last"]
    assert tail.read() is None

    log.write_bytes(b"c\n")
    assert lines_of(drain(tail)) == [b"c"]
    tail.close()
