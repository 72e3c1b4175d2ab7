"""The built-in conditions: from a `Snapshot` of the store to the alerts that fire now.

Pure functions (the snapshot and thresholds in, `Candidate`s out), one per catalog condition.
Each alert carries exactly the labels its catalog entry declares (`AlertRule.labels`, checked
here, so a condition cannot drift from the catalog, the docs or the exported rules): low
cardinality where people group and route (app, idp, collector, receiver), plus one `subject`
label on per-subject alerts so each finding or overdue deprovision is its own alert inside its
(alertname, app) group. Identities go to annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

from alerts.catalog import CATALOG, RUNBOOKS_URL, AlertRule, render
from alerts.config import Thresholds
from alerts.snapshot import Snapshot
from alerts.state import Candidate
from monitor.detect.quirks import hint

__all__ = ["Context", "LabelMismatch", "evaluate", "human_duration", "iso"]

_ACTIVITY = "activity_after_deprovision"


class LabelMismatch(ValueError):
    """A condition emitted labels other than its catalog entry declares: a bug, not data."""


class Context:
    """Per-app facts the conditions need from the config."""

    def __init__(
        self,
        *,
        thresholds: Thresholds,
        slo_of: Callable[[str], float],
        idp_of: Callable[[str], str],
        runbook_base: str = RUNBOOKS_URL,
    ) -> None:
        self.thresholds = thresholds
        self.slo_of = slo_of
        self.idp_of = idp_of
        self.runbook_base = runbook_base


def iso(ts: object) -> str:
    if not isinstance(ts, int | float):
        return ""
    return (
        datetime.fromtimestamp(float(ts), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def human_duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    text = " ".join(p for p in parts if p)
    return text or f"{secs}s"


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _candidate(
    rule: AlertRule, ctx: Context, labels: Mapping[str, str], fields: Mapping[str, str]
) -> Candidate:
    """The alert, with the catalog's labels: empty values are left out, as Alertmanager does."""
    if set(labels) != set(rule.labels):
        raise LabelMismatch(
            f"{rule.name}: condition labels {sorted(labels)} != catalog {sorted(rule.labels)}"
        )
    full = {"alertname": rule.name, "severity": rule.severity, **labels}
    values = {**fields, **full}
    notes = {
        "summary": render(rule.summary, values),
        "description": render(rule.description, values),
        "runbook_url": rule.runbook_url(ctx.runbook_base),
    }
    notes.update({k: v for k, v in fields.items() if v and k not in notes})
    return Candidate(labels={k: v for k, v in full.items() if v != ""}, annotations=notes)


def _app_labels(ctx: Context, app: str) -> dict[str, str]:
    return {"app": app, "idp": ctx.idp_of(app) if app else ""}


def _quiet(row: Mapping[str, object], snap: Snapshot, ctx: Context) -> bool:
    """Activity after a deprovision stops once sessions and tokens are revoked, which no log
    shows: the alert resolves after `activity_quiet_for` without new activity (the finding
    stays open as the record). Other findings resolve when their subject is mended."""
    last = row.get("last_at")
    if row["type"] != _ACTIVITY or not isinstance(last, int | float):
        return False
    return snap.now - float(last) >= ctx.thresholds.activity_quiet_for


