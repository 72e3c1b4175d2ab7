"""`scimwatch replay --pushgateway`: the replay's metrics land in a real Prometheus Pushgateway
under the job and grouping key asked for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from deadline import free_port, wait_for
from prometheus_client.parser import text_string_to_metric_families

from monitor.cli import main

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
BINARY = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/-/ready", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    if BINARY is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus-pushgateway is missing (tests/services.sh installs it)")
        pytest.skip("prometheus-pushgateway is not installed; `make test` installs it")
    url = f"http://127.0.0.1:{free_port()}"
    with (tmp_path / "pushgateway.log").open("wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [BINARY, f"--web.listen-address={url.removeprefix('http://')}"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for(lambda: proc.poll() is not None or _ready(url), what="the Pushgateway")
        assert proc.poll() is None, (tmp_path / "pushgateway.log").read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_replay_pushes_its_metrics_under_job_and_grouping_key(
    pushgateway: str, tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        [
            "replay", "--config", str(SAMPLE / "scimwatch.yaml"), "--report", str(report_path),
            "--no-progress", "--pushgateway", pushgateway, "--push-label", "scenario=basic",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    with urllib.request.urlopen(pushgateway + "/metrics", timeout=5) as answer:
        families = {f.name: f for f in text_string_to_metric_families(answer.read().decode())}
    requests = [
        s
        for s in families["scimwatch_scim_requests"].samples
        if s.name.endswith("_total") and s.labels.get("job") == "scimwatch_replay"
    ]
    assert requests and all(s.labels["scenario"] == "basic" for s in requests)
    pushed: dict[str, int] = {}
    for s in requests:
        pushed[s.labels["app"]] = pushed.get(s.labels["app"], 0) + int(s.value)
    assert pushed == {app: sum(c.values()) for app, c in report["requests"].items()}
    pending = {s.labels["app"]: s.value for s in families["scimwatch_deprovisions_pending"].samples}
    expected = {}
    for item in report["deprovisions"]:
        if item["status"] == "pending" and item["requested_at"]:
            expected[item["app"]] = expected.get(item["app"], 0) + 1
    assert {app: n for app, n in pending.items() if n} == expected


def test_unreachable_pushgateway_fails_clearly_but_keeps_the_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        [
            "replay", "--config", str(SAMPLE / "scimwatch.yaml"), "--report", str(report_path),
            "--no-progress", "--pushgateway", f"http://127.0.0.1:{free_port()}",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert (
        "cannot push to http://127.0.0.1:" in result.output
        and "report was written" in result.output
    )
    assert json.loads(report_path.read_text())["scimwatch_report"] == 1


def test_bad_grouping_label_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "replay", "--config", str(SAMPLE / "scimwatch.yaml"), "--report", str(tmp_path / "r"),
            "--pushgateway", "http://127.0.0.1:1", "--push-label", "no-equals",
        ],
    )  # fmt: skip
    assert result.exit_code == 2 and "expected name=value" in result.output
