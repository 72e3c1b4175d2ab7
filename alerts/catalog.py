"""The alert catalog: the single source of truth for every alert scimwatch raises.

Each entry names the alert, its severity, the templates people read, the runbook, the built-in
condition that raises it inside the daemon (`alerts.conditions`) and a PromQL expression with a
`for` duration for teams that alert from Prometheus instead (`deploy/prometheus/`). Templates
are `str.format` fields over the alert's labels and annotations; a missing field renders empty.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.telemetry.metrics import (
    COLLECTOR_UP,
    NOTIFICATIONS,
    SCIM_DEPROVISIONS,
    SCIM_REQUESTS,
)
from monitor.telemetry.state import (
    COLLECTOR_LAG,
    DEPROVISIONS_OVERDUE,
    DEPROVISIONS_PENDING,
    FINDINGS_OPEN,
)

__all__ = ["CATALOG", "AlertRule", "render", "rule"]

RUNBOOKS = "docs/runbooks"


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    severity: str  # critical | warning | info
    summary: str
    description: str
    condition: str  # the built-in condition in alerts.conditions
    expr: str  # PromQL for the exported rule
    for_: str  # how long `expr` must hold before Prometheus fires
    finding: str | None = None  # the finding type behind it, for finding-driven alerts

    @property
    def runbook(self) -> str:
        return f"{RUNBOOKS}/{self.name}.md"


def _finding(name: str, kind: str, severity: str, summary: str, description: str) -> AlertRule:
    return AlertRule(
        name=name,
        severity=severity,
        summary=summary,
        description=description,
        condition="finding",
        expr=f'sum by (app) ({FINDINGS_OPEN}{{type="{kind}"}}) > 0',
        for_="0m",
        finding=kind,
    )


def _ratio(outcome: str) -> str:
    return (
        f'sum by (app, idp) (rate({SCIM_REQUESTS}{{outcome="{outcome}"}}[15m]))'
        f" / sum by (app, idp) (rate({SCIM_REQUESTS}[15m]))"
    )


CATALOG: tuple[AlertRule, ...] = (
    AlertRule(
        name="ScimAuthFailing",
        severity="critical",
        summary="Provisioning to {app} has stopped: {streak} SCIM requests in a row were refused "
        "(401/403)",
        description="The IdP's credentials for {app} are rejected (expired or revoked token, "
        "changed permissions). No create, update or deprovision reaches the app until they are "
        "fixed.",
        condition="auth_streak",
        expr=f'sum by (app, idp) (increase({SCIM_REQUESTS}{{outcome="auth_error"}}[10m])) >= 5 '
        f'unless sum by (app, idp) (increase({SCIM_REQUESTS}{{outcome="ok"}}[10m])) > 0',
        for_="5m",
    ),
    AlertRule(
        name="ScimServerErrors",
        severity="warning",
        summary="{app} answers {ratio} of SCIM requests with 5xx",
        description="The app's SCIM endpoint is failing ({errors} of {requests} requests in the "
        "last {window}). IdPs retry, quarantine or drop changes; deprovisions may be delayed.",
        condition="server_errors",
        expr=f"({_ratio('server_error')}) > 0.05 "
        f"and sum by (app, idp) (increase({SCIM_REQUESTS}[15m])) >= 20",
        for_="10m",
    ),
    AlertRule(
        name="ScimThrottled",
        severity="warning",
        summary="{app} throttles {ratio} of SCIM requests (429): deprovisions are delayed",
        description="{errors} of {requests} requests in the last {window} were answered 429. "
        "IdPs back off, so changes and deprovisions queue up.",
        condition="throttled",
        expr=f"({_ratio('throttled')}) > 0.1 "
        f"and sum by (app, idp) (increase({SCIM_REQUESTS}[15m])) >= 20",
        for_="10m",
    ),
    AlertRule(
        name="DeprovisionOverdue",
        severity="warning",
        summary="{user_name} is still active in {app} {age} after the IdP deprovisioned them",
        description="The deprovision requested at {requested_at} has not been confirmed in {app} "
        "within the SLO ({slo}). The account may still be usable: a zombie account.",
        condition="deprovision_overdue",
        expr=f"sum by (app) ({DEPROVISIONS_OVERDUE}) > 0",
        for_="0m",
    ),
    _finding(
        "DeprovisionNotApplied",
        "deprovision_not_applied",
        "warning",
        "{app} answered a deprovision of {sp_id} with success but the account is still active",
        "A later representation of the account still shows it active: the app accepted the "
        "disable or delete without applying it.",
    ),
    _finding(
        "SilentAttributeLoss",
        "silent_attribute_loss",
        "warning",
        "{app} silently dropped {lost_attributes} from {sp_id} on PATCH",
        "A successful PATCH removed attributes it did not target (PATCH handled as PUT). Seen "
        "{count} times since {at}.",
    ),
    _finding(
        "DigitalTwin",
        "digital_twin",
        "warning",
        "{user_name} has two accounts in {app} ({sp_ids})",
        "Two active records share a userName, email or externalId: JIT sign-in and SCIM both "
        "created the person, or an import matched nothing.",
    ),
    _finding(
        "RecreateChurn",
        "recreate_churn",
        "warning",
        "{app} recreated {external_id} as {new_sp_id} right after removing {old_sp_id}",
        "The IdP deactivated and recreated the account (often a username change or mapping "
        "update): history, licences and ownership attached to the old id are lost.",
    ),
    _finding(
        "ActivityAfterDeprovision",
        "activity_after_deprovision",
        "critical",
        "{user_name} was active in {where} after being deprovisioned",
        "{source} shows successful activity ({count} times since {first_at}) after the "
        "deprovision. Sessions or tokens survived: revoke them now.",
    ),
    _finding(
        "VendorQuirkRejected",
        "vendor_quirk_rejected",
        "warning",
        "{app} rejects {idp}'s {quirk} requests ({count} so far)",
        "The app refuses an IdP-specific request shape. Fix: {fix_hint}",
    ),
    AlertRule(
        name="ProvisioningStalled",
        severity="warning",
        summary="Provisioning to {app} is stalled: {pending} deprovisions pending, no successful "
        "SCIM request since {last_ok}",
        description="The IdP has changes for {app} but nothing reaches it. Check the IdP's "
        "provisioning job (quarantine, paused integration) and the app's endpoint.",
        condition="stalled",
        expr=f"sum by (app) ({DEPROVISIONS_PENDING}) > 0 unless sum by (app) "
        f'(increase({SCIM_REQUESTS}{{outcome="ok"}}[30m])) > 0',
        for_="30m",
    ),
    AlertRule(
        name="MassDeprovisionSpike",
        severity="critical",
        summary="{count} deprovisions for {app} in {window}: check for an accidental mass disable",
        description="Far more users than usual are being disabled or deleted. An unassigned "
        "group, a broken attribute mapping or an import gone wrong can deprovision everyone.",
        condition="mass_deprovision",
        expr=f"sum by (app, idp) (increase({SCIM_DEPROVISIONS}[15m])) >= 25",
        for_="0m",
    ),
    AlertRule(
        name="CollectorDown",
        severity="warning",
        summary="Collector {collector} is failing ({reason})",
        description="scimwatch cannot read this source; what it would show is not being "
        "watched. Other collectors carry on.",
        condition="collector_down",
        expr=f"{COLLECTOR_UP} == 0",
        for_="5m",
    ),
    AlertRule(
        name="CollectorBehind",
        severity="warning",
        summary="Collector {collector} is {lag} behind",
        description="The newest record from this source is old: the source is quiet, delayed "
        "by the vendor, or scimwatch cannot keep up.",
        condition="collector_behind",
        expr=f"{COLLECTOR_LAG} > 3600 unless {COLLECTOR_UP} == 0",
        for_="15m",
    ),
    AlertRule(
        name="NotificationsFailing",
        severity="critical",
        summary="Notifications to {receiver} are failing ({reason})",
        description="{pending} notifications are waiting; the oldest since {since}. Alerts are "
        "kept and will be delivered once the receiver recovers.",
        condition="notifications_failing",
        expr=f'sum by (receiver) (increase({NOTIFICATIONS}{{outcome="failure"}}[15m])) > 0',
        for_="5m",
    ),
)

_BY_NAME = {r.name: r for r in CATALOG}


def rule(name: str) -> AlertRule:
    return _BY_NAME[name]


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


_FORMATTER = string.Formatter()


def render(template: str, fields: Mapping[str, str]) -> str:
    """Fill a catalog template; unknown fields render empty instead of raising."""
    return _FORMATTER.vformat(template, (), _Fields(fields))
