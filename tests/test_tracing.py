"""OpenTelemetry: configured by the standard OTEL_* variables; a span per collector poll,
ingest batch, detection pass, alert pipeline pass and notification attempt, checked with the
SDK's in-memory exporter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.serve import serve
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import load, parse
from monitor.ingest import Ingestor
from monitor.replay import CHUNK, replay
from monitor.secret import Secret
from monitor.settings import Settings
from monitor.store.sql import SqlStore
from monitor.telemetry.metrics import DEPROVISION_LAG, FINDINGS_TOTAL, Metrics
from monitor.telemetry.tracing import TracingError, tracer_provider_from_env

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"


def _exporters(provider: TracerProvider | None) -> list[type]:
    if provider is None:
        return []
    processors = provider._active_span_processor._span_processors  # the SDK keeps them here
    return [type(p.span_exporter) for p in processors]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),
        ({"OTEL_TRACES_EXPORTER": "none"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, [OTLPSpanExporter]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, [OTLPSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "console"}, [ConsoleSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, [OTLPSpanExporter, ConsoleSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, []),
    ],
)
def test_tracing_follows_the_standard_variables(
    environ: dict[str, str], expected: list[type]
) -> None:
    provider = tracer_provider_from_env(environ, version="1.2.3")
    try:
        assert _exporters(provider) == expected
        if provider is not None:
            assert provider.resource.attributes["service.name"] == "scimwatch"
            assert provider.resource.attributes["service.version"] == "1.2.3"
    finally:
        if provider is not None:
            provider.shutdown()


def test_service_name_and_unknown_exporters() -> None:
    provider = tracer_provider_from_env(
        {"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "scimwatch-eu"}
    )
    assert provider is not None and provider.resource.attributes["service.name"] == "scimwatch-eu"
    provider.shutdown()
    with pytest.raises(TracingError, match="zipkin"):
        tracer_provider_from_env({"OTEL_TRACES_EXPORTER": "zipkin"})


def _line(ts: str, status: int, user: str, sp_id: str) -> str:
    body = {"userName": user, "active": True}
    return json.dumps(
        {"ts": ts, "method": "POST", "path": "/scim/v2/Users", "status": status,
         "request_body": body, "response_body": {**body, "id": sp_id}}
    )  # fmt: skip


def test_spans_for_polls_pipeline_passes_and_notifications(tmp_path: Path) -> None:
    posts: list[object] = []

    async def hook(request: Request) -> Response:
        posts.append(await request.json())
        return Response(status_code=500 if len(posts) == 1 else 200)

    (tmp_path / "crm.log").write_text(
        _line("2026-01-01T00:00:00Z", 201, "ann@example.com", "a1")
        + "\n"
        + _line("2026-01-01T00:00:01Z", 201, "ANN@example.com", "a2")
        + "\n"
    )
    (tmp_path / "a-directory").mkdir()  # unreadable as a log: every poll fails
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    with serve(receiver) as url:
        config = parse(
            f"""
apps: [{{name: crm, idp: okta}}]
sources:
  - {{type: scim_log, app: crm, path: crm.log}}
  - {{type: scim_log, app: crm, name: broken, path: a-directory}}
alerting:
  route: {{receiver: hook, group_wait: 0s}}
  receivers: [{{name: hook, notifiers: [{{type: webhook, url: "{url}/hook"}}]}}]
