"""Overview: is provisioning healthy? SCIM traffic, errors and latency per app and IdP."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards._common import (
    APP_IDP,
    APP_ONLY,
    RATE,
    Query,
    Runbooks,
    base,
    stat_panel,
    timeseries_panel,
)
from monitor.telemetry.metrics import SCIM_DURATION, SCIM_REQUESTS
from monitor.telemetry.state import DEPROVISIONS_OVERDUE, FINDINGS_OPEN

UID = "scimwatch-overview"
# Okta answers "not found, create it" lookups with 404, so not_found is normal traffic.
FAILED = 'outcome!~"ok|not_found"'


def _rate(selector: str, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({SCIM_REQUESTS}{{{selector}}}[{RATE}]))"


def _error_ratio(by: str = "") -> str:
    return f"{_rate(f'{APP_IDP}, {FAILED}', by)} / {_rate(APP_IDP, by)}"


def _latency(quantile: float, by: str) -> str:
    buckets = f"rate({SCIM_DURATION}_bucket{{{APP_IDP}}}[{RATE}])"
    return f"histogram_quantile({quantile}, sum by ({by}, le) ({buckets}))"


def build(*, runbooks_url: str) -> Dashboard:
    """The first dashboard to open: the four numbers, then traffic, errors and latency."""
    runbooks = Runbooks(runbooks_url)
    return (
        base(
            UID,
            "scimwatch / Overview",
            "SCIM provisioning traffic seen in the apps' logs, per app and IdP.",
            runbooks=runbooks,
        )
        .with_panel(
            stat_panel(
                "SCIM requests/s",
                "All SCIM requests the selected apps logged, per second.",
                Query(_rate(APP_IDP)),
                unit="reqps",
            )
        )
        .with_panel(
            stat_panel(
                "Failed share",
                "Share of SCIM requests answered with anything but ok or not_found "
                "(auth errors, conflicts, throttling, 4xx and 5xx).",
                Query(_error_ratio()),
                unit="percentunit",
                red_at=0.05,
            )
        )
        .with_panel(
            stat_panel(
                "Overdue deprovisions",
                "Deprovisions pending longer than the app's SLO: accounts that should be gone "
                "but may still work (zombie accounts). See the Deprovisioning dashboard.",
                Query(f"sum({DEPROVISIONS_OVERDUE}{{{APP_ONLY}}})"),
                red_at=1,
                no_value="0",
                links=runbooks.of("DeprovisionOverdue"),
            )
        )
        .with_panel(
            stat_panel(
                "Open findings",
                "Findings currently open, all types. See the Findings dashboard.",
                Query(f"sum({FINDINGS_OPEN}{{{APP_ONLY}}})"),
                red_at=1,
                no_value="0",
            )
        )
        .with_panel(
            timeseries_panel(
                "Requests by app and IdP",
                "SCIM requests per second, per app and the IdP that sent them.",
                Query(_rate(APP_IDP, "app, idp"), "{{app}} ({{idp}})"),
                unit="reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                "Requests by outcome",
                "SCIM requests per second by outcome (from the HTTP status): ok, auth_error, "
                "not_found, conflict, throttled, client_error, server_error.",
                Query(_rate(APP_IDP, "outcome"), "{{outcome}}"),
                unit="reqps",
                links=runbooks.of("ScimAuthFailing", "ScimServerErrors", "ScimThrottled"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Failed share by app and IdP",
                "Share of each app's SCIM requests that failed (not ok and not not_found). "
                "A step up after an IdP or app release usually means a changed payload shape.",
                Query(_error_ratio("app, idp"), "{{app}} ({{idp}})"),
                unit="percentunit",
            )
        )
        .with_panel(
            timeseries_panel(
                "Requests by resource and operation",
                "What the IdPs do: creates, patches, deletes and lookups per resource type.",
                Query(_rate(APP_IDP, "resource, operation"), "{{resource}} {{operation}}"),
                unit="reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                "Latency p50 / p95 / p99 by app",
                "SCIM request latency as the apps logged it (lines without a duration are not "
                "counted). Okta gives up on a request after 60 s.",
                Query(_latency(0.5, "app"), "p50 {{app}}"),
                Query(_latency(0.95, "app"), "p95 {{app}}"),
                Query(_latency(0.99, "app"), "p99 {{app}}"),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Latency p95 by IdP and operation",
                "95th percentile latency per IdP and SCIM operation: slow list/search calls are "
                "the usual cause of IdP timeouts.",
                Query(_latency(0.95, "idp, operation"), "{{idp}} {{operation}}"),
                unit="s",
            )
        )
        .build()
    )
