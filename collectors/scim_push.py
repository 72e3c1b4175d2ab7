"""SCIM request records pushed over HTTP (`type: scim_push`), e.g. by Vector or Fluent Bit.

The daemon's `POST /api/v1/ingest/scim?app=NAME` accepts JSON lines or a JSON array of records
in any of the SCIM log formats (`collectors.scimlog`) and commits them before answering 202, so
an acknowledged batch is never lost. There is nothing to poll: this collector only declares the
source (its app, token and limits) so metrics, the store and the API know it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from collectors._config import StrictModel
from collectors.base import Batch, BuildContext, CollectorKind

__all__ = ["KIND", "Config", "PushCollector"]


class Config(StrictModel):
    """SCIM records of one app, pushed to scimwatch."""

    type: Literal["scim_push"]
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:/-]{1,80}$")
    app: str = Field(description="The app (from `apps`) whose SCIM traffic is pushed.")
    token_env: str | None = Field(default=None, description="Env variable holding the token.")
    token_file: Path | None = Field(default=None, description="File holding the bearer token.")
    max_body_bytes: int = Field(
        default=8 << 20,
        ge=1024,
        le=256 << 20,
        description="Larger request bodies are refused with 413.",
    )

    @model_validator(mode="after")
    def _one_token(self) -> Config:
        if (self.token_env is None) == (self.token_file is None):
            raise ValueError("one of token_env or token_file must be configured")
        return self


class PushCollector:
    """A pushed source: records arrive through the API, never by polling."""

    def __init__(self, name: str) -> None:
        self.name = name

    def restore(self, checkpoint: Mapping[str, object] | None) -> None:
        return None

    def poll(self, *, final: bool = False) -> Batch | None:
        return None

    def close(self) -> None:
        return None


def build(config: Config, *, name: str, base_dir: Path, context: BuildContext) -> PushCollector:
    return PushCollector(name)


KIND = CollectorKind(type="scim_push", config=Config, build=build, app_bound=True)
