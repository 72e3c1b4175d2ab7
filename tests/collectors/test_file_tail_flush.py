"""Replay of a finite file: `flush()` hands out an unterminated last line; `read()` never does."""

from __future__ import annotations

from pathlib import Path

from collectors.file_tail import FileTail


def drain(tail: FileTail, *, final: bool) -> list[bytes]:
    out: list[bytes] = []
    while (chunk := (tail.flush() if final else tail.read())) is not None:
        out.extend(chunk.lines)
    return out


def test_read_holds_back_the_unterminated_line(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntwo\nthree")
    assert drain(FileTail(path), final=False) == [b"one", b"two"]


def test_flush_returns_it_once_and_checkpoints_past_it(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntwo\nthree")
    tail = FileTail(path)
    assert drain(tail, final=True) == [b"one", b"two", b"three"]
    assert drain(tail, final=True) == []
    resumed = FileTail(path)
    resumed.restore({"v": 1} | _checkpoint_after(path))
    assert drain(resumed, final=True) == []


def _checkpoint_after(path: Path) -> dict[str, object]:
    tail = FileTail(path)
    checkpoint: dict[str, object] = {}
    while (chunk := tail.flush()) is not None:
        checkpoint = chunk.checkpoint
    return checkpoint


def test_flush_of_a_terminated_file_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntwo\n")
    assert drain(FileTail(path), final=True) == [b"one", b"two"]
