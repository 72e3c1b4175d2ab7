"""bench/multi_source.py: the copies of a scenario are independent tenants, so the replay of a
two-copy clone reports, for each copy, exactly the scenario's truth under that copy's names.

Copies that shared a person id or a record key would merge people, deduplicate records or
request deprovisions in each other's apps, and the benchmark would time work the scenario
does not have.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from contract_util import SAMPLE, load_bench, score_perfectly

from monitor.cli import main

COPIES = 2


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("multi_source")


def _copy_truth(k: int, rewrite: Callable[[bytes], bytes]) -> dict[str, Any]:
    """The sample's truth with copy `k`'s ids, emails and app names."""
    truth = json.loads(rewrite((SAMPLE / "truth.json").read_bytes()))
    prefix = f"c{k}-"
    truth["requests"] = {prefix + app: n for app, n in truth["requests"].items()}
    for row in [*truth["deprovisions"], *(f for rows in truth["findings"].values() for f in rows)]:
        if row.get("app") is not None:
            row["app"] = prefix + row["app"]
    return dict(truth)


def _copy_report(report: dict[str, Any], k: int) -> dict[str, Any]:
    """Copy `k`'s part of the clone's report: its apps' rows, and IdP-level findings (no app)
    of its people (their emails carry the copy's domain)."""
    prefix, domain = f"c{k}-", f"@c{k}."

    def mine(row: dict[str, Any]) -> bool:
        app = row.get("app")
        return app.startswith(prefix) if app else domain in str(row.get("user_name"))

    return {
        **report,
        "requests": {a: n for a, n in report["requests"].items() if a.startswith(prefix)},
        "deprovisions": [row for row in report["deprovisions"] if mine(row)],
        "findings": [finding for finding in report["findings"] if mine(finding)],
    }


def test_each_copy_reports_the_scenarios_truth(bench: ModuleType, tmp_path: Path) -> None:
    config = bench.clone(SAMPLE, tmp_path, COPIES)
    report_path = tmp_path / "report.json"
    command = ["replay", "--config", str(config), "--report", str(report_path), "--no-progress"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    sources = yaml.safe_load((SAMPLE / "scimwatch.yaml").read_text())["sources"]
    rewrites = bench.rewriters([(SAMPLE / s["path"]).read_bytes() for s in sources], COPIES)
    sample_rows = len(json.loads((SAMPLE / "truth.json").read_text())["deprovisions"])
    assert len(report["deprovisions"]) == COPIES * sample_rows
    for k, rewrite in enumerate(rewrites):
        truth, part = tmp_path / f"truth-{k}.json", tmp_path / f"report-{k}.json"
        truth.write_text(json.dumps(_copy_truth(k, rewrite)))
        part.write_text(json.dumps(_copy_report(report, k)))
        scored = score_perfectly(truth, part)
        assert scored.returncode == 0, (k, scored.stdout)
