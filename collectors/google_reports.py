"""Google Workspace Admin SDK Reports (`type: google_reports`): activities of one application.

API: https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities/list ;
records are keyed by `id.time` + `id.uniqueQualifier` for dedupe. Pages are newest first. Two
modes, one per source:

- `path`: exported pages (`{"items": [...]}`) or JSON lines read from a file;
- `credentials_file` + `subject`: polled live by a service account with domain-wide delegation
  impersonating an admin (`collectors._google_poll`, `collectors._google_auth`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field, model_validator

from collectors._config import ExportOrLiveConfig
from collectors._google_auth import DelegatedToken, load_key
from collectors._google_poll import GoogleReportsPoller
from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind
from monitor.secret import SecretError

__all__ = ["DEFAULT_LAG", "KIND", "Config"]

_LIVE_ONLY = (
    "subject",
    "base_url",
    "token_url",
    "since",
    "lag_seconds",
    "overlap_seconds",
    "max_results",
    "poll_interval_seconds",
)


# Google publishes admin events within minutes, the other applications within an hour or more
# (idp-audit-apis.md 3.4: SAML "usually within an hour", login lags of hours reported): a window
# that ends sooner misses whatever is published after it and its overlap have passed.
DEFAULT_LAG = {"admin": 600, "token": 3600, "login": 3600, "saml": 3600, "user_accounts": 3600}


class Config(ExportOrLiveConfig):
    """Google Reports activities from an exported file (`path`) or the live API."""

    type: Literal["google_reports"]
    application: Literal["admin", "token", "login", "saml", "user_accounts"] = Field(
        description="The Reports application name the activities belong to."
    )
    credentials_file: Path | None = Field(
        default=None, description="Service-account JSON key file (domain-wide delegation)."
    )
    subject: str | None = Field(default=None, description="Admin user the account impersonates.")
    base_url: str = Field(default="https://admin.googleapis.com", description="Reports API root.")
    token_url: str | None = Field(default=None, description="Default: the key file's token_uri.")
    since: AwareDatetime | None = Field(
        default=None, description="Where the first window starts (RFC 3339); default an hour ago."
    )
    lag_seconds: int | None = Field(
        default=None,
        ge=0,
        description="How far behind now a window ends; default per application (DEFAULT_LAG).",
    )
    overlap_seconds: int = Field(
        default=300, ge=0, description="How much of the previous window is read again."
    )
    max_results: int = Field(default=1000, ge=1, le=1000, description="Activities per page.")
    poll_interval_seconds: float = Field(
        default=60,
        ge=0,
        le=86400,
        description="Rest after a window that reached `lag_seconds` behind now, before the next.",
    )

    @model_validator(mode="after")
    def _one_mode(self) -> Config:
        if (self.path is None) == (self.credentials_file is None):
            raise ValueError("one of path or credentials_file must be configured")
        if self.credentials_file is None:
            extra = [key for key in _LIVE_ONLY if key in self.model_fields_set]
            if extra:
                raise ValueError(f"{', '.join(extra)} apply only with credentials_file, not path")
            return self
        if not self.subject or "@" not in self.subject:
            raise ValueError("subject must be the email of the admin to impersonate")
        for key in ("base_url", "token_url"):
            url = getattr(self, key)
            parts = urlsplit(url) if url is not None else None
            if parts is not None and (parts.scheme != "https" or not parts.netloc):
                raise ValueError(f"{key} must be an https URL")
            if parts is not None and (parts.query or parts.fragment or parts.username):
                raise ValueError(f"{key} must be an https URL without query or credentials")
        return self


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    ident = raw.get("id")
    if not isinstance(ident, dict):
        return None, None
    time, qualifier = ident.get("time"), ident.get("uniqueQualifier")
    return time, (f"{time}/{qualifier}" if time is not None and qualifier is not None else None)


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector | GoogleReportsPoller:
    read = record_reader(f"google_reports/{config.application}", _fields)
    if config.credentials_file is None:
        assert config.path is not None  # the validator guarantees one mode
        return RecordsFileCollector(name=name, path=base_dir / config.path, read=read)
    assert config.subject is not None
    try:
        key = load_key(base_dir / config.credentials_file)
        token = DelegatedToken(
            key=key, subject=config.subject, token_url=config.token_url, clock=context.clock
        )
    except SecretError as err:
        raise SecretError(f"source {name}: {err}") from None
    return GoogleReportsPoller(
        name=name,
        base_url=config.base_url,
        application=config.application,
        token=token,
        read=read,
        clock=context.clock,
        since=config.since,
        lag=DEFAULT_LAG[config.application] if config.lag_seconds is None else config.lag_seconds,
        overlap=config.overlap_seconds,
        max_results=config.max_results,
        interval=config.poll_interval_seconds,
        transport=context.transport,
    )


KIND = CollectorKind(type="google_reports", config=Config, build=build, app_bound=False)
