"""A missing file is a normal state; an unreadable one raises TailError with a bounded reason."""

from __future__ import annotations

import os
import pwd
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from tail_util import read_all

from collectors.file_tail import FileTail, TailError


def test_missing_file_appearing_later_is_read_from_the_start(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "app.log"
    tail = FileTail(log, start_at="end")  # nothing existed when tailing began: all of it is new
    assert tail.read() is None
    log.parent.mkdir()
    assert tail.read() is None

    log.write_bytes(b"first\n")
    assert read_all(tail) == [b"first"]
    tail.close()


def test_missing_file_with_a_checkpoint_waits_for_it(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    tail = FileTail(log)
    tail.restore({"v": 1, "dev": 1, "ino": 1, "offset": 9, "head_len": 0, "head_sha256": "0" * 64,
                  "skip": False})  # fmt: skip
    assert tail.read() is None
    log.write_bytes(b"a\n")
    assert read_all(tail) == [b"a"]
    tail.close()


def test_directory_at_the_path_is_an_io_error(tmp_path: Path) -> None:
    (tmp_path / "app.log").mkdir()
    tail = FileTail(tmp_path / "app.log")
    with pytest.raises(TailError) as caught:
        tail.read()
    assert caught.value.reason == "io"
    assert isinstance(caught.value.__cause__, IsADirectoryError)
    tail.close()


def test_unreadable_file_is_a_permission_error_until_fixed(tmp_path: Path) -> None:
    """Root reads anything, so as root the check runs as `nobody` in a forked child."""
    if os.geteuid() != 0:
        log = tmp_path / "app.log"
        log.write_bytes(b"secret\n")
        log.chmod(0)
        assert _read_twice(log) == "permission [b'secret']"
        return
    nobody = pwd.getpwnam("nobody")
    with tempfile.TemporaryDirectory() as tmp:  # tmp_path's parents are closed to nobody
        os.chmod(tmp, 0o755)
        log = Path(tmp) / "app.log"
        log.write_bytes(b"secret\n")
        log.chmod(0)
        os.chown(log, nobody.pw_uid, nobody.pw_gid)
        output = _in_child_as(nobody.pw_uid, nobody.pw_gid, lambda: _read_twice(log))
    assert output == "permission [b'secret']"


def _read_twice(log: Path) -> str:
    """Read the unreadable file, make it readable, read again."""
    tail = FileTail(log)
    try:
        tail.read()
        reason = "no error"
    except TailError as err:
        reason = err.reason
    log.chmod(0o644)
    chunk = tail.read()
    tail.close()
    return f"{reason} {chunk.lines if chunk else None}"


def _in_child_as(uid: int, gid: int, work: Callable[[], str]) -> str:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read_end)
            os.setgid(gid)
            os.setuid(uid)
            os.write(write_end, work().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode()
    os.waitpid(pid, 0)
    return output
