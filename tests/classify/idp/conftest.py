"""Reads IdP export files the way the daemon does: through the registered collectors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from collectors import kind_of
from monitor.events import IdpRecord

ReadRecords = Callable[[Path, str, dict[str, str]], list[IdpRecord]]


def read_records(path: Path, source_type: str, options: dict[str, str]) -> list[IdpRecord]:
    """Every record the `source_type` collector reads from `path`; none may be rejected."""
    kind = kind_of(source_type)
    config = kind.config(type=source_type, path=path, **options)
    collector = kind.make(config, name=source_type, base_dir=path.parent)
    collector.restore(None)
    batch = collector.poll(final=True)
    assert batch is not None, f"{path} gave no batch"
    records = list(batch.records)
    collector.close()
    assert not batch.rejected, f"{path}: {dict(batch.rejected)} {batch.examples}"
    assert all(isinstance(record, IdpRecord) for record in records)
    return [record for record in records if isinstance(record, IdpRecord)]


@pytest.fixture(name="read_records", scope="session")
def read_records_fixture() -> ReadRecords:
    return read_records
