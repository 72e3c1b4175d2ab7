"""start_at="end" skips what the file held when tailing began, never a line written after."""

from __future__ import annotations

from pathlib import Path

from tail_util import append, read_all

from collectors.file_tail import FileTail


def test_existing_lines_are_skipped(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"history-1\nhistory-2\n")
    tail = FileTail(log, start_at="end")

    chunk = tail.read()
    assert chunk is not None
    assert (chunk.lines, chunk.checkpoint["offset"]) == ([], log.stat().st_size)
    append(log, b"live\n")
    assert read_all(tail) == [b"live"]
    tail.close()


def test_a_line_half_written_before_the_start_is_skipped_whole(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"history\nhalf-")
    tail = FileTail(log, start_at="end")
    assert read_all(tail) == []

    append(log, b"written\nlive\n")
    chunks = [tail.read(), tail.read()]
    assert [c.lines for c in chunks if c] == [[b"live"]]
    assert sum(c.oversized for c in chunks if c) == 0
    tail.close()


def test_the_start_position_is_committed_so_a_restart_loses_nothing(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"history\n")
    tail = FileTail(log, start_at="end")
    start = tail.read()
    assert start is not None
    tail.close()

    append(log, b"while-down\n")
    fresh = FileTail(log, start_at="end")
    fresh.restore(start.checkpoint)
    assert read_all(fresh) == [b"while-down"]
    fresh.close()
