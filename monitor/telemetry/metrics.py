"""Every metric name and object scimwatch exports, declared once.

Names follow https://prometheus.io/docs/practices/naming/ (`scimwatch_` prefix, base units,
`_total` on counters). Labels are bounded: apps and sources come from the config, the rest
from enums; no user, email or resource id ever becomes a label. Dashboards and rules import
the name constants from here, so a renamed metric breaks their tests, not a panel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from monitor.events import RejectReason
from monitor.telemetry.histogram import BulkHistogram
from monitor.telemetry.state import (
    COLLECTOR_LAG,
    DEPROVISIONS_OVERDUE,
    DEPROVISIONS_PENDING,
    FINDINGS_OPEN,
    OLDEST_PENDING,
)
from monitor.telemetry.summary import BatchSummary

__all__ = ["DETECTED_KINDS", "NAMES", "Metrics"]

SCIM_REQUESTS = "scimwatch_scim_requests_total"
SCIM_DURATION = "scimwatch_scim_request_duration_seconds"
SCIM_ERRORS = "scimwatch_scim_errors_total"
SCIM_DEPROVISIONS = "scimwatch_scim_deprovision_requests_total"
SCIM_RETRY_AFTER = "scimwatch_scim_retry_after_seconds"
SCIM_QUIRKS = "scimwatch_scim_quirk_requests_total"
INGEST_LINES = "scimwatch_ingest_lines_total"
INGEST_REJECTED = "scimwatch_ingest_rejected_lines_total"
DETECTION_SKIPPED = "scimwatch_detection_skipped_records_total"
COLLECTOR_UP = "scimwatch_collector_up"
COLLECTOR_LAST_SUCCESS = "scimwatch_collector_last_success_timestamp_seconds"
COLLECTOR_ERRORS = "scimwatch_collector_errors_total"
COLLECTOR_NEWEST_EVENT = "scimwatch_collector_newest_event_timestamp_seconds"
COLLECTOR_EVENTS = "scimwatch_collector_events_total"
COLLECTOR_HEADROOM = "scimwatch_collector_rate_limit_headroom_ratio"
BUILD_INFO = "scimwatch_build_info"
DEPROVISION_LAG = "scimwatch_deprovision_lag_seconds"
FINDINGS_TOTAL = "scimwatch_findings_total"
ALERTS_FIRING = "scimwatch_alerts_firing"
ALERTS_LAST_EVALUATION = "scimwatch_alerts_last_evaluation_timestamp_seconds"
NOTIFICATIONS = "scimwatch_notifications_total"
NOTIFICATION_LATENCY = "scimwatch_notification_latency_seconds"

DETECTED_KINDS = ("scim", "idp", "activity")  # the `kind` of a record detection skipped

NAMES = (
    SCIM_REQUESTS,
    SCIM_DURATION,
    SCIM_ERRORS,
    SCIM_DEPROVISIONS,
    SCIM_RETRY_AFTER,
    SCIM_QUIRKS,
    INGEST_LINES,
    INGEST_REJECTED,
    DETECTION_SKIPPED,
    COLLECTOR_UP,
    COLLECTOR_LAST_SUCCESS,
    COLLECTOR_ERRORS,
    COLLECTOR_NEWEST_EVENT,
    COLLECTOR_EVENTS,
    COLLECTOR_HEADROOM,
    COLLECTOR_LAG,
    BUILD_INFO,
    DEPROVISION_LAG,
    FINDINGS_TOTAL,
    DEPROVISIONS_PENDING,
    OLDEST_PENDING,
    DEPROVISIONS_OVERDUE,
    FINDINGS_OPEN,
    ALERTS_FIRING,
    ALERTS_LAST_EVALUATION,
    NOTIFICATIONS,
    NOTIFICATION_LATENCY,
)

# SCIM latencies: from cache hits to Okta's 60 s request timeout.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# From a same-minute push to a week-long zombie; SLOs are usually 15 min to a day.
LAG_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400)
NOTIFY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RETRY_AFTER_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 3600, 6 * 3600, 24 * 3600)


def _name(full: str) -> str:
    """prometheus_client appends `_total` to counters itself."""
    return full.removesuffix("_total")


class Metrics:
    """The metric objects of one registry (one per daemon, one per test)."""

    def __init__(self, registry: CollectorRegistry, *, version: str = "dev") -> None:
        self.registry = registry
        self.scim_requests = Counter(
            _name(SCIM_REQUESTS),
            "SCIM requests seen in logs.",
            ["app", "idp", "resource", "operation", "outcome"],
            registry=registry,
        )
        self.scim_duration = BulkHistogram(
            SCIM_DURATION,
            "SCIM request latency as logged.",
            ["app", "idp", "operation"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.scim_errors = Counter(
            _name(SCIM_ERRORS),
            "SCIM requests answered 4xx or 5xx.",
            ["app", "idp", "status_code", "scim_type"],
            registry=registry,
        )
        self.scim_deprovisions = Counter(
            _name(SCIM_DEPROVISIONS),
            "SCIM requests that disable or delete a user.",
            ["app", "idp", "outcome"],
            registry=registry,
        )
        self.scim_retry_after = BulkHistogram(
            SCIM_RETRY_AFTER,
            "Retry-After asked for by SCIM answers (usually 429 or 503).",
            ["app", "idp"],
            buckets=RETRY_AFTER_BUCKETS,
            registry=registry,
        )
        self.scim_quirks = Counter(
            _name(SCIM_QUIRKS),
            "SCIM requests carrying an IdP-specific shape, by outcome.",
            ["app", "idp", "quirk", "outcome"],
            registry=registry,
        )
        self.ingest_lines = Counter(
            _name(INGEST_LINES), "Input lines or records read.", ["source"], registry=registry
        )
        self.ingest_rejected = Counter(
            _name(INGEST_REJECTED),
            "Input lines skipped as unreadable.",
            ["source", "reason"],
            registry=registry,
        )
        self.detection_skipped = Counter(
            _name(DETECTION_SKIPPED),
            "Records detection could not handle, skipped alone (see the log).",
            ["kind"],
            registry=registry,
        )
        for kind in DETECTED_KINDS:  # 0, not nothing, until the first one
            self.detection_skipped.labels(kind)
        self.collector_up = Gauge(
            COLLECTOR_UP,
            "1 when the collector's last poll succeeded.",
            ["collector"],
            registry=registry,
        )
        self.collector_last_success = Gauge(
            COLLECTOR_LAST_SUCCESS,
            "Unix time of the collector's last successful poll.",
            ["collector"],
            registry=registry,
        )
        self.collector_errors = Counter(
            _name(COLLECTOR_ERRORS),
            "Failed collector polls.",
            ["collector", "reason"],
            registry=registry,
        )
        self.collector_newest_event = Gauge(
            COLLECTOR_NEWEST_EVENT,
            "Event time of the newest record a collector delivered.",
            ["collector"],
            registry=registry,
        )
        self.collector_events = Counter(
            _name(COLLECTOR_EVENTS),
            "Records a collector delivered (lines or audit records).",
            ["collector"],
            registry=registry,
        )
        self.collector_headroom = Gauge(
            COLLECTOR_HEADROOM,
            "Share of the vendor API's rate limit a poller may still use.",
            ["collector"],
            registry=registry,
        )
        self.deprovision_lag = Histogram(
            DEPROVISION_LAG,
            "IdP deprovision request to confirmed removal in the app.",
            ["app", "idp"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.findings_total = Counter(
            _name(FINDINGS_TOTAL), "Findings opened.", ["app", "type"], registry=registry
        )
        self.alerts_firing = Gauge(
            ALERTS_FIRING,
            "Alerts firing now (silenced and inhibited ones included).",
            ["alertname", "severity"],
            registry=registry,
        )
        self.alerts_last_evaluation = Gauge(
            ALERTS_LAST_EVALUATION,
            "Unix time of the alert pipeline's last completed pass on this replica.",
            registry=registry,
        )
        self.notifications = Counter(
            _name(NOTIFICATIONS),
            "Notification attempts by outcome: success, retry (will try again), failure.",
            ["receiver", "outcome"],
            registry=registry,
        )
        self.notification_latency = Histogram(
            NOTIFICATION_LATENCY,
            "Time one notification attempt took.",
            ["receiver"],
            buckets=NOTIFY_BUCKETS,
            registry=registry,
        )
        Gauge(BUILD_INFO, "scimwatch build; always 1.", ["version"], registry=registry).labels(
            version
        ).set(1)

    def apply_outcomes(
        self,
        *,
        confirmed: Iterable[tuple[str, float]],
        opened: Mapping[tuple[str, str], int],
        idp_of: Callable[[str], str],
    ) -> None:
        """Publish what a committed batch's detections changed."""
        for app, lag in confirmed:
            self.deprovision_lag.labels(app, idp_of(app)).observe(max(lag, 0.0))
        for (app, kind), n in opened.items():
            self.findings_total.labels(app or "", kind).inc(n)

    def skipped_records(self, kinds: Iterable[str]) -> None:
        """Publish the records a committed batch's detection skipped, by kind."""
        for kind in kinds:
            self.detection_skipped.labels(kind).inc()

    def observe_notification(self, receiver: str, outcome: str, seconds: float) -> None:
        self.notifications.labels(receiver, outcome).inc()
        self.notification_latency.labels(receiver).observe(seconds)

    def declare_receivers(self, names: Iterable[str]) -> None:
        """Pre-create per-receiver series so a healthy receiver shows 0 failures, not nothing."""
        for name in names:
            for outcome in ("success", "retry", "failure"):
                self.notifications.labels(name, outcome)
            self.notification_latency.labels(name)

    def declare_sources(self, names: Iterable[str]) -> None:
        """Pre-create per-source series so a quiet source shows 0, not nothing."""
        for name in names:
            self.ingest_lines.labels(name)
            self.collector_events.labels(name)
            self.collector_up.labels(name).set(0)
            for reason in RejectReason:
                self.ingest_rejected.labels(name, reason.value)

    def apply(self, source: str, summary: BatchSummary) -> None:
        """Publish a committed batch of one source."""
        self.apply_source(source, summary)
        self.apply_requests(summary)

    def apply_source(self, source: str, summary: BatchSummary) -> None:
        self.ingest_lines.labels(source).inc(summary.units)
        self.collector_events.labels(source).inc(
            max(summary.units - sum(summary.rejected.values()), 0)
        )
        _inc(self.ingest_rejected, {(source, r): n for r, n in summary.rejected.items()})
        if summary.newest_ts is not None:
            gauge = self.collector_newest_event.labels(source)
            gauge.set(max(summary.newest_ts, _value(gauge)))

    def apply_requests(self, summary: BatchSummary) -> None:
        _inc(self.scim_requests, summary.requests)
        _inc(self.scim_errors, summary.errors)
        _inc(self.scim_deprovisions, summary.deprovisions)
        _inc(self.scim_quirks, summary.quirks)
        for labels, tally in summary.durations.items():
            self.scim_duration.add(labels, tally)
        for app_idp, waits in summary.retry_after.items():
            self.scim_retry_after.add(app_idp, waits)


Labels = TypeVar("Labels", bound=tuple[str, ...])


def _inc(counter: Counter, deltas: Mapping[Labels, int]) -> None:
    for labels, n in deltas.items():
        counter.labels(*labels).inc(n)


def _value(gauge: Gauge) -> float:
    return float(gauge._value.get())
