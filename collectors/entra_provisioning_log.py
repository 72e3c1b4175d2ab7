"""Microsoft Graph provisioning logs (`type: entra_provisioning_log`): `provisioningObjectSummary`.

API: https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary ; records are
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
    """Entra provisioning log records (Graph `auditLogs/provisioning`) exported to a file."""

    type: Literal["entra_provisioning_log"]


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    return raw.get("activityDateTime"), raw.get("id")


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector:
    return RecordsFileCollector(
        name=name,
        path=base_dir / config.path,
        read=record_reader("entra_provisioning_log", _fields),
    )


KIND = CollectorKind(type="entra_provisioning_log", config=Config, build=build, app_bound=False)
