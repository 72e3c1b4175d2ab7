"""Read APIs for deprovisions and findings: filterable, paginated JSON."""

from __future__ import annotations

from typing import Literal, Protocol

from fastapi import APIRouter, Query

from monitor.config import Config
from monitor.report import deprovision_item, finding_item
from monitor.store.base import Store

__all__ = ["DetectionsView", "router"]

MAX_LIMIT = 1000


class DetectionsView(Protocol):
    store: Store
    config: Config

    def now(self) -> float | None: ...


def _page(items: list[dict[str, object]], total: int, limit: int, offset: int) -> dict[str, object]:
    following = offset + limit if offset + limit < total else None
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": following,
    }


def router(view: DetectionsView) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["detections"])

    @api.get("/deprovisions", summary="Deprovisions requested by the IdPs, with lag and status")
    def deprovisions(
        app: str | None = None,
        status: Literal["pending", "confirmed"] | None = None,
        overdue: bool | None = None,
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0),
    ) -> dict[str, object]:
        now = view.now()
        items = [
            deprovision_item(row, view.config, now)
            for row in view.store.deprovision_rows(app=app, status=status)
        ]
        if overdue is not None:
            items = [item for item in items if item["overdue"] is overdue]
        return _page(items[offset : offset + limit], len(items), limit, offset)

    @api.get("/findings", summary="Findings, one per subject, with first/last seen and count")
    def findings(
        app: str | None = None,
        type: str | None = None,
        status: Literal["open", "resolved"] | None = None,
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0),
    ) -> dict[str, object]:
        rows, total = view.store.finding_rows(
            app=app, type=type, status=status, limit=limit, offset=offset
        )
        return _page([finding_item(row) for row in rows], total, limit, offset)

    return api
