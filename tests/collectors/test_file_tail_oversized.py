"""Lines over max_line_bytes are counted and skipped without being buffered, across chunks."""

from __future__ import annotations

from pathlib import Path

from tail_util import drain

from collectors.file_tail import FileTail


def test_limit_counts_the_cr_but_not_the_newline(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"12345\n123456\n1234\r\n12345\r\nok\n")
    tail = FileTail(log, max_line_bytes=5)

    chunks = drain(tail)
    assert [line for chunk in chunks for line in chunk.lines] == [b"12345", b"1234", b"ok"]
    assert sum(chunk.oversized for chunk in chunks) == 2
    tail.close()


def test_oversized_line_spanning_chunks_is_skipped_while_the_checkpoint_moves(
    tmp_path: Path,
) -> None:
    log = tmp_path / "app.log"
    big = b"x" * 100
    log.write_bytes(b"before\n" + big + b"\nafter\n")
    tail = FileTail(log, max_line_bytes=10, max_chunk_bytes=16)

    chunks = drain(tail)
    assert [line for chunk in chunks for line in chunk.lines] == [b"before", b"after"]
    assert sum(chunk.oversized for chunk in chunks) == 1
    offsets = [int(str(chunk.checkpoint["offset"])) for chunk in chunks]
    assert offsets == sorted(offsets)
    assert len(offsets) == len(set(offsets))  # every chunk moves forward, even with no lines
    assert any(chunk.checkpoint["skip"] for chunk in chunks)
    assert offsets[-1] == log.stat().st_size
    tail.close()


def test_oversized_line_still_being_written_is_counted_once(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"y" * 30)
    tail = FileTail(log, max_line_bytes=8)
    chunk = tail.read()
    assert chunk is not None
    assert (chunk.lines, chunk.oversized) == ([], 1)

    with log.open("ab") as writer:
        writer.write(b"y" * 30)
    more = tail.read()
    assert more is not None
    assert (more.lines, more.oversized) == ([], 0)

    with log.open("ab") as writer:
        writer.write(b"yyy\nnext\n")
    rest = drain(tail)
    assert [line for c in rest for line in c.lines] == [b"next"]
    assert sum(c.oversized for c in rest) == 0
    tail.close()


def test_restart_in_the_middle_of_an_oversized_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"z" * 50)
    tail = FileTail(log, max_line_bytes=8)
    chunk = tail.read()
    assert chunk is not None
    assert chunk.checkpoint["skip"] is True
    tail.close()

    with log.open("ab") as writer:
        writer.write(b"zz\nnext\n")
    fresh = FileTail(log, max_line_bytes=8)
    fresh.restore(chunk.checkpoint)
    rest = drain(fresh)
    assert [line for c in rest for line in c.lines] == [b"next"]
    assert sum(c.oversized for c in rest) == 0
    fresh.close()


def test_block_sized_lines_use_the_default_limits(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    long_line = b"a" * (300 * 1024)  # longer than one read block, shorter than the limit
    log.write_bytes(long_line + b"\n" + b"b" * ((1 << 20) + 1) + b"\nend\n")
    tail = FileTail(log)

    chunks = drain(tail)
    assert [line for chunk in chunks for line in chunk.lines] == [long_line, b"end"]
    assert sum(chunk.oversized for chunk in chunks) == 1
    tail.close()
