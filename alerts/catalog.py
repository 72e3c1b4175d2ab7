"""The alert catalog: the single source of truth for every alert scimwatch raises.

Each entry names the alert, its severity, the label names it carries, the templates people
read, the runbook, the built-in condition that raises it inside the daemon (`alerts.conditions`)
and a PromQL expression with a `for` duration for teams that alert from Prometheus instead
(`deploy/prometheus/`). Templates are `str.format` fields over the alert's labels and
annotations; a missing field renders empty.

Labels are declared once here: the conditions must emit exactly these (besides `alertname` and
`severity`; an empty value is left out, as in Alertmanager), and each expression aggregates
`by` the declared labels its series carry. `subject` is the one label no series has: it keys a
per-subject alert (a finding, an overdue deprovision) and is an identity, never a metric label.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.telemetry.metrics import (
    COLLECTOR_UP,
    DETECTION_SKIPPED,
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

__all__ = [
    "APP",
    "CATALOG",
    "COLLECTOR",
    "KIND",
    "RECEIVER",
    "RUNBOOKS",
    "RUNBOOKS_URL",
    "SUBJECT",
    "AlertRule",
    "render",
    "rule",
]

RUNBOOKS = "docs/runbooks"
# Where people open the runbooks from a notification or dashboard: an absolute link, because a
# relative path is not clickable in Slack, PagerDuty or Alertmanager. <AlertName>.md is appended.
RUNBOOKS_URL = "https://github.com/scimwatch/scimwatch/blob/main/docs/runbooks/"

# Label names an alert carries besides alertname and severity.
APP = ("app", "idp")
SUBJECT = (*APP, "subject")  # one alert per finding or overdue deprovision
COLLECTOR = ("collector",)
RECEIVER = ("receiver",)
KIND = ("kind",)  # scim, idp or activity: the kind of input detection skipped
# Labels of the series the expressions aggregate (monitor/telemetry): the SCIM request counters
# carry app and idp, the store's gauges (pending, overdue, open findings) only app.
_SCIM_SERIES = frozenset({"app", "idp"})
_STATE_SERIES = frozenset({"app"})
_NOTIFY_SERIES = frozenset({"receiver"})


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    severity: str  # critical | warning | info
    summary: str
    description: str
    condition: str  # the built-in condition in alerts.conditions
    expr: str  # PromQL for the exported rule
    for_: str  # how long `expr` must hold before Prometheus fires
    labels: tuple[str, ...]  # label names besides alertname and severity
    finding: str | None = None  # the finding type behind it, for finding-driven alerts

    @property
    def runbook(self) -> str:
        """The runbook's path inside the repository."""
        return f"{RUNBOOKS}/{self.name}.md"

    def runbook_url(self, base: str = RUNBOOKS_URL) -> str:
        """Where notifications and exported rules link: `<base><AlertName>.md`."""
        return f"{base}{self.name}.md"


def _by(labels: tuple[str, ...], series: frozenset[str]) -> str:
    """`by (...)` over the declared labels the aggregated series carry, in declared order."""
    return f"by ({', '.join(label for label in labels if label in series)})"


def _finding(name: str, kind: str, severity: str, summary: str, description: str) -> AlertRule:
    return AlertRule(
        name=name,
        severity=severity,
        summary=summary,
        description=description,
        condition="finding",
        expr=f'sum {_by(SUBJECT, _STATE_SERIES)} ({FINDINGS_OPEN}{{type="{kind}"}}) > 0',
        for_="0m",
        labels=SUBJECT,
        finding=kind,
    )


_BY_APP_IDP = _by(APP, _SCIM_SERIES)