def _findings(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for row in snap.findings:
        if row["type"] != rule.finding or _quiet(row, snap, ctx):
            continue
        app = str(row["app"] or "")
        raw = row["fields"] if isinstance(row["fields"], Mapping) else {}
        fields = {str(k): _text(v) for k, v in raw.items()}
        for key in ("at", "first_at", "last_at"):
            if isinstance(raw.get(key), int | float):
                fields[key] = iso(raw[key])
        fields.setdefault("at", iso(row["first_at"]))
        fields["count"] = str(row["count"])
        fields["where"] = app or "the IdP"
        if rule.finding == "vendor_quirk_rejected":
            fields["fix_hint"] = hint(fields.get("quirk", ""))
        labels = {**_app_labels(ctx, app), "subject": str(row["subject"])}
        if fields.get("idp"):
            labels["idp"] = fields["idp"]
        yield _candidate(rule, ctx, labels, fields)


def _overdue(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for row in snap.pending:
        app = str(row["app"])
        requested = float(row["requested_at"])  # type: ignore[arg-type]
        slo = ctx.slo_of(app)
        if snap.now - requested <= slo:
            continue
        fields = {
            "user_name": _text(row.get("user_name")) or _text(row.get("person")),
            "sp_id": _text(row.get("sp_id")),
            "requested_at": iso(requested),
            "age": human_duration(snap.now - requested),
            "slo": human_duration(slo),
        }
        labels = {**_app_labels(ctx, app), "subject": str(row["person"])}
        yield _candidate(rule, ctx, labels, fields)


def _auth(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for app, health in sorted(snap.health.items()):
        if health.auth_streak < ctx.thresholds.auth_failure_streak:
            continue
        fields = {"streak": str(health.auth_streak), "last_ok": iso(health.last_ok_at) or "never"}
        yield _candidate(rule, ctx, _app_labels(ctx, app), fields)


def _ratio_of(
    outcome: str, limit: Callable[[Thresholds], float]
) -> Callable[..., Iterator[Candidate]]:
    def condition(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
        for app, counts in sorted(snap.traffic.items()):
            total = sum(counts.values())
            bad = counts.get(outcome, 0)
            if total < ctx.thresholds.min_requests or bad / total < limit(ctx.thresholds):
                continue
            fields = {
                "ratio": f"{bad / total:.0%}",
                "errors": str(bad),
                "requests": str(total),
                "window": human_duration(ctx.thresholds.error_window),
            }
            yield _candidate(rule, ctx, _app_labels(ctx, app), fields)

    return condition


def _stalled(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    after = ctx.thresholds.stalled_after
    waiting: dict[str, int] = {}
    for row in snap.pending:
        if snap.now - float(row["requested_at"]) > after:  # type: ignore[arg-type]
            waiting[str(row["app"])] = waiting.get(str(row["app"]), 0) + 1
    for app, n in sorted(waiting.items()):
        health = snap.health.get(app)
        last_ok = health.last_ok_at if health else None
        if last_ok is not None and snap.now - last_ok <= after:
            continue
        fields = {"pending": str(n), "last_ok": iso(last_ok) or "ever"}
        yield _candidate(rule, ctx, _app_labels(ctx, app), fields)


def _mass(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for app, n in sorted(snap.requested.items()):
        if n >= ctx.thresholds.mass_deprovision_count:
            fields = {
                "count": str(n),
                "window": human_duration(ctx.thresholds.mass_deprovision_window),
            }
            yield _candidate(rule, ctx, _app_labels(ctx, app), fields)


def _collector_down(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for c in snap.collectors:
        if (
            c.down_since is not None
            and snap.now - c.down_since >= ctx.thresholds.collector_down_for
        ):
            fields = {"reason": c.reason or "unknown", "since": iso(c.down_since)}
            yield _candidate(rule, ctx, {"collector": c.name}, fields)


def _collector_behind(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    for c in snap.collectors:
        if c.newest_event is None or c.down_since is not None:
            continue
        lag = snap.now - c.newest_event
        if lag >= ctx.thresholds.collector_behind:
            yield _candidate(rule, ctx, {"collector": c.name}, {"lag": human_duration(lag)})


def _notifications(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    limit = ctx.thresholds.notifications_failing_for
    for r in snap.receivers:
        stuck = r.oldest_attempted is not None and snap.now - r.oldest_attempted >= limit
        if not stuck and not r.failed:
            continue
        fields = {
            "reason": r.last_reason or "unknown",
            "pending": str(r.pending + r.failed),
            "since": iso(r.oldest_attempted) or "now",
        }
        yield _candidate(rule, ctx, {"receiver": r.receiver}, fields)


def _skipped(rule: AlertRule, snap: Snapshot, ctx: Context) -> Iterator[Candidate]:
    window = human_duration(ctx.thresholds.detection_skipped_window)
    for kind, n in sorted(snap.skipped.items()):
        yield _candidate(rule, ctx, {"kind": kind}, {"count": str(n), "window": window})


CONDITIONS: dict[str, Callable[[AlertRule, Snapshot, Context], Iterator[Candidate]]] = {
    "finding": _findings,
    "deprovision_overdue": _overdue,
    "auth_streak": _auth,
    "server_errors": _ratio_of("server_error", lambda t: t.server_error_ratio),
    "throttled": _ratio_of("throttled", lambda t: t.throttled_ratio),
    "stalled": _stalled,
    "mass_deprovision": _mass,
    "collector_down": _collector_down,
    "collector_behind": _collector_behind,
    "notifications_failing": _notifications,
    "detection_skipped": _skipped,
}


def evaluate(snap: Snapshot, ctx: Context) -> list[Candidate]:
    """Every catalog alert that fires in this snapshot."""
    return [cand for rule in CATALOG for cand in CONDITIONS[rule.condition](rule, snap, ctx)]