""",
            source="scimwatch.yaml",
            base_dir=tmp_path,
        )
        clock = FakeClock(start=1_767_225_700.0)
        settings = Settings(database_url=Secret(f"sqlite:///{tmp_path / 'state.db'}"))
        app = App(
            settings=settings,
            config=config,
            clock=clock,
            registry=CollectorRegistry(),
            tracer_provider=provider,
        )
        for worker in app.workers:
            worker.step()
        app.alerting.tick()  # the webhook answers 500: a failed attempt
        clock.advance(60)
        app.alerting.tick()  # retried and delivered
        app.stop()
    spans = exporter.get_finished_spans()
    polls = {s.attributes["scimwatch.collector"]: s for s in spans if s.name == "collector.poll"}
    assert set(polls) == {"scim_log/crm", "broken"}
    assert polls["scim_log/crm"].status.status_code is StatusCode.UNSET
    assert polls["broken"].status.status_code is StatusCode.ERROR
    assert polls["broken"].attributes["scimwatch.error.reason"]
    [batch] = [s for s in spans if s.name == "ingest.batch"]
    assert (
        batch.parent is not None and batch.parent.span_id == polls["scim_log/crm"].context.span_id
    )
    assert batch.attributes["scimwatch.source"] == "scim_log/crm"
    assert batch.attributes["scimwatch.records"] == 2
    [detect] = [s for s in spans if s.name == "detect.batch"]  # one pass for the whole batch
    assert detect.parent is not None and detect.parent.span_id == batch.context.span_id
    assert detect.attributes["scimwatch.records"] == 2
    assert detect.attributes["scimwatch.findings.opened"] == 1  # ann@ and ANN@: a digital twin
    assert detect.attributes["scimwatch.deprovisions.confirmed"] == 0
    passes = [s for s in spans if s.name == "alerts.evaluate"]
    assert len(passes) == 2 and passes[0].attributes["scimwatch.lease_held"] is True
    assert passes[0].attributes["scimwatch.notifications.queued"] >= 1
    sends = [s for s in spans if s.name == "notification.send"]
    assert [s.attributes["scimwatch.delivered"] for s in sends] == [False, True]
    assert sends[0].attributes["scimwatch.error.reason"] == "serverError"
    assert all(
        s.parent is not None and s.parent.span_id in {p.context.span_id for p in passes}
        for s in sends
    )
    assert len(posts) == 2
    for span in spans:  # no identities or secrets in span attributes
        assert "example.com" not in json.dumps(dict(span.attributes or {}))


def _total(registry: CollectorRegistry, name: str) -> float:
    return sum(
        sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name
    )


def test_replay_traces_one_detection_pass_per_merged_batch(tmp_path: Path) -> None:
    """Replay merges every source into chunks: one `ingest.batch` per chunk, one `detect.batch`
    inside it, whatever the chunk's size; the spans' outcomes add up to what the metrics
    published."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = load(SAMPLE / "scimwatch.yaml")
    store = SqlStore(f"sqlite:///{tmp_path / 'state.db'}")
    registry = CollectorRegistry()
    ingestor = Ingestor(
        config=config,
        store=store,
        metrics=Metrics(registry),
        clock=FakeClock(start=1_767_225_700.0),
        tracer=provider.get_tracer("test"),
    )
    try:
        replay(config, ingestor=ingestor)
    finally:
        store.close()
    spans = exporter.get_finished_spans()
    batches = [s for s in spans if s.name == "ingest.batch"]
    detects = [s for s in spans if s.name == "detect.batch"]
    records = [b.attributes["scimwatch.records"] for b in batches]
    assert len(batches) >= 2 and records[:-1] == [CHUNK] * (len(batches) - 1)  # full chunks
    assert 0 < records[-1] <= CHUNK
    assert all(b.parent is None and b.attributes["scimwatch.sources"] > 1 for b in batches)
    assert [d.parent.span_id for d in detects if d.parent] == [b.context.span_id for b in batches]
    assert [d.attributes["scimwatch.records"] for d in detects] == records
    opened = sum(d.attributes["scimwatch.findings.opened"] for d in detects)
    confirmed = sum(d.attributes["scimwatch.deprovisions.confirmed"] for d in detects)
    assert opened > 0 and opened == _total(registry, FINDINGS_TOTAL)
    assert confirmed > 0 and confirmed == _total(registry, DEPROVISION_LAG + "_count")
