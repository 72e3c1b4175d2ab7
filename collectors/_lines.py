"""A collector over a line-oriented file: tail it, parse each line, count what is unreadable."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from collectors.base import Batch, CollectorError
from collectors.file_tail import FileTail, TailError
from monitor.events import Record, Rejected, RejectReason

__all__ = ["LineFileCollector"]

LineParser = Callable[[bytes], Record | Rejected]


class LineFileCollector:
    """Follows one file; each poll returns the records of one tail chunk."""

    def __init__(
        self,
        *,
        name: str,
        path: Path,
        parse: LineParser,
        max_line_bytes: int = 1 << 20,
        start_at: str = "beginning",
    ) -> None:
        self.name = name
        self._parse = parse
        self._tail = FileTail(path, max_line_bytes=max_line_bytes, start_at=start_at)  # type: ignore[arg-type]

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        self._tail.restore(checkpoint)

    def poll(self, *, final: bool = False) -> Batch | None:
        try:
            chunk = self._tail.flush() if final else self._tail.read()
        except TailError as err:
            raise CollectorError(err.reason, str(err)) from err
        if chunk is None:
            return None
        batch = Batch(
            records=(),
            checkpoint=chunk.checkpoint,
            units=len(chunk.lines) + chunk.oversized,
            size=sum(map(len, chunk.lines)) + len(chunk.lines),
        )
        if chunk.oversized:
            batch.rejected[RejectReason.LINE_TOO_LONG] += chunk.oversized
        batch.records = self._parse_lines(chunk.lines, batch)
        return batch

    def _parse_lines(self, lines: list[bytes], batch: Batch) -> Iterator[Record]:
        """Parse lazily; blank lines are not input units, unreadable ones are counted."""
        parse, rejected = self._parse, batch.rejected
        for line in lines:
            if not line or line.isspace():
                batch.units -= 1
                continue
            record = parse(line)
            if type(record) is Rejected:
                rejected[record.reason] += 1
                batch.examples.setdefault(record.reason, record.detail)
            else:
                yield record  # type: ignore[misc]

    def close(self) -> None:
        self._tail.close()
