"""Findings: what the detectors found, open now and opened over time, per type.

The findings metrics carry `app` and `type` but no `idp`, so the IdP variable narrows the app
variable ("All" included) and every panel filters on the apps. Findings about a person rather
than an app (IdP session or token use after suspension) have no app: one panel shows those,
whatever the variables say.
"""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards._common import (
    APP_FROM_IDP,
    APP_ONLY,
    RATE,
    Query,
    Runbooks,
    base,
    stat_panel,
    timeseries_panel,
)
from monitor.telemetry.metrics import FINDINGS_TOTAL
from monitor.telemetry.state import FINDINGS_OPEN

UID = "scimwatch-findings"
NO_APP = 'app=""'  # what an empty label looks like to Prometheus: no `app` label at all

# The finding types (docs/detection.md) and what each means for the people reading the panel.
TYPES = (
    (
        "digital_twin",
        "Digital twins",
        "Two active accounts in one app share a userName, primary email or externalId (e.g. a "
        "JIT account next to the provisioned one): the twin survives a deprovision.",
    ),
    (
        "silent_attribute_loss",
        "Silent attribute loss",
        "A PATCH answered 2xx, but the account lost attributes the operations did not touch.",
    ),
    (
        "recreate_churn",
        "Recreate churn",
        "An account was created with the externalId of one deactivated or deleted within the "
        "hour: delete/create loops, usually a matching-attribute mismatch.",
    ),
    (
        "activity_after_deprovision",
        "Activity after deprovision",
        "Activity in an app after its deprovision was confirmed: a session or token survived "
        "(IdP session or token use after a suspension has no app: see IdP-level findings).",
    ),
    (
        "vendor_quirk_rejected",
        "Vendor quirk rejected",
        "The app answers 4xx to an IdP-specific request shape, so those changes never apply.",
    ),
    (
        "deprovision_not_applied",
        "Deprovision not applied",
        "The app answered a deprovision but the account is still active.",
    ),
)


def build(*, runbooks_url: str) -> Dashboard:
    """One stat per type (open now), then open and opened over time."""
    runbooks = Runbooks(runbooks_url)
    kinds = [kind for kind, _title, _meaning in TYPES]
    built = base(
        UID,
        "scimwatch / Findings",
        "Open findings and findings opened, by type and app.",
        runbooks=runbooks,
        variables=APP_FROM_IDP,
    )
    for kind, title, meaning in TYPES:
        built = built.with_panel(
            stat_panel(
                f"{title}: open",
                f"{meaning} Open findings of type {kind} right now.",
                Query(f'sum({FINDINGS_OPEN}{{{APP_ONLY}, type="{kind}"}})'),
                red_at=1,
                width=4,
                no_value="0",
                links=runbooks.of_findings(kind),
            )
        )
    for kind, title, _ in TYPES:
        built = built.with_panel(
            stat_panel(
                f"{title}: opened",
                f"Findings of type {kind} opened in the chosen apps over the dashboard's time "
                "range (since the daemon started, if it restarted within the range).",
                Query(f'sum(increase({FINDINGS_TOTAL}{{{APP_ONLY}, type="{kind}"}}[$__range]))'),
                width=4,
                no_value="0",
            )
        )
    return (
        built.with_panel(
            timeseries_panel(
                "Open findings by type",
                "Findings currently open per type in the chosen apps.",
                Query(f"sum by (type) ({FINDINGS_OPEN}{{{APP_ONLY}}})", "{{type}}"),
                links=runbooks.of_findings(*kinds),
            )
        )
        .with_panel(
            timeseries_panel(
                "Open findings by app",
                "Findings currently open per app and type.",
                Query(f"sum by (app, type) ({FINDINGS_OPEN}{{{APP_ONLY}}})", "{{app}} {{type}}"),
                links=runbooks.of_findings(*kinds),
            )
        )
        .with_panel(
            timeseries_panel(
                "IdP-level findings",
                "Open findings about a person rather than an app: session or token use the IdP "
                "logged after it suspended the person. They have no app, so the app and IdP "
                "variables do not filter them.",
                Query(f"sum by (type) ({FINDINGS_OPEN}{{{NO_APP}}})", "{{type}}"),
                links=runbooks.of_findings(*kinds),
            )
        )
        .with_panel(
            timeseries_panel(
                "Findings opened by type",
                "New findings per type in each interval.",
                Query(
                    f"sum by (type) (increase({FINDINGS_TOTAL}{{{APP_ONLY}}}[{RATE}]))", "{{type}}"
                ),
            )
        )
        .build()
    )
