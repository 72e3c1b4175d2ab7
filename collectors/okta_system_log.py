"""Okta System Log (`type: okta_system_log`): LogEvents, keyed by `uuid` for dedupe.

API: https://developer.okta.com/docs/reference/api/system-log/ . Two modes, one per source:

- `path`: exported pages or JSON lines read from a file;
- `url`: the org (e.g. https://acme.okta.com) polled live (`collectors._okta_poll`) with either
  an SSWS API token (`token_env` / `token_file`) or an OAuth 2.0 Service app (`client_id` +
  `private_key_file`: client credentials with `private_key_jwt`, scope `okta.logs.read`;
  `collectors._okta_auth`). DPoP-bound tokens are not supported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field, model_validator

from collectors._config import ExportOrLiveConfig
from collectors._idp import record_reader
from collectors._okta_auth import OktaAuth, OktaOAuth, SswsAuth, load_signer
from collectors._okta_poll import OktaLogPoller
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind
from monitor.secret import SecretError, resolve_secret

__all__ = ["KIND", "Config"]

_URL_ONLY = (
    "token_env",
    "token_file",
    "client_id",
    "private_key_file",
    "key_id",
    "since",
    "limit",
    "rate_limit_share",
    "poll_interval_seconds",
)
_ONE_AUTH = "one of token_env, token_file or client_id with private_key_file must be configured"


class Config(ExportOrLiveConfig):
    """Okta System Log events from an exported file (`path`) or the live API (`url`)."""

    type: Literal["okta_system_log"]
    url: str | None = Field(default=None, description="Org base URL, e.g. https://acme.okta.com.")
    token_env: str | None = Field(default=None, description="Env variable holding the API token.")
    token_file: Path | None = Field(default=None, description="File holding the API token.")
    client_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,128}$",
        description="OAuth Service app client id (client credentials with private_key_jwt).",
    )
    private_key_file: Path | None = Field(
        default=None, description="PEM RSA private key of the Service app (its public JWK in Okta)."
    )
    key_id: str | None = Field(
        default=None,
        pattern=r"^[!-~]{1,128}$",
        description="`kid` of the app's public key, sent in the assertion header.",
    )
    since: AwareDatetime | None = Field(
        default=None, description="Where the first poll starts (RFC 3339); default an hour ago."
    )
    limit: int = Field(default=1000, ge=1, le=1000, description="Events per page.")
    rate_limit_share: float = Field(
        default=0.5, gt=0, le=1, description="Share of X-Rate-Limit-Limit this source may use."
    )
    poll_interval_seconds: float = Field(
        default=10,
        ge=0,
        le=3600,
        description="Rest after reaching the end of the log, before asking again.",
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
        oauth = any(key in self.model_fields_set for key in ("client_id", "private_key_file"))
        ways = [self.token_env is not None, self.token_file is not None, oauth]
        if sum(ways) != 1:
            raise ValueError(f"{_ONE_AUTH} with url")
        if oauth and (self.client_id is None or self.private_key_file is None):
            raise ValueError("client_id and private_key_file must be configured together")
        if self.key_id is not None and not oauth:
            raise ValueError("key_id applies only with client_id and private_key_file")
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
    return OktaLogPoller(
        name=name,
        url=config.url,
        auth=_auth(config, config.url, name=name, base_dir=base_dir, context=context),
        read=read,
        clock=context.clock,
        since=config.since,
        limit=config.limit,
        share=config.rate_limit_share,
        interval=config.poll_interval_seconds,
        transport=context.transport,
    )


def _auth(
    config: Config, url: str, *, name: str, base_dir: Path, context: BuildContext
) -> OktaAuth:
    """The key file is read here, once: a bad key fails the build, not every poll."""
    try:
        if config.client_id is not None and config.private_key_file is not None:
            signer = load_signer(base_dir / config.private_key_file, config.key_id)
            return OktaOAuth(
                name=name, url=url, client_id=config.client_id, signer=signer, clock=context.clock
            )
        token = resolve_secret(
            env=config.token_env,
            file=base_dir / config.token_file if config.token_file else None,
        )
    except SecretError as err:
        raise SecretError(f"source {name}: {err}") from None
    if token is None:
        raise SecretError(f"source {name}: no token configured")
    return SswsAuth(token)


KIND = CollectorKind(type="okta_system_log", config=Config, build=build, app_bound=False)
