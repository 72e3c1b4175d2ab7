"""The HTTP surface of a real App: /metrics, health, report, status page; label hygiene."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from contract_util import FINDING_TYPES
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from alerts.catalog import CATALOG
from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import load
from monitor.events import Idp, Operation, Outcome, RejectReason, Resource
from monitor.replay import replay
from monitor.secret import Secret
from monitor.settings import Settings
from monitor.store.tables import sp_resources
from monitor.telemetry.metrics import DETECTED_KINDS

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
REQUIRED = [
    "scimwatch_scim_requests_total",
    "scimwatch_scim_request_duration_seconds",
    "scimwatch_scim_errors_total",
    "scimwatch_scim_deprovision_requests_total",
    "scimwatch_ingest_lines_total",
    "scimwatch_ingest_rejected_lines_total",
    "scimwatch_collector_up",
    "scimwatch_collector_last_success_timestamp_seconds",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """An App over a copy of the sample, its files ingested once through the real pipeline."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, root, dirs_exist_ok=True)
    config = load(root / "scimwatch.yaml")
    settings = Settings(database_url=Secret(f"sqlite:///{root / 'state.db'}"))
    clock = FakeClock(start=1_793_923_200.0)  # 2026-11-05, a day after the sample ends
    app = App(settings=settings, config=config, clock=clock, registry=CollectorRegistry())
    replay(config, ingestor=app.ingestor)
    yield app
    app.store.close()


@pytest.fixture(scope="module")
def client(app: App) -> TestClient:
    return TestClient(app.api)


