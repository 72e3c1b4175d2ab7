"""copytruncate: the same inode shrinks or is rewritten from its start; tailing starts over at 0.

What is lost, precisely: lines appended after the tailer's last read and before the truncation
exist only in the copy (`app.log.1`), which the tailer does not read.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tail_util import read_all

from collectors.file_tail import FileTail


def copytruncate(log: Path) -> None:
    shutil.copyfile(log, log.with_name(log.name + ".1"))
    os.truncate(log, 0)


def test_shrunk_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    with log.open("ab") as writer:  # O_APPEND, as loggers open their files
        writer.write(b"line-1\nline-2\n")
        writer.flush()
        tail = FileTail(log)
        assert read_all(tail) == [b"line-1", b"line-2"]

        copytruncate(log)
        writer.write(b"line-3\n")
        writer.flush()
        chunk = tail.read()

    assert chunk is not None
    assert (chunk.lines, chunk.rotated) == ([b"line-3"], True)
    assert chunk.checkpoint["offset"] == len(b"line-3\n")
    tail.close()


def test_truncated_and_regrown_past_the_old_offset_before_the_next_poll(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"old-1\nold-2\n")
    tail = FileTail(log)
    assert read_all(tail) == [b"old-1", b"old-2"]
    inode = log.stat().st_ino

    copytruncate(log)
    with log.open("ab") as writer:
        writer.write(b"new-1 is longer than everything before\nnew-2\n")
    assert log.stat().st_ino == inode

    assert read_all(tail) == [b"new-1 is longer than everything before", b"new-2"]
    tail.close()


def test_truncated_and_regrown_between_the_head_check_and_the_read(tmp_path: Path) -> None:
    """The race a daemon once lost in CI: the head matched, then the file was truncated and
    rewritten past the old offset before the read. The read started mid-line in the new
    contents (an unreadable line), and the next poll, seeing the new head, read them all
    again: every line after the old offset twice."""
    log = tmp_path / "app.log"
    log.write_bytes(b"old-1\nold-2\n")
    armed: list[bool] = []

    def racing_pread(fd: int, size: int, offset: int) -> bytes:
        if armed and offset > 0:  # the read after the head check, at the old offset
            armed.clear()
            copytruncate(log)
            with log.open("ab") as writer:
                writer.write(b"new-1 is longer than everything before\nnew-2\n")
        return os.pread(fd, size, offset)

    tail = FileTail(log, pread=racing_pread)
    assert read_all(tail) == [b"old-1", b"old-2"]
    armed.append(True)

    assert read_all(tail) == [b"new-1 is longer than everything before", b"new-2"]
    assert not armed  # the race did happen
    with log.open("ab") as writer:
        writer.write(b"new-3\n")
    assert read_all(tail) == [b"new-3"]
    tail.close()


def test_lines_appended_after_the_last_read_and_before_the_truncate_are_lost(
    tmp_path: Path,
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"seen\n")
    tail = FileTail(log)
    assert read_all(tail) == [b"seen"]

    with log.open("ab") as writer:
        writer.write(b"only-in-the-copy\n")
    copytruncate(log)
    with log.open("ab") as writer:
        writer.write(b"after\n")

    assert read_all(tail) == [b"after"]
    assert (tmp_path / "app.log.1").read_bytes() == b"seen\nonly-in-the-copy\n"
    tail.close()


def test_partial_line_before_truncation_is_dropped_not_glued(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\nhalf")
    tail = FileTail(log)
    assert read_all(tail) == [b"a"]

    os.truncate(log, 0)
    with log.open("ab") as writer:
        writer.write(b"b\n")
    assert read_all(tail) == [b"b"]
    tail.close()


def test_same_first_kib_but_shorter_than_the_old_offset(tmp_path: Path) -> None:
    """The fingerprint only covers 1 KiB; a file below our position was truncated all the same."""
    log = tmp_path / "app.log"
    banner = b"#" * 1100
    log.write_bytes(banner + b"\na\nb\n")
    tail = FileTail(log)
    assert read_all(tail) == [banner, b"a", b"b"]

    os.truncate(log, 0)
    with log.open("ab") as writer:
        writer.write(banner + b"\nc\n")
    assert read_all(tail) == [banner, b"c"]
    tail.close()
