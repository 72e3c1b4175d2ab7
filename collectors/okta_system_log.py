"""Okta System Log (`type: okta_system_log`): LogEvents, keyed by `uuid` for dedupe.

API: https://developer.okta.com/docs/reference/api/system-log/ . This version reads exported
pages or JSON lines from a file; polling the live API is configured with `url` (planned).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from collectors._config import FileSourceConfig
from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import CollectorKind

__all__ = ["KIND", "Config"]


class Config(FileSourceConfig):
    """Okta System Log events exported to a file."""

    type: Literal["okta_system_log"]


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    return raw.get("published"), raw.get("uuid")


def build(config: Config, *, name: str, base_dir: Path) -> RecordsFileCollector:
    return RecordsFileCollector(
        name=name, path=base_dir / config.path, read=record_reader("okta_system_log", _fields)
    )


KIND = CollectorKind(type="okta_system_log", config=Config, build=build, app_bound=False)
