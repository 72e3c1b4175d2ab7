"""Shared plumbing for IdP audit sources read from files."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from collectors._records_file import RecordReader
from collectors.scimlog.timestamps import parse_json_ts as parse_timestamp
from monitor.events import IdpRecord, Rejected, RejectReason

__all__ = ["record_reader"]

KeyFn = Callable[[Mapping[str, object]], tuple[object, object]]


def record_reader(kind: str, fields: KeyFn) -> RecordReader:
    """Build a reader from a function giving (timestamp value, dedupe key) of a raw record."""

    def read(raw: Mapping[str, object]) -> IdpRecord | Rejected:
        stamp, key = fields(raw)
        if stamp is None or key is None:
            return Rejected(RejectReason.MISSING_FIELD, f"{kind} record without time or id")
        ts = parse_timestamp(stamp)
        if ts is None:
            return Rejected(RejectReason.BAD_TIMESTAMP, f"{kind} record time is not RFC 3339")
        return IdpRecord(ts=ts, kind=kind, key=str(key), raw=raw)

    return read
