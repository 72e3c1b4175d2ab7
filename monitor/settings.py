"""Process settings: how this process runs, as opposed to what it watches (`monitor.config`).

Read once in `monitor.cli` from flags and environment variables, then passed down; nothing
reads the environment at import time. Every setting is one documented field here.

| variable | default | meaning |
|---|---|---|
| SCIMWATCH_LISTEN | 127.0.0.1:9780 | HTTP address (`/metrics`, `/healthz`, `/readyz`, API) |
| SCIMWATCH_DATABASE_URL | sqlite:///scimwatch.db | SQLAlchemy URL; `postgresql://...` to share |
| SCIMWATCH_DATABASE_URL_FILE | | file holding the URL (when it carries a password) |
| SCIMWATCH_LOG_LEVEL | INFO | DEBUG, INFO, WARNING or ERROR |
| SCIMWATCH_POLL_INTERVAL | 1.0 | seconds between polls of a source that had nothing new |
| SCIMWATCH_RETENTION_DAYS | 180 | stored activity and IdP dedupe keys older than this are pruned |
| SCIMWATCH_API_TOKEN | | bearer token required to create or expire silences (unset: no check) |
| SCIMWATCH_API_TOKEN_FILE | | file holding that token |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor.secret import Secret, resolve_secret

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_LISTEN", "Settings", "parse_listen"]

DEFAULT_LISTEN = "127.0.0.1:9780"
DEFAULT_DATABASE_URL = "sqlite:///scimwatch.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """How the process runs."""

    listen: str = DEFAULT_LISTEN
    database_url: Secret = field(default_factory=lambda: Secret(DEFAULT_DATABASE_URL))
    log_level: str = "INFO"
    poll_interval: float = 1.0
    retention_days: float = 180.0
    api_token: Secret | None = None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        overrides: Mapping[str, object] | None = None,
    ) -> Settings:
        """Environment first, then explicit overrides (flags) that are not None."""
        env = os.environ if environ is None else environ
        file = env.get("SCIMWATCH_DATABASE_URL_FILE")
        url = resolve_secret(
            env="SCIMWATCH_DATABASE_URL" if env.get("SCIMWATCH_DATABASE_URL") else None,
            file=Path(file) if file else None,
            environ=env,
        )
        token_file = env.get("SCIMWATCH_API_TOKEN_FILE")
        token = resolve_secret(
            env="SCIMWATCH_API_TOKEN" if env.get("SCIMWATCH_API_TOKEN") else None,
            file=Path(token_file) if token_file else None,
            environ=env,
        )
        values: dict[str, object] = {
            "listen": env.get("SCIMWATCH_LISTEN", DEFAULT_LISTEN),
            "database_url": url or Secret(DEFAULT_DATABASE_URL),
            "log_level": env.get("SCIMWATCH_LOG_LEVEL", "INFO").upper(),
            "poll_interval": float(env.get("SCIMWATCH_POLL_INTERVAL", "1.0")),
            "retention_days": float(env.get("SCIMWATCH_RETENTION_DAYS", "180")),
            "api_token": token,
        }
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        if isinstance(values["database_url"], str):
            values["database_url"] = Secret(values["database_url"])
        return cls(**values)  # type: ignore[arg-type]


def parse_listen(listen: str) -> tuple[str, int]:
    """`host:port` (IPv6 in brackets) -> (host, port); port 0 picks a free port."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"listen address {listen!r} is not host:port")
    return host.strip("[]") or "0.0.0.0", int(port)