def families(client: TestClient) -> dict[str, object]:
    text = client.get("/metrics").text
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_exposes_every_required_family(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name in REQUIRED:
        assert f"# TYPE {name.removesuffix('_total')}" in response.text, name


def test_openmetrics_is_negotiated(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_requests_counter_matches_the_report(client: TestClient) -> None:
    report = client.get("/api/v1/report").json()
    totals: dict[str, int] = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        if family.name == "scimwatch_scim_requests":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    app = sample.labels["app"]
                    totals[app] = totals.get(app, 0) + int(sample.value)
    assert totals == {app: sum(c.values()) for app, c in report["requests"].items()}
    assert report["now"] == "2026-11-03T23:58:29.691Z"


def test_no_label_carries_a_user_or_an_id(app: App, client: TestClient) -> None:
    """Label values come from the config or from enums, never from the traffic."""
    allowed = {
        "app": {a.name for a in app.config.apps} | {""},  # "": IdP-level findings
        "type": set(FINDING_TYPES),
        "source": {s.name for s in app.config.sources},
        "collector": {s.name for s in app.config.sources},
        "idp": {i.value for i in Idp},
        "resource": {r.value for r in Resource},
        "operation": {o.value for o in Operation},
        "outcome": {o.value for o in Outcome} | {"success", "retry", "failure"},
        "reason": {r.value for r in RejectReason},
        "alertname": {rule.name for rule in CATALOG},
        "severity": {rule.severity for rule in CATALOG},
        "receiver": {r.name for r in app.config.alerting.receivers},
        "kind": set(DETECTED_KINDS),
    }
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            for label, val in sample.labels.items():
                assert "@" not in val and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", val), val
                if label in allowed:
                    assert val in allowed[label], (family.name, label, val)
                elif label == "status_code":
                    assert re.fullmatch(r"[1-5]\d\d|other", val)
                elif label not in {"le", "scim_type", "quirk", "version"}:
                    raise AssertionError(f"unexpected label {label} on {family.name}")


def test_health_and_readiness(app: App, client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    not_started = client.get("/readyz")
    assert not_started.status_code == 503
    assert not_started.json()["checks"]["sources"] == "not all source workers are running"


def test_status_page_shows_apps_and_sources(client: TestClient) -> None:
    page = client.get("/").text
    for name in (
        "crm",
        "tickets",
        "wiki",
        "payroll",
        "chat",
        "scim_log/crm",
        "google_reports/token",
    ):
        assert name in page
    assert 'title="throttled: 25"' in page  # chat's 429s, as a bar segment
    assert "Deprovisions pending" in page and "overdue" in page
    assert "/api/v1/findings?type=digital_twin&amp;status=open&amp;app=tickets" in page


def test_deprovisions_api_filters_and_pages(client: TestClient) -> None:
    everything = client.get("/api/v1/deprovisions", params={"limit": 1000}).json()
    assert everything["total"] == 294 and everything["next_offset"] is None
    pending = client.get("/api/v1/deprovisions", params={"status": "pending"}).json()
    assert pending["total"] == 7
    assert all(item["status"] == "pending" for item in pending["items"])
    page = client.get("/api/v1/deprovisions", params={"app": "chat", "limit": 10, "offset": 10})
    body = page.json()
    assert body["total"] == 52 and len(body["items"]) == 10 and body["next_offset"] == 20
    assert {item["app"] for item in body["items"]} == {"chat"}
    assert client.get("/api/v1/deprovisions", params={"status": "gone"}).status_code == 422


def test_findings_api_filters_and_pages(client: TestClient) -> None:
    twins = client.get("/api/v1/findings", params={"type": "digital_twin"}).json()
    assert twins["total"] == 6 and all(len(f["sp_ids"]) == 2 for f in twins["items"])
    open_twins = client.get(
        "/api/v1/findings", params={"type": "digital_twin", "status": "open"}
    ).json()
    assert 0 < open_twins["total"] <= 6
    quirk = client.get("/api/v1/findings", params={"type": "vendor_quirk_rejected"}).json()
    assert quirk["items"][0]["count"] == 40 and "aadOptscim062020" in quirk["items"][0]["hint"]
    first = client.get("/api/v1/findings", params={"limit": 100}).json()
    second = client.get("/api/v1/findings", params={"limit": 100, "offset": 100}).json()
    assert first["total"] == 170 and first["next_offset"] == 100
    ids = [json.dumps(f, sort_keys=True) for f in first["items"] + second["items"]]
    assert len(set(ids)) == len(ids)


def test_state_gauges(app: App, client: TestClient) -> None:
    text = client.get("/metrics").text
    assert 'scimwatch_deprovisions_pending{app="crm"} 5.0' in text
    open_twins = client.get(
        "/api/v1/findings", params={"type": "digital_twin", "status": "open"}
    ).json()["total"]
    assert f'scimwatch_findings_open{{app="tickets",type="digital_twin"}} {open_twins}.0' in text
    assert 'scimwatch_findings_total{app="wiki",type="vendor_quirk_rejected"} 1.0' in text
    assert "scimwatch_deprovision_lag_seconds_bucket" in text
    lag = app.registry.get_sample_value(
        "scimwatch_collector_lag_seconds", {"collector": "app_activity_log/crm"}
    )
    newest = app.store.newest_by_source()["app_activity_log/crm"]
    assert lag == pytest.approx(app.clock.now() - newest)
    events = app.registry.get_sample_value(
        "scimwatch_collector_events_total", {"collector": "scim_log/chat"}
    )
    assert events == 710


def test_resolved_twins_have_a_side_that_is_gone(app: App, client: TestClient) -> None:
    resolved = client.get(
        "/api/v1/findings", params={"type": "digital_twin", "status": "resolved"}
    ).json()["items"]
    with app.store.engine.connect() as conn:  # type: ignore[attr-defined]
        for finding in resolved:
            rows = conn.execute(
                select(sp_resources.c.active, sp_resources.c.deleted_at).where(
                    (sp_resources.c.app == finding["app"])
                    & sp_resources.c.sp_id.in_(finding["sp_ids"])
                )
            ).all()
            assert any(row.active is False or row.deleted_at is not None for row in rows)
