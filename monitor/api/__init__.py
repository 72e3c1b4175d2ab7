"""The HTTP surface: `/metrics`, health checks, the report API and a status page.

`create_api(app)` takes anything shaped like `AppView`, so tests can serve a real `App`
started on port 0 or a small stand-in.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from monitor import __version__
from monitor.api.alerting import AlertingView
from monitor.api.alerting import router as alerting_router
from monitor.api.attention import alerts_section, attention
from monitor.api.detections import DetectionsView, router
from monitor.api.ingest import PushTarget
from monitor.api.ingest import router as ingest_router
from monitor.api.status import render_status
from monitor.report import iso_ms

__all__ = ["AppView", "create_api"]


class AppView(DetectionsView, PushTarget, AlertingView, Protocol):
    registry: CollectorRegistry

    def readiness(self) -> dict[str, str]: ...

    def report(self) -> dict[str, object]: ...


def create_api(app: AppView) -> FastAPI:
    api = FastAPI(
        title="scimwatch",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )

    @api.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(app.registry), media_type=content_type)

    @api.get("/healthz", summary="Liveness: the process serves HTTP")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", summary="Readiness: store reachable and every source worker running")
    def readyz() -> JSONResponse:
        checks = app.readiness()
        ready = all(state == "ok" for state in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @api.get("/api/v1/report", summary="The replay report (contract section 7) of live state")
    def report() -> dict[str, object]:
        return app.report()

    api.include_router(router(app))
    api.include_router(ingest_router(app))
    api.include_router(alerting_router(app))

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def status() -> str:
        summary = {
            "now": iso_ms(app.store.newest_ts()),
            "rejected_lines": app.store.rejected_total(),
            "requests": app.store.request_counts(),
        }
        needs = attention(
            pending=app.store.pending_deprovisions(),
            open_findings=app.store.open_findings(),
            now=app.now() or 0.0,
            slo=app.config.slo_seconds,
        )
        firing = alerts_section(app.alerting.alert_items())
        return render_status(summary, app.readiness(), app.registry, firing + needs)

    return api
