"""The catalog is the one declaration of every alert's labels and runbook: the conditions emit
exactly the declared labels, link `<RUNBOOKS_URL><AlertName>.md` (an existing runbook), and
the table in docs/alerting.md says the same."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from alerts.catalog import CATALOG, RUNBOOKS, RUNBOOKS_URL, AlertRule
from alerts.conditions import CONDITIONS, Context, LabelMismatch, evaluate
from alerts.config import AlertingConfig, Thresholds
from alerts.promrules import Params, main
from alerts.snapshot import CollectorStatus, Health, ReceiverStatus, Snapshot
from alerts.state import Candidate

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_767_225_600.0
FIXED = {"alertname", "severity"}
FINDING_FIELDS: dict[str, dict[str, object]] = {
    "deprovision_not_applied": {"sp_id": "u1"},
    "silent_attribute_loss": {"sp_id": "u1", "lost_attributes": ["emails"]},
    "digital_twin": {"user_name": "ann", "sp_ids": ["1", "2"]},
    "recreate_churn": {"external_id": "x", "new_sp_id": "2", "old_sp_id": "1"},
    "activity_after_deprovision": {"source": "app_activity", "user_name": "ann"},
    "vendor_quirk_rejected": {"quirk": "capitalized_op", "idp": "entra"},
}


def _ctx(runbook_base: str = RUNBOOKS_URL) -> Context:
    return Context(
        thresholds=Thresholds(),
        slo_of=lambda app: 3600.0,
        idp_of=lambda app: "okta",
        runbook_base=runbook_base,
    )


def _finding(kind: str, app: str, subject: str) -> dict[str, object]:
    fields: dict[str, object] = {"app": app or None, **FINDING_FIELDS[kind]}
    return {
        "type": kind,
        "app": app,
        "subject": subject,
        "fields": fields,
        "first_at": NOW - 60,
        "last_at": NOW - 60,
        "count": 1,
    }


def every_alert() -> Snapshot:
    """One snapshot in which every catalog alert fires, plus an IdP-level finding (no app)."""
    findings = [_finding(kind, "crm", f"{kind}-1") for kind in FINDING_FIELDS]
    findings.append(_finding("activity_after_deprovision", "", "google:ann"))
    return Snapshot(
        now=NOW,
        findings=findings,
        pending=[{"app": "wiki", "person": "p1", "user_name": "bo", "requested_at": NOW - 4000}],
        traffic={"crm": {"ok": 50, "server_error": 25, "throttled": 25}},
        health={"crm": Health(None, NOW - 5, 5), "wiki": Health(NOW - 9000, None, 0)},
        requested={"hr": 30},
        collectors=[
            CollectorStatus("okta", down_since=NOW - 600, reason="auth", newest_event=None),
            CollectorStatus("crm-log", down_since=None, reason=None, newest_event=NOW - 7200),
        ],
        receivers=[ReceiverStatus("pager", 1, NOW - 600, "serverError", 0)],
        skipped={"scim": 2},
    )


def _fired() -> list[Candidate]:
    return evaluate(every_alert(), _ctx())


def test_every_catalog_alert_fires_in_the_snapshot() -> None:
    assert {c.labels["alertname"] for c in _fired()} == {r.name for r in CATALOG}


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.name)
def test_conditions_emit_exactly_the_declared_labels(rule: AlertRule) -> None:
    fired = [c for c in _fired() if c.labels["alertname"] == rule.name]
    assert fired
    for cand in fired:
        assert cand.labels["severity"] == rule.severity
        emitted = set(cand.labels) - FIXED
        if cand.labels.get("subject") == "google:ann":  # IdP-level: no app, so no idp either
            assert emitted == set(rule.labels) - {"app", "idp"}
        else:
            assert emitted == set(rule.labels), rule.name


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.name)
def test_a_condition_that_drifts_from_the_catalog_is_refused(rule: AlertRule) -> None:
    """What the check in `alerts.conditions` catches: one label too many, one missing."""
    condition = CONDITIONS[rule.condition]
    for labels in ((*rule.labels, "team"), rule.labels[:-1]):
        drifted = dataclasses.replace(rule, labels=labels)
        with pytest.raises(LabelMismatch, match=rule.name):
            list(condition(drifted, every_alert(), _ctx()))


def test_alert_annotations_link_the_runbook_of_their_alert() -> None:
    for cand in _fired():
        name = cand.labels["alertname"]
        assert cand.annotations["runbook_url"] == f"{RUNBOOKS_URL}{name}.md"
        assert (ROOT / RUNBOOKS / f"{name}.md").is_file(), name


def test_runbooks_url_points_at_the_runbooks_directory() -> None:
    assert RUNBOOKS_URL.startswith("https://") and RUNBOOKS_URL.endswith(f"/{RUNBOOKS}/")
    # ... of the repository the package declares as its home
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"{project['urls']['Homepage']}/blob/main/{RUNBOOKS}/" == RUNBOOKS_URL


def test_one_runbook_default_everywhere(tmp_path: Path) -> None:
    context = Context(thresholds=Thresholds(), slo_of=lambda _: 1.0, idp_of=lambda _: "")
    defaults = {AlertingConfig().runbook_base_url, Params().runbook_base_url, context.runbook_base}
    assert defaults == {RUNBOOKS_URL}
    out = tmp_path / "rules.yml"
    assert main(["--out", str(out)]) == 0  # the CLI flag's default
    assert f"--runbook-base-url {RUNBOOKS_URL}\n" in out.read_text(encoding="utf-8")


def test_an_overridden_runbook_base_is_used() -> None:
    fired = evaluate(every_alert(), _ctx("https://wiki.example/rb/"))
    assert {c.annotations["runbook_url"] for c in fired} == {
        f"https://wiki.example/rb/{r.name}.md" for r in CATALOG
    }


def _docs_table() -> dict[str, tuple[str, tuple[str, ...]]]:
    """alert -> (severity, labels) from the catalog table of docs/alerting.md."""
    text = (ROOT / "docs" / "alerting.md").read_text(encoding="utf-8")
    section = text.split("## The catalog", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| .* \| ([\w, ]+) \|$", section, re.M)
    return {name: (sev, tuple(s.strip() for s in labels.split(","))) for name, sev, labels in rows}


def test_docs_catalog_table_matches_the_catalog() -> None:
    assert _docs_table() == {r.name: (r.severity, r.labels) for r in CATALOG}
