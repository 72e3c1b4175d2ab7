"""Alerts and silences over HTTP, in the spirit of Alertmanager's v2 API.

Reads are open like the rest of the API; creating and expiring silences needs the bearer
token from SCIMWATCH_API_TOKEN when one is set (compared in constant time).
"""

from __future__ import annotations

import hmac
from typing import Any, Protocol

from fastapi import APIRouter, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from alerts.matchers import MatcherError
from monitor.secret import Secret

__all__ = ["AlertingView", "SilenceIn", "router"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="scimwatch"'}


class AlertingEngine(Protocol):
    def alert_items(self, *, include_resolved: bool = False) -> list[dict[str, object]]: ...

    def silence_items(self) -> list[dict[str, object]]: ...

    def add_silence(self, **fields: Any) -> dict[str, object]: ...

    def expire_silence(self, silence_id: str) -> bool: ...


class AlertingView(Protocol):
    @property
    def alerting(self) -> AlertingEngine: ...

    @property
    def api_token(self) -> Secret | None: ...


class SilenceIn(BaseModel):
    """A new silence. Give `ends_at` (Unix seconds), `duration` (seconds) or `until_resolved`."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[str] = Field(min_length=1, examples=[['alertname="DigitalTwin"', 'app="crm"']])
    created_by: str = Field(min_length=1, max_length=200)
    comment: str = Field(min_length=1, max_length=2000)
    starts_at: float | None = None
    ends_at: float | None = None
    duration: float | None = Field(default=None, gt=0)
    until_resolved: bool = False


def _check_token(view: AlertingView, header: str | None) -> None:
    token = view.api_token
    if token is None:
        return
    scheme, _, given = (header or "").partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.reveal().encode()
    )
    if not ok:
        raise HTTPException(401, "missing or wrong bearer token", headers=_CHALLENGE)


def router(view: AlertingView) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["alerting"])

    @api.get("/alerts", summary="Alerts firing now (and recently resolved ones on request)")
    def alerts(resolved: bool = False) -> dict[str, object]:
        items = view.alerting.alert_items(include_resolved=resolved)
        return {"items": items, "total": len(items)}

    @api.get("/silences", summary="Every silence: active, pending and expired")
    def silences() -> dict[str, object]:
        items = view.alerting.silence_items()
        return {"items": items, "total": len(items)}

    @api.post("/silences", status_code=201, summary="Create a silence")
    def create(
        body: SilenceIn, authorization: str | None = Header(default=None)
    ) -> dict[str, object]:
        _check_token(view, authorization)
        try:
            return view.alerting.add_silence(**body.model_dump())
        except (MatcherError, ValueError) as err:
            raise HTTPException(400, str(err)) from None

    @api.delete("/silences/{silence_id}", summary="Expire a silence now")
    def delete(silence_id: str, authorization: str | None = Header(default=None)) -> dict[str, str]:
        _check_token(view, authorization)
        if not view.alerting.expire_silence(silence_id):
            raise HTTPException(404, f"no active silence {silence_id!r}")
        return {"id": silence_id, "status": "expired"}

    return api
