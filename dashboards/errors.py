"""Errors and throttling: which SCIM requests fail, how, for which IdP; how hard apps push back."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards._common import APP_IDP, RATE, Query, Runbooks, base, timeseries_panel
from monitor.telemetry.metrics import SCIM_ERRORS, SCIM_QUIRKS, SCIM_REQUESTS, SCIM_RETRY_AFTER

UID = "scimwatch-errors"
# Retry-After values are sparse (only 429/503 carry one): a long window keeps the line drawn.
RETRY_WINDOW = "1h"


def _errors(by: str) -> str:
    return f"sum by ({by}) (rate({SCIM_ERRORS}{{{APP_IDP}}}[{RATE}]))"


def _requests(selector: str, by: str) -> str:
    return f"sum by ({by}) (rate({SCIM_REQUESTS}{{{APP_IDP}, {selector}}}[{RATE}]))"


def _retry_after(quantile: float) -> str:
    buckets = f"rate({SCIM_RETRY_AFTER}_bucket{{{APP_IDP}}}[{RETRY_WINDOW}])"
    return f"histogram_quantile({quantile}, sum by (app, idp, le) ({buckets}))"


def build(*, runbooks_url: str) -> Dashboard:
    """Errors cut four ways, then throttling, then the IdP-specific shapes apps reject."""
    runbooks = Runbooks(runbooks_url)
    return (
        base(
            UID,
            "scimwatch / Errors and throttling",
            "SCIM requests answered 4xx/5xx by status, scimType, outcome and IdP; 429s and "
            "Retry-After; IdP-specific request shapes the apps reject.",
            runbooks=runbooks,
        )
        .with_panel(
            timeseries_panel(
                "Errors by status code",
                "SCIM requests answered with HTTP 400 or higher, per second, by status.",
                Query(_errors("status_code"), "{{status_code}}"),
                unit="reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                "Failed requests by outcome",
                "Requests not answered ok, by outcome: auth_error (401/403: token expired or "
                "revoked), not_found, conflict (409: uniqueness), throttled (429), client_error, "
                "server_error.",
                Query(_requests('outcome!="ok"', "outcome"), "{{outcome}}"),
                unit="reqps",
                links=runbooks.of("ScimAuthFailing", "ScimServerErrors", "ScimThrottled"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Errors by scimType",
                "The SCIM error body's scimType (RFC 7644 3.12): uniqueness, mutability, "
                "invalidValue, invalidFilter ... `none` when the body had none.",
                Query(_errors("scim_type"), "{{scim_type}}"),
                unit="reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                "Errors by IdP",
                "Error answers per IdP: a change on one IdP's side (new payload shape, new "
                "client version) shows as one line rising.",
                Query(_errors("idp"), "{{idp}}"),
                unit="reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                "Errors by app, status and scimType",
                "Error answers per app with their status and scimType: the table under the "
                "graph is the list to fix first.",
                Query(
                    _errors("app, status_code, scim_type"), "{{app}} {{status_code}} {{scim_type}}"
                ),
                unit="reqps",
                width=24,
            )
        )
        .with_panel(
            timeseries_panel(
                "Throttled (429) by app and IdP",
                "Requests the apps answered 429 Too Many Requests. IdPs back off and retry "
                "(Entra and Google slow down the whole sync), so provisioning falls behind.",
                Query(_requests('outcome="throttled"', "app, idp"), "{{app}} ({{idp}})"),
                unit="reqps",
                links=runbooks.of("ScimThrottled"),
            )
        )
        .with_panel(
            timeseries_panel(
                "Retry-After p50 / p90",
                "The Retry-After the apps asked for (429 and 503 answers that carried one), "
                f"over the last {RETRY_WINDOW}.",
                Query(_retry_after(0.5), "p50 {{app}} ({{idp}})"),
                Query(_retry_after(0.9), "p90 {{app}} ({{idp}})"),
                unit="s",
            )
        )
        .with_panel(
            timeseries_panel(
                "Auth errors by app and IdP",
                "401/403 answers: the IdP's bearer token for the app is expired, revoked or "
                "lacks permissions. Nothing, not even deprovisions, gets through.",
                Query(_requests('outcome="auth_error"', "app, idp"), "{{app}} ({{idp}})"),
                unit="reqps",
                links=runbooks.of("ScimAuthFailing"),
            )
        )
        .with_panel(
            timeseries_panel(
                "IdP-specific shapes rejected, by quirk",
                "Requests carrying an IdP-specific shape (Entra's capitalized ops and string "
                "booleans, value-filter paths ...) that the app answered with an error: "
                "candidates for the Entra compatibility flag or an app fix.",
                Query(
                    f"sum by (idp, quirk) "
                    f'(rate({SCIM_QUIRKS}{{{APP_IDP}, outcome!="ok"}}[{RATE}]))',
                    "{{idp}} {{quirk}}",
                ),
                unit="reqps",
            )
        )
        .build()
    )
