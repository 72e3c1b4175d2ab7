"""Config building blocks shared by the collector modules."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ExportOrLiveConfig", "FileSourceConfig", "StrictModel"]


class StrictModel(BaseModel):
    """Every config model rejects unknown keys: a typo must fail loudly, not be ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSourceConfig(StrictModel):
    """Fields common to the sources that read a file."""

    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:/-]{1,80}$",
        description="Source name used in metrics and checkpoints; default '<type>/<app>'.",
    )
    path: Path = Field(description="File to read; relative paths resolve against the config file.")


class ExportOrLiveConfig(StrictModel):
    """Fields common to IdP sources read from an export (`path`) or polled live."""

    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:/-]{1,80}$",
        description="Source name used in metrics and checkpoints; default '<type>' "
        "('<type>/<application>' for Google Reports).",
    )
    path: Path | None = Field(
        default=None, description="Exported file; relative paths resolve against the config file."
    )
