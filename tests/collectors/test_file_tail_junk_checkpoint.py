"""Checkpoints that are not ours fall back to start_at; ours for a vanished file start at 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tail_util import read_all

from collectors.file_tail import FileTail


def valid(log: Path) -> dict[str, Any]:
    tail = FileTail(log)
    chunk = tail.read()
    tail.close()
    assert chunk is not None
    return dict(chunk.checkpoint)


JUNK: dict[str, Any] = {
    "empty": {},
    "other version": {"v": 2},
    "negative offset": {"offset": -1},
    "bool inode": {"ino": True},
    "string offset": {"offset": "12"},
    "float dev": {"dev": 1.0},
    "head too long": {"head_len": 4096},
    "short digest": {"head_sha256": "abc"},
    "skip not bool": {"skip": 1},
    "missing key": {"offset": None},
}


@pytest.mark.parametrize("start_at", ["beginning", "end"])
@pytest.mark.parametrize("damage", JUNK.values(), ids=JUNK.keys())
def test_junk_checkpoint_starts_per_start_at(
    tmp_path: Path, damage: dict[str, Any], start_at: str
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"old\n")
    checkpoint = {**valid(log), **damage} if damage else {}

    tail = FileTail(log, start_at="end" if start_at == "end" else "beginning")
    tail.restore(checkpoint)
    before = read_all(tail)
    with log.open("ab") as writer:
        writer.write(b"new\n")
    assert before + read_all(tail) == ([b"new"] if start_at == "end" else [b"old", b"new"])
    tail.close()


@pytest.mark.parametrize("junk", [None, [1, 2], "checkpoint", 42])
def test_restore_accepts_whatever_the_database_held(tmp_path: Path, junk: Any) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    tail = FileTail(log)
    tail.restore(junk)
    assert read_all(tail) == [b"a"]
    tail.close()


def test_checkpoint_of_a_file_that_no_longer_exists_starts_at_zero(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"gone\n")
    checkpoint = valid(log)
    log.unlink()
    (tmp_path / "filler").write_bytes(b"keeps the old inode number from being reused\n")
    log.write_bytes(b"fresh\n")

    tail = FileTail(log, start_at="end")
    tail.restore(checkpoint)
    assert read_all(tail) == [b"fresh"]
    tail.close()