def _ratio(outcome: str) -> str:
    """The outcome's share of the app's requests, with enough traffic to mean something."""
    return (
        f'(sum {_BY_APP_IDP} (rate({SCIM_REQUESTS}{{outcome="{outcome}"}}[15m]))'
        f" / sum {_BY_APP_IDP} (rate({SCIM_REQUESTS}[15m])))"
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
        expr=f'sum {_BY_APP_IDP} (increase({SCIM_REQUESTS}{{outcome="auth_error"}}[10m])) >= 5 '
        f'unless sum {_BY_APP_IDP} (increase({SCIM_REQUESTS}{{outcome="ok"}}[10m])) > 0',
        for_="5m",
        labels=APP,
    ),
    AlertRule(
        name="ScimServerErrors",
        severity="warning",
        summary="{app} answers {ratio} of SCIM requests with 5xx",
        description="The app's SCIM endpoint is failing ({errors} of {requests} requests in the "
        "last {window}). IdPs retry, quarantine or drop changes; deprovisions may be delayed.",
        condition="server_errors",
        expr=f"{_ratio('server_error')} > 0.05 "
        f"and sum {_BY_APP_IDP} (increase({SCIM_REQUESTS}[15m])) >= 20",
        for_="10m",
        labels=APP,
    ),
    AlertRule(
        name="ScimThrottled",
        severity="warning",
        summary="{app} throttles {ratio} of SCIM requests (429): deprovisions are delayed",
        description="{errors} of {requests} requests in the last {window} were answered 429. "
        "IdPs back off, so changes and deprovisions queue up.",
        condition="throttled",
        expr=f"{_ratio('throttled')} > 0.1 "
        f"and sum {_BY_APP_IDP} (increase({SCIM_REQUESTS}[15m])) >= 20",
        for_="10m",
        labels=APP,
    ),
    AlertRule(
        name="DeprovisionOverdue",
        severity="warning",
        summary="{user_name} is still active in {app} {age} after the IdP deprovisioned them",
        description="The deprovision requested at {requested_at} has not been confirmed in {app} "
        "within the SLO ({slo}). The account may still be usable: a zombie account.",
        condition="deprovision_overdue",
        expr=f"sum {_by(SUBJECT, _STATE_SERIES)} ({DEPROVISIONS_OVERDUE}) > 0",
        for_="0m",
        labels=SUBJECT,
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
        expr=f"sum {_by(APP, _STATE_SERIES)} ({DEPROVISIONS_PENDING}) > 0 "
        f"unless sum {_by(APP, _STATE_SERIES)} "
        f'(increase({SCIM_REQUESTS}{{outcome="ok"}}[30m])) > 0',
        for_="30m",
        labels=APP,
    ),
    AlertRule(
        name="MassDeprovisionSpike",
        severity="critical",
        summary="{count} deprovisions for {app} in {window}: check for an accidental mass disable",
        description="Far more users than usual are being disabled or deleted. An unassigned "
        "group, a broken attribute mapping or an import gone wrong can deprovision everyone.",
        condition="mass_deprovision",
        expr=f"sum {_BY_APP_IDP} (increase({SCIM_DEPROVISIONS}[15m])) >= 25",
        for_="0m",
        labels=APP,
    ),
    AlertRule(
        name="CollectorDown",
        severity="warning",
        summary="Collector {collector} is failing ({reason})",
        description="scimwatch cannot read this source; what it would show is not being "
        "watched. Other collectors carry on.",
        condition="collector_down",
        expr=f"{COLLECTOR_UP} == 0",  # one series per collector: nothing to aggregate
        for_="5m",
        labels=COLLECTOR,
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
        labels=COLLECTOR,
    ),
    AlertRule(
        name="DetectionSkippingRecords",
        severity="warning",
        summary="Detection skipped {count} {kind} records in the last {window}",
        description="Well-formed records made detection fail and were skipped one by one; the "
        "rest of their batches landed. What they would have shown (deprovisions, findings) is "
        "missing. The scimwatch log names each one: 'detection skipped a ... record'.",
        condition="detection_skipped",
        expr=f"sum by (kind) (increase({DETECTION_SKIPPED}[1h])) > 0",
        for_="0m",
        labels=KIND,
    ),
    AlertRule(
        name="NotificationsFailing",
        severity="critical",
        summary="Notifications to {receiver} are failing ({reason})",
        description="{pending} notifications are waiting; the oldest since {since}. Alerts are "
        "kept and will be delivered once the receiver recovers.",
        condition="notifications_failing",
        expr=f"sum {_by(RECEIVER, _NOTIFY_SERIES)} "
        f'(increase({NOTIFICATIONS}{{outcome="failure"}}[15m])) > 0',
        for_="5m",
        labels=RECEIVER,
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
