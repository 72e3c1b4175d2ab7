"""Helpers shared by the FileTail scenario tests."""

from __future__ import annotations

from pathlib import Path

from collectors.file_tail import FileTail, TailChunk


def drain(tail: FileTail) -> list[TailChunk]:
    """Every chunk until `read()` says there is nothing new (and fail on an endless stream)."""
    chunks: list[TailChunk] = []
    for _ in range(1000):
        chunk = tail.read()
        if chunk is None:
            return chunks
        chunks.append(chunk)
    raise AssertionError("read() never returned None")


def lines_of(chunks: list[TailChunk]) -> list[bytes]:
    return [line for chunk in chunks for line in chunk.lines]


def read_all(tail: FileTail) -> list[bytes]:
    return lines_of(drain(tail))


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(data)
