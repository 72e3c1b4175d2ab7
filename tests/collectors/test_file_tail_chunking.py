"""read() hands back one bounded chunk per call, so the caller commits often."""

from __future__ import annotations

from pathlib import Path

from collectors.file_tail import FileTail


def test_each_read_consumes_about_max_chunk_bytes(tmp_path: Path) -> None:
    """A chunk holds the lines ending in ~100 new bytes, plus the line that straddled the last."""
    log = tmp_path / "app.log"
    lines = [b"line-%03d" % i for i in range(200)]
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    tail = FileTail(log, max_chunk_bytes=100)

    seen: list[bytes] = []
    offset = 0
    while (chunk := tail.read()) is not None:
        consumed = int(str(chunk.checkpoint["offset"])) - offset
        assert 100 - 9 < consumed <= 100 + 9
        offset += consumed
        seen += chunk.lines
    assert seen == lines
    tail.close()


def test_a_line_longer_than_a_chunk_is_finished_in_the_same_read(tmp_path: Path) -> None:
    """None means "at EOF", so the caller never sleeps while a long line is half read."""
    log = tmp_path / "app.log"
    log.write_bytes(b"k" * 50 + b"\nshort\n")
    tail = FileTail(log, max_chunk_bytes=8)

    chunk = tail.read()
    assert chunk is not None
    assert chunk.lines[0] == b"k" * 50
    rest = tail.read()
    assert chunk.lines[1:] + (rest.lines if rest else []) == [b"short"]
    assert tail.read() is None
    tail.close()


def test_lines_across_read_blocks_of_a_large_file(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    lines = [b"%07d " % i + b"p" * (i % 97) for i in range(20_000)]
    log.write_bytes(b"\n".join(lines) + b"\n")  # about 1.1 MiB: several 256 KiB blocks
    tail = FileTail(log, max_chunk_bytes=512 * 1024)

    chunks = []
    while (chunk := tail.read()) is not None:
        chunks.append(chunk)
    assert len(chunks) == 3
    assert [line for chunk in chunks for line in chunk.lines] == lines
    tail.close()
