"""Microsoft Graph directory audits (`type: entra_directory_audit`): `directoryAudit` records.

API: https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit ; records are
keyed by `id` for dedupe. This version reads exported pages (`{"value": [...]}`) or JSON lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from collectors._config import FileSourceConfig
from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind

__all__ = ["KIND", "Config"]


class Config(FileSourceConfig):
    """Entra directory audit records (Graph `auditLogs/directoryAudits`) exported to a file."""

    type: Literal["entra_directory_audit"]


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    return raw.get("activityDateTime"), raw.get("id")


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector:
    return RecordsFileCollector(
        name=name, path=base_dir / config.path, read=record_reader("entra_directory_audit", _fields)
    )


KIND = CollectorKind(type="entra_directory_audit", config=Config, build=build, app_bound=False)
