"""Config and construction shared by the two Entra (Microsoft Graph) source types.

Both read the same way, from an exported file (`path`) or live from Graph (`tenant_id` with an
app registration's client credentials); only the collection and the record kind differ.
`rate_limit_requests` per `rate_limit_window_seconds` is the tenant's shared request budget;
when sources of one tenant disagree, all of them keep the strictest combination (the fewest
requests and the longest window; `collectors._graph_auth.budget_for`), so a second source can
make the budget tighter but never looser than any source asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from pydantic import AwareDatetime, Field, model_validator

from collectors._config import ExportOrLiveConfig
from collectors._graph_auth import DEFAULT_LIMIT, DEFAULT_WINDOW, ClientCredentials, budget_for
from collectors._graph_poll import GraphLogPoller
from collectors._idp import record_reader
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext
from monitor.secret import SecretError, resolve_secret

__all__ = ["GraphSourceConfig", "build_graph_source"]

_LIVE_ONLY = (
    "client_id",
    "client_secret_env",
    "client_secret_file",
    "graph_url",
    "login_url",
    "since",
    "overlap_seconds",
    "page_size",
    "rate_limit_requests",
    "rate_limit_window_seconds",
    "poll_interval_seconds",
)


class GraphSourceConfig(ExportOrLiveConfig):
    """Graph audit records from an exported file (`path`) or polled live (`tenant_id`)."""

    tenant_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9.-]{1,255}$", description="Tenant GUID or domain."
    )
    client_id: str | None = Field(default=None, description="Application (client) id.")
    client_secret_env: str | None = Field(default=None, description="Env variable with the secret.")
    client_secret_file: Path | None = Field(default=None, description="File with the secret.")
    graph_url: str = Field(default="https://graph.microsoft.com", description="Graph origin.")
    login_url: str = Field(
        default="https://login.microsoftonline.com", description="Token endpoint origin."
    )
    since: AwareDatetime | None = Field(
        default=None, description="Where the first poll starts (RFC 3339); default an hour ago."
    )
    overlap_seconds: float = Field(
        default=300, ge=0, le=86400, description="How far back each cycle re-reads late records."
    )

    page_size: int = Field(default=999, ge=1, le=1000, description="Records per page ($top).")
    rate_limit_requests: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=1000,
        description="Graph requests the tenant's sources may send per window, all together.",
    )
    rate_limit_window_seconds: float = Field(
        default=DEFAULT_WINDOW, gt=0, le=3600, description="Length of that window in seconds."
    )
    poll_interval_seconds: float = Field(
        default=30,
        ge=0,
        le=3600,
        description="Rest after a cycle reached the newest record, before the next cycle.",
    )

    @model_validator(mode="after")
    def _one_mode(self) -> GraphSourceConfig:
        if (self.path is None) == (self.tenant_id is None):
            raise ValueError("one of path or tenant_id must be configured")
        if self.tenant_id is None:
            extra = [key for key in _LIVE_ONLY if key in self.model_fields_set]
            if extra:
                raise ValueError(f"{', '.join(extra)} apply only with tenant_id, not with path")
            return self
        if not self.client_id:
            raise ValueError("client_id must be configured with tenant_id")
        if (self.client_secret_env is None) == (self.client_secret_file is None):
            raise ValueError(
                "one of client_secret_env or client_secret_file must be configured with tenant_id"
            )
        for key in ("graph_url", "login_url"):
            parts = urlsplit(getattr(self, key))
            if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError(f"{key} must be an https origin, e.g. https://graph.microsoft.com")
            if parts.query or parts.fragment or parts.username:
                raise ValueError(f"{key} must be an https origin, e.g. https://graph.microsoft.com")
        return self


def _fields(raw: Mapping[str, object]) -> tuple[object, object]:
    return raw.get("activityDateTime"), raw.get("id")


def build_graph_source(
    config: GraphSourceConfig,
    *,
    kind: str,
    collection: str,
    name: str,
    base_dir: Path,
    context: BuildContext,
) -> RecordsFileCollector | GraphLogPoller:
    read = record_reader(kind, _fields)
    if config.tenant_id is None:
        assert config.path is not None  # the validator guarantees one mode
        return RecordsFileCollector(name=name, path=base_dir / config.path, read=read)
    assert config.client_id is not None
    try:
        secret = resolve_secret(
            env=config.client_secret_env,
            file=base_dir / config.client_secret_file if config.client_secret_file else None,
        )
    except SecretError as err:
        raise SecretError(f"source {name}: {err}") from None
    if secret is None:
        raise SecretError(f"source {name}: no client secret configured")
    client = httpx.Client(transport=context.transport, timeout=120.0)
    credentials = ClientCredentials(
        name=name,
        authority=f"{config.login_url.rstrip('/')}/{config.tenant_id}",
        client_id=config.client_id,
        secret=secret,
        client=client,
        clock=context.clock,
    )
    return GraphLogPoller(
        name=name,
        graph_url=config.graph_url,
        collection=collection,
        credentials=credentials,
        budget=budget_for(
            config.tenant_id,
            context.clock,
            config.rate_limit_requests,
            config.rate_limit_window_seconds,
        ),
        client=client,
        read=read,
        clock=context.clock,
        since=config.since,
        overlap=config.overlap_seconds,
        page_size=config.page_size,
        interval=config.poll_interval_seconds,
    )
