"""Rotation-safe, poll-driven tailing of one log file, with a checkpoint the caller commits.

The collector stores each chunk's records and `TailChunk.checkpoint` in one database transaction,
so the tailer keeps no state on disk and its checkpoint never passes a byte it has not handed out:
a crash between `read()` and the commit replays the chunk, never skips or repeats it.

How the file is followed (the rules of Filebeat, Fluent Bit and Vector's file source):

* A file is known by `(st_dev, st_ino)` plus a fingerprint: its first 1 KiB (or less while it is
  smaller), kept in memory and stored in the checkpoint as a SHA-256 and a length.
* rename + create (logrotate's default): the open descriptor keeps the old file. Once it reads
  to EOF while the path names another file, the old file is read once more (the writer may not
  have reopened yet), its unterminated last line, if any, is returned as a line (nothing will
  complete it), and tailing moves to the new file at offset 0.
* copytruncate: the same inode shrinks below our position, or its head no longer matches the
  fingerprint (truncated and regrown past our position between two polls): start again at 0.
  The head is checked again after each read: when it changed while reading, what that read
  returned is dropped and the file is read from 0 (not from the middle of its new contents).
* restore(): resume at the checkpoint when the path still holds that file. If the path now holds
  another file, the checkpoint's file is looked up by `(st_dev, st_ino)` and fingerprint among
  the files of the path's directory (and of its target's, for a symlink), e.g. `app.log.1` or
  `app.log-20261102`, drained from the offset, and then the path is read from 0.

What is lost, by design and as with every shipper:

* copytruncate: lines appended after the last `read()` and before the truncation exist only in
  the copy, as do lines of the old contents read by a `read()` the truncation overlapped. A
  file truncated and regrown with exactly the head it had before looks appended to.
* rename: lines written to the old file after the tailer moved on; a file rotated away twice
  between two polls, or twice while down, is skipped (only the checkpoint's file and the path are
  known). A line the writer split across the rotation comes back as two lines. A removed file
  that nothing replaces is closed once drained (its unterminated last line returned, as above).

Only the standard library; the per-line path is `bytes.split`, no per-byte Python loop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeGuard

__all__ = ["FileTail", "TailChunk", "TailError"]

_BLOCK = 256 * 1024
_HEAD = 1024
_VERSION = 1
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK  # a FIFO at the path must not hang the collector

TailErrorReason = Literal["permission", "io"]


class TailError(Exception):
    """The file is there but cannot be read; `reason` is a bounded label for error counters.

    A missing file is not an error: `read()` returns None until it appears.
    """

    def __init__(self, reason: TailErrorReason, path: Path, cause: OSError) -> None:
        super().__init__(f"{reason} error tailing {path}: {cause.strerror or cause}")
        self.reason: TailErrorReason = reason
        self.path = path


@dataclass(frozen=True, slots=True)
class TailChunk:
    """Complete lines and the position right after them; commit both together."""

    lines: list[bytes]
    oversized: int
    checkpoint: dict[str, object]
    rotated: bool


@dataclass(frozen=True, slots=True)
class _Mark:
    """A parsed checkpoint. `skip`: the offset is inside an oversized line being discarded."""

    dev: int
    ino: int
    offset: int
    head_len: int
    head_sha256: str
    skip: bool

    @property
    def position(self) -> tuple[int, int, int, bool]:
        return self.dev, self.ino, self.offset, self.skip

    def as_checkpoint(self) -> dict[str, object]:
        return {
            "v": _VERSION,
            "dev": self.dev,
            "ino": self.ino,
            "offset": self.offset,
            "head_len": self.head_len,
            "head_sha256": self.head_sha256,
            "skip": self.skip,
        }


def _is_count(value: object) -> TypeGuard[int]:
    return type(value) is int and value >= 0  # bool is not a count


def _parse_mark(raw: object) -> _Mark | None:
    """The checkpoint as a `_Mark`, or None when it is not one this version wrote."""
    if not isinstance(raw, Mapping) or raw.get("v") != _VERSION:
        return None
    dev, ino, offset, head_len = (raw.get(k) for k in ("dev", "ino", "offset", "head_len"))
    sha, skip = raw.get("head_sha256"), raw.get("skip")
    if not (_is_count(dev) and _is_count(ino) and _is_count(offset) and _is_count(head_len)):
        return None
    if head_len > _HEAD or not isinstance(sha, str) or len(sha) != 64 or type(skip) is not bool:
        return None
    return _Mark(dev, ino, offset, head_len, sha, skip)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileTail:
    """Follows one path across rotations; `read()` returns one bounded chunk per call.

    Lines longer than `max_line_bytes` (counting a CR before the newline) are counted in
    `TailChunk.oversized` and discarded, never buffered whole. `read()` consumes about
    `max_chunk_bytes` of the file per call: more only to finish the line it is in (at most
    `max_line_bytes` more), and a chunk may also end a line begun on an earlier call.

    `start_at` applies only without a checkpoint, and only to a file present at the first
    `read()`: a file that appears later is read from 0. The first `read()` on a file opened
    without a checkpoint returns a chunk even when it has no lines, so the caller can commit
    where tailing started.
    """

    _resume: _Mark | None  # checkpoint to reopen at, until a file is open
    _emitted: _Mark | None  # position of the last chunk handed out (or restored)
    _start: Literal["beginning", "end"]
    _out: list[bytes]
    _oversized: int  # lines dropped as too long since the last chunk
    _pending: bytes  # start of an unterminated line, read but not checkpointed past
    _skip: bool  # discarding the rest of an oversized line

    def __init__(
        self,
        path: Path,
        *,
        max_line_bytes: int = 1 << 20,
        max_chunk_bytes: int = 4 << 20,
        start_at: Literal["beginning", "end"] = "beginning",
        pread: Callable[[int, int, int], bytes] = os.pread,
    ) -> None:
        """`pread`: how the file is read (`os.pread`; a test passes one that changes the
        file between two reads, as a writer can)."""
        if max_line_bytes < 1 or max_chunk_bytes < 1:
            raise ValueError("max_line_bytes and max_chunk_bytes must be positive")
        if start_at not in ("beginning", "end"):
            raise ValueError(f"start_at must be 'beginning' or 'end', not {start_at!r}")
        self._path = path
        self._max_line = max_line_bytes
        self._max_chunk = max_chunk_bytes
        self._start_at: Literal["beginning", "end"] = start_at
        self._pread = pread
        self._fd: int | None = None
        self._reset()

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        """Resume from a committed checkpoint; junk counts as none. Files are opened by `read()`."""
        self.close()
        self._reset()
        self._resume = _parse_mark(checkpoint)
        if self._resume is not None:
            self._emitted = self._resume

    def read(self) -> TailChunk | None:
        """The next chunk of complete lines, or None when there is nothing new right now."""
        try:
            if self._fd is not None or self._open():
                self._check_head()
                kept = len(self._out), self._oversized
                if not self._pull():
                    self._follow_path()
                elif not self._head_intact():  # truncated and regrown while we read
                    del self._out[kept[0] :]
                    self._oversized = kept[1]
                    self._check_head()
                    self._pull()
            return self._emit()
        except OSError as err:
            reason: TailErrorReason = "permission" if isinstance(err, PermissionError) else "io"
            raise TailError(reason, self._path, err) from err

    def flush(self) -> TailChunk | None:
        """Like `read()`, but a finite input is complete: its unterminated last line counts too.

        Replay uses this at the end of a file; a live tail never does, since the writer may
        still be completing that line.
        """
        chunk = self.read()
        if chunk is not None or self._fd is None or not self._pending or self._skip:
            return chunk
        self._offset += len(self._pending)
        self._split(self._pending + b"\n")
        self._pending = b""
        return self._emit()

    def close(self) -> None:
        """Release the file; a later `read()` reopens it where this tail stood."""
        if self._fd is not None:
            self._resume = self._mark()
            os.close(self._fd)
            self._fd = None

    # -- state ------------------------------------------------------------------------------

    def _reset(self) -> None:
        self._dev = self._ino = -1  # -1: no file opened yet
        self._offset = 0  # checkpointed position: a line start, or inside a skipped line
        self._pending = b""  # start of an unterminated line, read but not checkpointed past
        self._skip = False  # discarding the rest of an oversized line
        self._head = b""
        self._resume = None
        self._start = self._start_at
        self._emitted = None
        self._out = []
        self._oversized = 0
        self._rotated = False

    def _mark(self) -> _Mark:
        sha = _sha256(self._head)
        return _Mark(self._dev, self._ino, self._offset, len(self._head), sha, self._skip)

    def _emit(self) -> TailChunk | None:
        if self._ino < 0:
            return None
        mark = self._mark()
        moved = self._emitted is None or mark.position != self._emitted.position
        if not (moved or self._out or self._oversized or self._rotated):
            return None
        chunk = TailChunk(self._out, self._oversized, mark.as_checkpoint(), self._rotated)
        self._out, self._oversized, self._rotated, self._emitted = [], 0, False, mark
        return chunk

    # -- opening ----------------------------------------------------------------------------

    def _open_path(self) -> tuple[int, os.stat_result] | None:
        try:
            fd = os.open(self._path, _OPEN_FLAGS)
        except FileNotFoundError:
            return None
        try:
            return fd, os.fstat(fd)
        except OSError:
            os.close(fd)
            raise

    def _open(self) -> bool:
        """Open the file to follow; False while there is none."""
        opened = self._open_path()
        if self._resume is not None:
            return self._open_resumed(self._resume, opened)
        if opened is None:
            self._start = "beginning"  # whatever appears later is new
            return False
        at_end = self._start == "end"
        self._adopt(*opened)
        if at_end:
            self._offset = opened[1].st_size
            self._skip = self._offset > 0 and self._pread(opened[0], 1, self._offset - 1) != b"\n"
        return True

    def _open_resumed(self, mark: _Mark, opened: tuple[int, os.stat_result] | None) -> bool:
        if opened is not None and (opened[1].st_dev, opened[1].st_ino) == (mark.dev, mark.ino):
            self._resume = None
            if not self._adopt_at(*opened, mark):  # truncated while we were down
                self._adopt(*opened)
                self._rotated = True
            return True
        if self._find_rotated(mark):
            if opened is not None:
                os.close(opened[0])
            self._resume = None
            return True
        if opened is None:
            return False
        self._resume = None
        self._adopt(*opened)
        self._rotated = True
        return True

    def _adopt(self, fd: int, st: os.stat_result) -> None:
        self._fd, self._dev, self._ino = fd, st.st_dev, st.st_ino
        self._offset, self._pending, self._skip, self._head = 0, b"", False, b""
        self._start = "beginning"  # start_at is for the first file only

    def _adopt_at(self, fd: int, st: os.stat_result, mark: _Mark) -> bool:
        """Adopt the file at the checkpoint's position if it is still the checkpoint's file."""
        head = self._pread(fd, mark.head_len, 0)
        if st.st_size < mark.offset or _sha256(head) != mark.head_sha256:
            return False
        self._adopt(fd, st)
        self._offset, self._skip, self._head = mark.offset, mark.skip, head
        return True

    def _find_rotated(self, mark: _Mark) -> bool:
        """Adopt the checkpoint's file under its rotated name, if it is still around."""
        dirs = dict.fromkeys([self._path.parent, Path(os.path.realpath(self._path)).parent])
        for directory in dirs:
            try:
                entries = list(os.scandir(directory))
            except FileNotFoundError:
                continue
            if any(self._adopt_candidate(entry, mark) for entry in entries):
                return True
        return False

    def _adopt_candidate(self, entry: os.DirEntry[str], mark: _Mark) -> bool:
        try:
            st = entry.stat()
            if (st.st_dev, st.st_ino) != (mark.dev, mark.ino):
                return False
            fd = os.open(entry.path, _OPEN_FLAGS)
        except FileNotFoundError:
            return False
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == (mark.dev, mark.ino) and self._adopt_at(fd, st, mark):
            return True
        os.close(fd)
        return False

    # -- reading ----------------------------------------------------------------------------

    def _check_head(self) -> None:
        """Detect copytruncate before reading: the file shrank, or its head was rewritten."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        head = self._pread(self._fd, max(len(self._head), min(size, _HEAD)), 0)
        if size >= self._offset + len(self._pending) and head.startswith(self._head):
            self._head = head
            return
        self._offset, self._pending, self._skip, self._head = 0, b"", False, head
        self._rotated = True

    def _head_intact(self) -> bool:
        """The head is still the one checked before the read: what was read came from the
        same contents. (Truncated and rewritten past our offset between the check and the
        read, the read would have started mid-line in the new contents, and the next check
        would then read the new contents again from 0.)"""
        assert self._fd is not None
        return self._pread(self._fd, len(self._head), 0) == self._head

    def _pull(self) -> bool:
        """Read about one chunk's worth; False when at EOF already.

        Past the budget it reads on until the checkpoint moves (a line ends or turns out
        oversized), so `read()` returns None only at EOF, never while data is waiting.
        """
        assert self._fd is not None
        budget, got, start = self._max_chunk, False, self._offset
        while budget > 0 or self._offset == start:
            want = min(_BLOCK, budget if budget > 0 else self._max_line + 1 - len(self._pending))
            data = self._pread(self._fd, want, self._offset + len(self._pending))
            if data:
                got = True
                self._consume(data)
                budget -= len(data)
            if len(data) < want:
                break
        return got

    def _consume(self, data: bytes) -> None:
        start = 0
        if self._skip:
            start = data.find(b"\n") + 1
            if not start:
                self._offset += len(data)
                return
            self._offset += start
            self._skip = False
        end = data.rfind(b"\n", start) + 1
        if end:
            body = self._pending + data[start:end]
            self._pending = b""
            self._offset += len(body)
            self._split(body)
            start = end
        self._hold(data[start:])

    def _split(self, body: bytes) -> None:
        """Split newline-terminated `body` into lines; count and drop the oversized ones."""
        lines = body.split(b"\n")
        lines.pop()
        if len(body) > self._max_line + 1 and max(map(len, lines)) > self._max_line:
            kept = [line for line in lines if len(line) <= self._max_line]
            self._oversized += len(lines) - len(kept)
            lines = kept
        if b"\r\n" in body:
            lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
        self._out.extend(lines)

    def _hold(self, tail: bytes) -> None:
        """Buffer an unterminated line, or start skipping it once it is too long."""
        if len(self._pending) + len(tail) <= self._max_line:
            self._pending += tail
            return
        self._oversized += 1
        self._offset += len(self._pending) + len(tail)
        self._pending = b""
        self._skip = True

    def _follow_path(self) -> None:
        """At EOF: move to the file now at the path once the old one is drained."""
        assert self._fd is not None
        try:
            st: os.stat_result | None = os.stat(self._path)
        except FileNotFoundError:
            st = None
        if st is not None and (st.st_dev, st.st_ino) == (self._dev, self._ino):
            return
        if st is None and os.fstat(self._fd).st_nlink > 0:
            return  # renamed; its successor is not created yet
        if self._pull():
            return  # the writer was still appending to the old file
        if self._pending:
            self._offset += len(self._pending)
            self._split(self._pending + b"\n")
            self._pending = b""
        os.close(self._fd)
        self._fd = None
        self._rotated = True
        if st is not None and self._open():
            self._check_head()
            self._pull()
