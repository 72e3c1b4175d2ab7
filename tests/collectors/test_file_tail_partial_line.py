"""A line without its newline yet is neither returned nor checkpointed past."""

from __future__ import annotations

from pathlib import Path

from tail_util import append

from collectors.file_tail import FileTail


def test_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"done\npart")
    tail = FileTail(log)

    chunk = tail.read()
    assert chunk is not None
    assert chunk.lines == [b"done"]
    assert chunk.checkpoint["offset"] == len(b"done\n")
    assert tail.read() is None

    append(log, b"ial")
    assert tail.read() is None
    append(log, b" line\nnext")
    chunk = tail.read()
    assert chunk is not None
    assert chunk.lines == [b"partial line"]
    assert chunk.checkpoint["offset"] == len(b"done\npartial line\n")
    tail.close()


def test_partial_line_survives_a_restart_without_duplicates(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\nb-start")
    tail = FileTail(log)
    chunk = tail.read()
    assert chunk is not None
    assert chunk.lines == [b"a"]
    tail.close()

    append(log, b"-end\n")
    fresh = FileTail(log)
    fresh.restore(chunk.checkpoint)
    again = fresh.read()
    assert again is not None
    assert again.lines == [b"b-start-end"]
    assert fresh.read() is None
    fresh.close()
