"""The built-in conditions, one at a time, on hand-built snapshots."""

from __future__ import annotations

from alerts.conditions import Context, evaluate
from alerts.config import Thresholds
from alerts.snapshot import CollectorStatus, Health, ReceiverStatus, Snapshot
from alerts.state import Candidate

NOW = 1_767_225_600.0


def _ctx(**thresholds: object) -> Context:
    slos = {"strict": 600.0}
    return Context(
        thresholds=Thresholds.model_validate(thresholds),
        slo_of=lambda app: slos.get(app, 3600.0),
        idp_of=lambda app: "entra" if app == "crm" else "okta",
        runbook_base="https://runbooks.example/",
    )


def _fired(snap: Snapshot, **thresholds: object) -> list[Candidate]:
    return evaluate(snap, _ctx(**thresholds))


def _names(snap: Snapshot, **thresholds: object) -> list[tuple[str, str]]:
    return [
        (
            c.labels["alertname"],
            c.labels.get("app") or c.labels.get("collector") or c.labels.get("receiver", ""),
        )
        for c in _fired(snap, **thresholds)
    ]


def test_quiet_snapshot_fires_nothing() -> None:
    assert _fired(Snapshot(now=NOW)) == []


def test_auth_streak_fires_at_the_threshold_only() -> None:
    snap = Snapshot(
        now=NOW, health={"crm": Health(None, NOW - 5, 5), "wiki": Health(NOW, NOW - 9, 4)}
    )
    [alert] = _fired(snap)
    assert alert.labels == {
        "alertname": "ScimAuthFailing",
        "severity": "critical",
        "app": "crm",
        "idp": "entra",
    }
    assert "5 SCIM requests in a row" in alert.annotations["summary"]
    assert alert.annotations["runbook_url"] == "https://runbooks.example/ScimAuthFailing.md"


def test_error_ratios_need_enough_traffic() -> None:
    snap = Snapshot(
        now=NOW,
        traffic={
            "crm": {"ok": 90, "server_error": 10},  # 10 % of 100: fires
            "wiki": {"ok": 5, "server_error": 5},  # 50 % but only 10 requests
            "chat": {"ok": 80, "throttled": 20},  # 20 % throttled
            "hr": {"ok": 97, "server_error": 3},  # 3 %: below 5 %
        },
    )
    assert sorted(_names(snap)) == [("ScimServerErrors", "crm"), ("ScimThrottled", "chat")]
    assert sorted(_names(snap, min_requests=5)) == [
        ("ScimServerErrors", "crm"),
        ("ScimServerErrors", "wiki"),
        ("ScimThrottled", "chat"),
    ]


def test_overdue_uses_each_apps_slo_and_names_the_person() -> None:
    pending = [
        {
            "app": "strict",
            "person": "p1",
            "user_name": "ann@example.com",
            "requested_at": NOW - 700,
        },
        {"app": "crm", "person": "p2", "user_name": "bob@example.com", "requested_at": NOW - 700},
    ]
    fired = [
        c
        for c in _fired(Snapshot(now=NOW, pending=pending))
        if c.labels["alertname"] == "DeprovisionOverdue"
    ]
    assert [(c.labels["app"], c.labels["subject"]) for c in fired] == [("strict", "p1")]
    assert (
        fired[0].annotations["summary"].startswith("ann@example.com is still active in strict 11m")
    )
    assert "@" not in "".join(fired[0].labels.values())


def test_stalled_only_without_recent_success() -> None:
    pending = [{"app": a, "person": "p", "requested_at": NOW - 2000} for a in ("crm", "wiki")]
    health = {"crm": Health(NOW - 60, None, 0), "wiki": Health(NOW - 4000, None, 0)}
    assert ("ProvisioningStalled", "wiki") in _names(
        Snapshot(now=NOW, pending=pending, health=health)
    )
    assert ("ProvisioningStalled", "crm") not in _names(
        Snapshot(now=NOW, pending=pending, health=health)
    )


def test_mass_deprovision_spike() -> None:
    snap = Snapshot(now=NOW, requested={"crm": 25, "wiki": 24})
    assert _names(snap) == [("MassDeprovisionSpike", "crm")]


