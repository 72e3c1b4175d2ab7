"""Deprovisioning: how long removals take, what is still pending, and the SLO budget.

A deprovision is the IdP asking an app to disable or delete a user; it is confirmed when the
app's logs show the removal. The lag between the two is the zombie-account window.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models.dashboard import Dashboard, VariableOption

from dashboards._common import (
    APP_IDP,
    APP_ONLY,
    RATE,
    Query,
    Runbooks,
    base,
    heatmap_panel,
    stat_panel,
    timeseries_panel,
)
from monitor.telemetry.metrics import DEPROVISION_LAG, LAG_BUCKETS, SCIM_DEPROVISIONS
from monitor.telemetry.state import DEPROVISIONS_OVERDUE, DEPROVISIONS_PENDING, OLDEST_PENDING

UID = "scimwatch-deprovisioning"
# Percentiles of rare events need a long window; a rate interval is mostly empty.
WINDOW = "1h"
DEFAULT_SLO = 3600


def _le(bound: float) -> str:
    """The `le` label value prometheus_client writes for a bucket bound (Go float format)."""
    return repr(float(bound))


def _slo_variable() -> dashboard.CustomVariable:
    """The latency objective, limited to histogram bucket bounds (`le` must match one)."""
    values = ",".join(_le(bound) for bound in LAG_BUCKETS)
    default = _le(DEFAULT_SLO)
    return (
        dashboard.CustomVariable("slo")
        .label("SLO (s)")
        .description("Deprovision lag objective in seconds; a bucket bound of the histogram.")
        .values(values)
        .current(VariableOption(selected=True, text=default, value=default))
    )


def _objective_variable() -> dashboard.ConstantVariable:
    return (
        dashboard.ConstantVariable("objective")
        .description("Share of deprovisions that must finish within the SLO.")
        .value("0.99")
    )


def _lag(quantile: float) -> str:
    buckets = f"rate({DEPROVISION_LAG}_bucket{{{APP_IDP}}}[{WINDOW}])"
    return f"histogram_quantile({quantile}, sum by (le) ({buckets}))"


def _within_slo(window: str) -> str:
    fast = f'sum(increase({DEPROVISION_LAG}_bucket{{{APP_IDP}, le="$slo"}}[{window}]))'
    return f"{fast} / sum(increase({DEPROVISION_LAG}_count{{{APP_IDP}}}[{window}]))"


def _requests(selector: str, by: str) -> str:
    return f"sum by ({by}) (rate({SCIM_DEPROVISIONS}{{{selector}}}[{RATE}]))"


def build(*, runbooks_url: str) -> Dashboard:
    """Stats for right now, then lag over time, then the requests behind it."""
    runbooks = Runbooks(runbooks_url)
    return (
        base(
            UID,
            "scimwatch / Deprovisioning",
            "Deprovision lag, pending and overdue removals, and the deprovision SLO.",
            runbooks=runbooks,
        )
        .with_variable(_slo_variable())
        .with_variable(_objective_variable())
        .with_panel(
            stat_panel(
                "Pending",
                "Deprovisions the IdP requested that no app log has confirmed yet.",
                Query(f"sum({DEPROVISIONS_PENDING}{{{APP_ONLY}}})"),
                no_value="0",
                links=runbooks.of("ProvisioningStalled"),
            )
        )
        .with_panel(
            stat_panel(
                "Oldest pending",
                "Age of the oldest unconfirmed deprovision: how long an account that should be "
                "gone may still work.",
                Query(f"max({OLDEST_PENDING}{{{APP_ONLY}}})"),
                unit="s",
                no_value="0",
            )
        )
        .with_panel(
            stat_panel(
                "Overdue",
                "Pending deprovisions older than the app's configured SLO (zombie-account risk).",
                Query(f"sum({DEPROVISIONS_OVERDUE}{{{APP_ONLY}}})"),
                red_at=1,
                no_value="0",
                links=runbooks.of("DeprovisionOverdue"),
            )
        )
        .with_panel(
            stat_panel(
                "Error budget left",
                "Share of the error budget left over the dashboard's time range: 1 means no "
                "deprovision took longer than $slo s, 0 means the $objective objective is spent.",
                Query(f"1 - (1 - ({_within_slo('$__range')})) / (1 - $objective)"),
                unit="percentunit",
            )
        )
        .with_panel(
            timeseries_panel(
                "Deprovision lag p50 / p90 / p99",
                "From the IdP's deprovision request to the removal seen in the app, over the "
                f"last {WINDOW} of confirmed deprovisions.",
                Query(_lag(0.5), "p50"),
                Query(_lag(0.9), "p90"),
                Query(_lag(0.99), "p99"),
                unit="s",
            )
        )
        .with_panel(
            heatmap_panel(
                "Deprovision lag distribution",
                "Confirmed deprovisions per lag bucket over time (1 min to 7 days).",
                Query(f"sum by (le) (increase({DEPROVISION_LAG}_bucket{{{APP_IDP}}}[{RATE}]))"),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Within SLO",
                f"Share of deprovisions confirmed within $slo s, over the last {WINDOW}.",
                Query(_within_slo(WINDOW), "within SLO"),
                unit="percentunit",
            )
        )
        .with_panel(
            timeseries_panel(
                "Pending and overdue by app",
                "Unconfirmed deprovisions per app, and those older than the app's SLO.",
                Query(f"sum by (app) ({DEPROVISIONS_PENDING}{{{APP_ONLY}}})", "pending {{app}}"),
                Query(f"sum by (app) ({DEPROVISIONS_OVERDUE}{{{APP_ONLY}}})", "overdue {{app}}"),
                links=runbooks.of("DeprovisionOverdue", "ProvisioningStalled"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Oldest pending by app",
                "Age of each app's oldest unconfirmed deprovision.",
                Query(f"max by (app) ({OLDEST_PENDING}{{{APP_ONLY}}})", "{{app}}"),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Deprovision requests by outcome",
                "SCIM requests that disable or delete a user, by answer. A not_found answer to "
                "a DELETE usually means the account was already gone.",
                Query(_requests(APP_IDP, "app, idp, outcome"), "{{app}} ({{idp}}) {{outcome}}"),
                unit="reqps",
                links=runbooks.of("MassDeprovisionSpike"),
            )
        )
        .build()
    )
