"""Okta System Log (`type: okta_system_log`): LogEvents, keyed by `uuid` for dedupe.

API: https://developer.okta.com/docs/reference/api/system-log/ . Two modes, one per source:

- `path`: exported pages or JSON lines read from a file;
- `url`: the org (e.g. https://acme.okta.com) polled live with an SSWS API token
  (`collectors._okta_poll`). OAuth 2.0 service apps (`private_key_jwt`, scope `okta.logs.read`)
  are not supported yet: use an API token of a read-only admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field, model_validator

from collectors._config import StrictModel
from collectors._idp import record_reader
from collectors._okta_poll import OktaLogPoller
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind
from monitor.secret import SecretError, resolve_secret

__all__ = ["KIND", "Config"]

_URL_ONLY = ("token_env", "token_file", "since", "limit", "rate_limit_share")


class Config(StrictModel):
    """Okta System Log events from an exported file (`path`) or the live API (`url`)."""

    type: Literal["okta_system_log"]
    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:/-]{1,80}$",
        description="Source name used in metrics and checkpoints; default '<type>'.",
    )
    path: Path | None = Field(
        default=None, description="Exported file; relative paths resolve against the config file."
    )
    url: str | None = Field(default=None, description="Org base URL, e.g. https://acme.okta.com.")
    token_env: str | None = Field(default=None, description="Env variable holding the API token.")
    token_file: Path | None = Field(default=None, description="File holding the API token.")
    since: AwareDatetime | None = Field(
        default=None, description="Where the first poll starts (RFC 3339); default an hour ago."
    )
    limit: int = Field(default=1000, ge=1, le=1000, description="Events per page.")
    rate_limit_share: float = Field(
        default=0.5, gt=0, le=1, description="Share of X-Rate-Limit-Limit this source may use."
    )

    @model_validator(mode="after")
    def _one_mode(self) -> Config:
        if (self.path is None) == (self.url is None):
            raise ValueError("one of path or url must be configured")
        if self.url is None:
            extra = [key for key in _URL_ONLY if key in self.model_fields_set]
            if extra:
                raise ValueError(f"{', '.join(extra)} apply only with url, not with path")
            return self
        parts = urlsplit(self.url)
        if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError("url must be the org's https base URL, e.g. https://acme.okta.com")
        if parts.query or parts.fragment or parts.username:
            raise ValueError("url must be the org's https base URL, e.g. https://acme.okta.com")
        if (self.token_env is None) == (self.token_file is None):
            raise ValueError("one of token_env or token_file must be configured with url")
        return self


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    return raw.get("published"), raw.get("uuid")


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector | OktaLogPoller:
    read = record_reader("okta_system_log", _fields)
    if config.url is None:
        assert config.path is not None  # the validator guarantees one mode
        return RecordsFileCollector(name=name, path=base_dir / config.path, read=read)
    try:
        token = resolve_secret(
            env=config.token_env,
            file=base_dir / config.token_file if config.token_file else None,
        )
    except SecretError as err:
        raise SecretError(f"source {name}: {err}") from None
    if token is None:
        raise SecretError(f"source {name}: no token configured")
    return OktaLogPoller(
        name=name,
        url=config.url,
        token=token,
        read=read,
        clock=context.clock,
        since=config.since,
        limit=config.limit,
        share=config.rate_limit_share,
        transport=context.transport,
    )


KIND = CollectorKind(type="okta_system_log", config=Config, build=build, app_bound=False)
