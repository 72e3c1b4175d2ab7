"""SCIM request logs (`type: scim_log`): flat JSON, ECS JSON or nginx/Apache combined.

The format is detected per line (`collectors.scimlog`), so one file may mix them. The
app named in the config wins over whatever app a line claims: the config is the truth
about which service provider a file belongs to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from collectors._config import FileSourceConfig
from collectors._lines import LineFileCollector
from collectors.base import BuildContext, CollectorKind
from collectors.scimlog import parse_line
from monitor.events import Record, Rejected, ScimRequest

__all__ = ["KIND", "Config"]


class Config(FileSourceConfig):
    """A SCIM request log of one app."""

    type: Literal["scim_log"]
    app: str = Field(description="The app (from `apps`) whose SCIM traffic this file records.")
    max_line_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Longer lines are skipped (never buffered whole) and counted as line_too_long.",
    )
    start_at: Literal["beginning", "end"] = Field(
        default="beginning", description="Where to start a file never seen before."
    )


def build(config: Config, *, name: str, base_dir: Path, context: BuildContext) -> LineFileCollector:
    app = config.app

    def parse(line: bytes) -> Record | Rejected:
        record = parse_line(line)
        if isinstance(record, ScimRequest):
            record.app = app
        return record

    return LineFileCollector(
        name=name,
        path=base_dir / config.path,
        parse=parse,
        max_line_bytes=config.max_line_bytes,
        start_at=config.start_at,
    )


KIND = CollectorKind(type="scim_log", config=Config, build=build, app_bound=True)
