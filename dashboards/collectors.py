"""Collectors: is scimwatch itself healthy? Sources up, lag, errors, volume, API headroom, and
the notifications of its built-in alerting."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards._common import (
    COLLECTOR,
    COLLECTOR_ONLY,
    RATE,
    Query,
    Runbooks,
    base,
    stat_panel,
    timeseries_panel,
)
from monitor.telemetry.metrics import (
    ALERTS_FIRING,
    ALERTS_LAST_EVALUATION,
    BUILD_INFO,
    COLLECTOR_ERRORS,
    COLLECTOR_EVENTS,
    COLLECTOR_HEADROOM,
    COLLECTOR_LAST_SUCCESS,
    COLLECTOR_NEWEST_EVENT,
    COLLECTOR_UP,
    DETECTION_SKIPPED,
    INGEST_LINES,
    INGEST_REJECTED,
    NOTIFICATION_LATENCY,
    NOTIFICATIONS,
)
from monitor.telemetry.state import COLLECTOR_LAG

UID = "scimwatch-collectors"
# Ingest metrics call the source `source`, collector metrics `collector`: same value.
SOURCE = 'source=~"$collector"'


def build(*, runbooks_url: str) -> Dashboard:
    """Health first (down, stale), then volume and errors, then the vendor API budget."""
    runbooks = Runbooks(runbooks_url)
    return (
        base(
            UID,
            "scimwatch / Collectors",
            "Source health: polls succeeding, data freshness, errors, volume and the vendor "
            "API rate-limit headroom.",
            runbooks=runbooks,
            variables=COLLECTOR_ONLY,
        )
        .with_panel(
            stat_panel(
                "Collectors down",
                "Sources whose last poll failed (or that have not polled yet since startup).",
                Query(f"sum(1 - {COLLECTOR_UP}{{{COLLECTOR}}})"),
                red_at=1,
                links=runbooks.of("CollectorDown"),
            )
        )
        .with_panel(
            stat_panel(
                "Worst lag",
                "The stalest source: now minus the newest event it delivered. A quiet source "
                "grows too, so compare with its usual traffic.",
                Query(f"max({COLLECTOR_LAG}{{{COLLECTOR}}})"),
                unit="s",
                links=runbooks.of("CollectorBehind"),
            )
        )
        .with_panel(
            stat_panel(
                "Rejected lines/s",
                "Input lines skipped as unreadable, all sources.",
                Query(f"sum(rate({INGEST_REJECTED}{{{SOURCE}}}[{RATE}]))"),
                unit="short",
            )
        )
        .with_panel(
            stat_panel(
                "Skipped by detection",
                "Well-formed records that made detection fail, each skipped alone while the rest "
                "of its batch landed (a value the database refuses, or a scimwatch bug). 0 is "
                "normal; otherwise the daemon log names each one ('detection skipped a ... "
                "record'): what it would have shown is missing.",
                Query(f"sum(increase({DETECTION_SKIPPED}[$__range]))"),
                unit="short",
                links=runbooks.of("DetectionSkippingRecords"),
            )
        )
        .with_panel(
            stat_panel(
                "scimwatch version",
                "The running scimwatch version(s) (scimwatch_build_info).",
                Query(f"count by (version) ({BUILD_INFO})", "{{version}}"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Up",
                "1 while the source's polls succeed, 0 after a failed poll (retried with "
                "backoff from 1 s to 60 s).",
                Query(f"{COLLECTOR_UP}{{{COLLECTOR}}}", "{{collector}}"),
                links=runbooks.of("CollectorDown"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Lag",
                "Now minus the newest event each source delivered, read from the store at "
                "scrape time.",
                Query(f"max by (collector) ({COLLECTOR_LAG}{{{COLLECTOR}}})", "{{collector}}"),
                unit="s",
                links=runbooks.of("CollectorBehind"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Since last successful poll",
                "Seconds since each source's last successful poll: catches a hung poll, which "
                "`up` cannot show.",
                Query(
                    f"time() - max by (collector) ({COLLECTOR_LAST_SUCCESS}{{{COLLECTOR}}})",
                    "{{collector}}",
                ),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Data age (event time)",
                "Now minus the event time of the newest record each source delivered since the "
                "daemon started.",
                Query(
                    f"time() - max by (collector) ({COLLECTOR_NEWEST_EVENT}{{{COLLECTOR}}})",
                    "{{collector}}",
                ),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Poll errors by reason",
                "Failed polls per second: io (read error), permission (file not readable), "
                "store (database unreachable), internal (a bug; see the log's traceback).",
                Query(
                    f"sum by (collector, reason) (rate({COLLECTOR_ERRORS}{{{COLLECTOR}}}[{RATE}]))",
                    "{{collector}} {{reason}}",
                ),
                unit="short",
            )
        )
        .with_panel(
            timeseries_panel(
                "Events delivered",
                "Records per second each source delivered (lines or audit records, minus "
                "rejected ones).",
                Query(
                    f"sum by (collector) (rate({COLLECTOR_EVENTS}{{{COLLECTOR}}}[{RATE}]))",
                    "{{collector}}",
                ),
                unit="short",
            )
        )
        .with_panel(
            timeseries_panel(
                "Lines read and rejected",
                "Input units read per source, and those rejected by reason (invalid_json, "
                "unknown_format, missing_field, bad_timestamp ...).",
                Query(f"sum by (source) (rate({INGEST_LINES}{{{SOURCE}}}[{RATE}]))", "{{source}}"),
                Query(
                    f"sum by (source, reason) (rate({INGEST_REJECTED}{{{SOURCE}}}[{RATE}]))",
                    "{{source}} rejected {{reason}}",
                ),
                unit="short",
            )
        )
        .with_panel(
            timeseries_panel(
                "Rate-limit headroom",
                "Share of the vendor API's rate limit a live poller may still use (Okta: "
                "X-Rate-Limit-Remaining / Limit; Graph: the tenant's shared budget). Only "
                "live API sources (`url`) report it; near 0 the poller waits for the reset.",
                Query(f"min by (collector) ({COLLECTOR_HEADROOM}{{{COLLECTOR}}})", "{{collector}}"),
                unit="percentunit",
            )
        )
        .with_panel(
            timeseries_panel(
                "Alerts firing",
                "Alerts scimwatch's built-in alerting has firing now, by alert and severity "
                "(silenced and inhibited ones included). Each alert has a runbook: see the "
                "Runbooks link at the top.",
                Query(
                    f"sum by (alertname, severity) ({ALERTS_FIRING})",
                    "{{alertname}} ({{severity}})",
                ),
            )
        )
        .with_panel(
            timeseries_panel(
                "Since the last alert evaluation",
                "Seconds since the built-in alerting last evaluated its rules (every "
                "evaluation_interval, 15 s by default): a growing line means alerts are not "
                "being checked at all.",
                Query(f"time() - max({ALERTS_LAST_EVALUATION})", "since last evaluation"),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Notifications by receiver and outcome",
                "Notification attempts per second: success, retry (will try again) and "
                "failure (given up: an alert nobody was told about).",
                Query(
                    f"sum by (receiver, outcome) (rate({NOTIFICATIONS}[{RATE}]))",
                    "{{receiver}} {{outcome}}",
                ),
                unit="short",
                links=runbooks.of("NotificationsFailing"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Notification latency p95",
                "How long one notification attempt took (Slack, webhook, pager ...).",
                Query(
                    f"histogram_quantile(0.95, sum by (receiver, le) "
                    f"(rate({NOTIFICATION_LATENCY}_bucket[{RATE}])))",
                    "{{receiver}}",
                ),
                unit="s",
            )
        )
        .build()
    )
