"""One `sp_resources` row: what the resources module and identity matching share."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SpRow"]


class SpRow(NamedTuple):
    """One `sp_resources` row, in column order."""

    app: str
    sp_id: str
    resource_type: str
    user_name: str | None = None
    user_key: str | None = None
    email_key: str | None = None
    external_id: str | None = None
    idp_user_id: str | None = None
    active: bool | None = None
    first_seen: float = 0.0
    last_seen: float = 0.0
    created_at: float | None = None
    disabled_at: float | None = None
    deleted_at: float | None = None
    representation: str | None = None
    pending: str | None = None
