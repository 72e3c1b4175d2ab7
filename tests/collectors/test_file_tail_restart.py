"""A fresh FileTail restored from the last committed checkpoint loses and repeats nothing."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Literal

import pytest
from tail_util import drain, lines_of

from collectors.file_tail import FileTail


def committed(tail: FileTail) -> dict[str, object]:
    """Drain `tail`, then store its last checkpoint the way a database column would."""
    chunks = drain(tail)
    tail.close()
    return dict(json.loads(json.dumps(chunks[-1].checkpoint)))


def restarted(
    log: Path, checkpoint: dict[str, object], start_at: Literal["beginning", "end"] = "beginning"
) -> FileTail:
    tail = FileTail(log, start_at=start_at)
    tail.restore(checkpoint)
    return tail


def test_resumes_at_the_checkpoint(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"1\n2\n")
    checkpoint = committed(FileTail(log))

    with log.open("ab") as writer:
        writer.write(b"3\n")
    tail = restarted(log, checkpoint)
    assert lines_of(drain(tail)) == [b"3"]
    tail.close()


def test_a_chunk_never_committed_is_returned_again(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"1\n2\n3\n4\n")
    tail = FileTail(log, max_chunk_bytes=4)
    first = tail.read()
    lost_in_crash = tail.read()
    assert first is not None
    assert lost_in_crash is not None
    assert (first.lines, lost_in_crash.lines) == ([b"1", b"2"], [b"3", b"4"])
    tail.close()

    tail = restarted(log, first.checkpoint)
    assert lines_of(drain(tail)) == [b"3", b"4"]
    tail.close()


@pytest.mark.parametrize("rotated_name", ["app.log.1", "app.log-20261102"])
def test_file_rotated_while_down_is_drained_first(tmp_path: Path, rotated_name: str) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"1\n")
    checkpoint = committed(FileTail(log))

    with log.open("ab") as writer:
        writer.write(b"2\n")
    os.rename(log, tmp_path / rotated_name)
    log.write_bytes(b"3\n")

    tail = restarted(log, checkpoint)
    chunks = drain(tail)
    assert lines_of(chunks) == [b"2", b"3"]
    assert chunks[-1].rotated
    tail.close()


def test_rotated_file_without_successor_yet_is_drained(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"1\n")
    checkpoint = committed(FileTail(log))
    with log.open("ab") as writer:
        writer.write(b"2\n")
    os.rename(log, tmp_path / "app.log.1")

    tail = restarted(log, checkpoint)
    assert lines_of(drain(tail)) == [b"2"]
    log.write_bytes(b"3\n")
    assert lines_of(drain(tail)) == [b"3"]
    tail.close()


def test_rotated_and_compressed_while_down_starts_the_new_file_at_zero(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"1\n")
    checkpoint = committed(FileTail(log))

    with log.open("rb") as src, gzip.open(tmp_path / "app.log.1.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    log.unlink()
    log.write_bytes(b"2\n")

    tail = restarted(log, checkpoint, start_at="end")  # start_at is for "no checkpoint" only
    chunks = drain(tail)
    assert lines_of(chunks) == [b"2"]
    assert chunks[0].rotated
    tail.close()


def test_truncated_while_down_starts_at_zero(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"first-generation\n")
    checkpoint = committed(FileTail(log))

    os.truncate(log, 0)
    with log.open("ab") as writer:
        writer.write(b"second-generation-is-longer\n")

    tail = restarted(log, checkpoint)
    chunks = drain(tail)
    assert lines_of(chunks) == [b"second-generation-is-longer"]
    assert chunks[0].rotated
    tail.close()


def test_same_inode_with_another_head_is_not_trusted(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"abc\n")
    checkpoint = committed(FileTail(log))
    log.write_bytes(b"xyz\n0123456789\n")  # rewritten in place: same inode, other content

    tail = restarted(log, checkpoint)
    assert lines_of(drain(tail)) == [b"xyz", b"0123456789"]
    tail.close()


def test_rotated_target_of_a_symlinked_path_is_found(tmp_path: Path) -> None:
    """Kubernetes-style: the watched path is a symlink; rotation happens beside the target."""
    pods = tmp_path / "pods"
    pods.mkdir()
    target, log = pods / "0.log", tmp_path / "app.log"
    target.write_bytes(b"1\n")
    log.symlink_to(target)
    checkpoint = committed(FileTail(log))

    with target.open("ab") as writer:
        writer.write(b"2\n")
    os.rename(target, pods / "0.log.20261102-101500")
    target.write_bytes(b"3\n")

    tail = restarted(log, checkpoint)
    assert lines_of(drain(tail)) == [b"2", b"3"]
    tail.close()
