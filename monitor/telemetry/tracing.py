"""The only place that configures the OpenTelemetry SDK; everything else uses the API.

Configured by the standard variables: `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` (`otlp`,
`console` or `none`), `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
`..._HEADERS`, `..._TIMEOUT` (read by the OTLP/HTTP exporter), `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES` (read by the SDK's resource), `OTEL_TRACES_SAMPLER[_ARG]` and
`OTEL_BSP_*`. Tracing is off unless an exporter or an OTLP endpoint is named: a daemon should not
spend effort, or log export errors, for a collector nobody runs. Export failures are the SDK's
to log; they never reach the pipeline.

Spans (attributes in the `scimwatch.` namespace): `collector.poll` per poll of a source,
`ingest.batch` per committed batch (classification, detection and the commit; in a replay, per
chunk of merged records), `detect.batch` per detection pass inside it (one per batch, never per
record), `alerts.evaluate` per alert pipeline pass and `notification.send` per delivery attempt.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

__all__ = ["TRACER_NAME", "TracingError", "tracer_provider_from_env"]

TRACER_NAME = "scimwatch"
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


class TracingError(ValueError):
    """An OTEL_* setting scimwatch cannot honour."""


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise TracingError(f"OTEL_TRACES_EXPORTER={name!r}: scimwatch supports otlp, console, none")


def tracer_provider_from_env(
    environ: Mapping[str, str], *, version: str = "dev"
) -> TracerProvider | None:
    """A provider exporting as the environment asks, or None when tracing is off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    names = [
        n.strip().lower() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()
    ]
    if not names and any(environ.get(var) for var in _ENDPOINTS):
        names = ["otlp"]
    names = [n for n in names if n != "none"]
    if not names:
        return None
    exporters = [_exporter(name) for name in names]
    name = environ.get("OTEL_SERVICE_NAME") or "scimwatch"
    resource = Resource.create({SERVICE_NAME: name, SERVICE_VERSION: version})
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
