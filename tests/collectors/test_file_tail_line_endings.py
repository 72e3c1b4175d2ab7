"""Empty lines, CRLF and stray carriage returns: only the newline and one CR before it go."""

from __future__ import annotations

from pathlib import Path

from tail_util import read_all

from collectors.file_tail import FileTail


def test_empty_lines_are_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"\n\nx\n\n")
    tail = FileTail(log)
    assert read_all(tail) == [b"", b"", b"x", b""]
    tail.close()


def test_crlf_loses_exactly_one_cr(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\r\nb\r\r\n\r\nmid\rdle\nplain\n")
    tail = FileTail(log)
    assert read_all(tail) == [b"a", b"b\r", b"", b"mid\rdle", b"plain"]
    tail.close()


def test_crlf_split_between_polls(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"first\r")
    tail = FileTail(log, max_chunk_bytes=3)
    assert read_all(tail) == []

    with log.open("ab") as fh:
        fh.write(b"\nsecond\r\n")
    assert read_all(tail) == [b"first", b"second"]
    tail.close()
