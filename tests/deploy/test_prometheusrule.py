"""The committed PrometheusRule is the generated rules file, wrapped, and Prometheus accepts it.

The rules file itself is checked and unit-tested in tests/rules; here it is only the input. The
comparison is against whatever rules file is committed, so regenerating the rules (new runbook
URL, new SLO) without regenerating the PrometheusRule fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.prometheusrule import LABELS, OUT, RulesError, build, main, render
from alerts.promrules import OUT as RULES

KUSTOMIZATION = OUT.parent / "kustomization.yaml"


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is not installed: tests/services.sh installs it")
        pytest.skip("promtool is not installed (tests/services.sh installs it)")
    return found


def _committed() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OUT.read_text(encoding="utf-8"))
    return loaded


def test_committed_file_is_a_fresh_wrap_of_the_committed_rules() -> None:
    assert OUT.read_text(encoding="utf-8") == render(), "run python -m alerts.prometheusrule"
    assert main(["--check"]) == 0


def test_spec_holds_exactly_the_rules_files_groups() -> None:
    rule = _committed()
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    assert rule["spec"] == {"groups": yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]}
    alerts = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert "ScimAuthFailing" in alerts and "DeprovisionSloFastBurn" in alerts


def test_labels_match_kube_prometheus_stack_and_kustomize_sets_the_namespace() -> None:
    """kube-prometheus-stack selects rules by `release: <Helm release>`; the namespace is the
    kustomization's, like every other manifest's (none of them names one)."""
    metadata = _committed()["metadata"]
    assert metadata["name"] == "scimwatch" and "namespace" not in metadata
    assert metadata["labels"] == {
        "app.kubernetes.io/name": "scimwatch",
        "release": "kube-prometheus-stack",
    }
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))
    assert OUT.name in kustomization["resources"] and kustomization["namespace"] == "scimwatch"


def test_spec_groups_pass_promtool_check_rules(tmp_path: Path) -> None:
    promtool = _promtool()
    groups = tmp_path / "groups.yml"
    groups.write_text(yaml.safe_dump(_committed()["spec"]), encoding="utf-8")
    result = subprocess.run(
        [promtool, "check", "rules", str(groups)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_check_fails_on_a_stale_file_and_labels_can_be_changed(tmp_path: Path) -> None:
    out = tmp_path / "prometheusrule.yaml"
    assert main(["--out", str(out), "--check"]) == 1  # missing
    assert main(["--out", str(out), "--label", "release=monitoring", "--label", "team=iam"]) == 0
    labels = yaml.safe_load(out.read_text(encoding="utf-8"))["metadata"]["labels"]
    assert labels == {**LABELS, "release": "monitoring", "team": "iam"}
    assert main(["--out", str(out), "--check"]) == 1  # written with other labels
    rules = tmp_path / "rules.yml"
    rules.write_text("groups: []\n", encoding="utf-8")
    assert main(["--rules", str(rules), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["spec"] == {"groups": []}


def test_a_file_without_groups_is_refused() -> None:
    with pytest.raises(RulesError, match="groups"):
        build("rule_files: [x.yml]\n")
    with pytest.raises(RulesError, match="cannot read"):
        render(Path("/nonexistent/scimwatch-rules.yml"))