def test_detection_skipping_records_fires_per_kind() -> None:
    idp, scim = _fired(Snapshot(now=NOW, skipped={"scim": 3, "idp": 1}))  # by kind
    assert [c.labels for c in (idp, scim)] == [
        {"alertname": "DetectionSkippingRecords", "severity": "warning", "kind": kind}
        for kind in ("idp", "scim")
    ]
    assert scim.annotations["summary"] == "Detection skipped 3 scim records in the last 1h"
    assert _fired(Snapshot(now=NOW, skipped={})) == []


def test_finding_alerts_carry_fields_and_hints() -> None:
    findings = [
        {
            "type": "vendor_quirk_rejected",
            "app": "crm",
            "subject": "entra:capitalized_op",
            "fields": {"app": "crm", "idp": "entra", "quirk": "capitalized_op"},
            "first_at": NOW - 100,
            "count": 7,
        },
        {
            "type": "activity_after_deprovision",
            "app": "",
            "subject": "google:ann@example.com",
            "fields": {
                "source": "google_token",
                "app": None,
                "user_name": "ann@example.com",
                "first_at": NOW - 50,
            },
            "first_at": NOW - 50,
            "count": 2,
        },
    ]
    activity, quirk = _fired(Snapshot(now=NOW, findings=findings))  # in catalog order
    assert quirk.labels["alertname"] == "VendorQuirkRejected"
    assert "aadOptscim062020" in quirk.annotations["fix_hint"]
    assert quirk.annotations["count"] == "7"
    assert activity.labels == {
        "alertname": "ActivityAfterDeprovision",
        "severity": "critical",
        "subject": "google:ann@example.com",
    }
    assert "active in the IdP after" in activity.annotations["summary"]


def test_collectors_down_and_behind() -> None:
    collectors = [
        CollectorStatus("okta", down_since=NOW - 301, reason="rate_limited", newest_event=NOW - 10),
        CollectorStatus("graph", down_since=NOW - 100, reason="auth", newest_event=NOW - 10),
        CollectorStatus("crm-log", down_since=None, reason=None, newest_event=NOW - 4000),
        CollectorStatus("wiki-log", down_since=None, reason=None, newest_event=None),
    ]
    assert _names(Snapshot(now=NOW, collectors=collectors)) == [
        ("CollectorDown", "okta"),
        ("CollectorBehind", "crm-log"),
    ]


def test_notifications_failing_when_stuck_or_given_up() -> None:
    receivers = [
        ReceiverStatus(
            "slack", pending=3, oldest_attempted=NOW - 400, last_reason="serverError", failed=0
        ),
        ReceiverStatus(
            "pager", pending=1, oldest_attempted=NOW - 10, last_reason="rateLimited", failed=0
        ),
        ReceiverStatus(
            "hook", pending=0, oldest_attempted=None, last_reason="clientError", failed=1
        ),
    ]
    assert _names(Snapshot(now=NOW, receivers=receivers)) == [
        ("NotificationsFailing", "slack"),
        ("NotificationsFailing", "hook"),
    ]


def test_activity_after_deprovision_resolves_after_a_quiet_day() -> None:
    """The finding stays open; its alert fires while activity is recent (`activity_quiet_for`,
    a day by default). Findings of other types do not age out."""

    def finding(kind: str, subject: str, last_at: float) -> dict[str, object]:
        fields = {"app": "crm", "user_name": subject, "source": "app_activity"}
        return {"type": kind, "app": "crm", "subject": subject, "fields": fields,
                "first_at": last_at - 600, "last_at": last_at, "count": 3}  # fmt: skip

    findings = [
        finding("activity_after_deprovision", "recent", NOW - 86399),
        finding("activity_after_deprovision", "quiet", NOW - 86400),
        finding("digital_twin", "old-twin", NOW - 30 * 86400),
    ]
    snap = Snapshot(now=NOW, findings=findings)
    fired = [(c.labels["alertname"], c.labels["subject"]) for c in _fired(snap)]
    assert fired == [("DigitalTwin", "old-twin"), ("ActivityAfterDeprovision", "recent")]
    longer = [c.labels["subject"] for c in _fired(snap, activity_quiet_for="2d")]
    assert sorted(longer) == ["old-twin", "quiet", "recent"]
