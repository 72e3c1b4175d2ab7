"""bench/alert_latency.py: a short run reports percentiles and no failed trial; a trial that
times out is counted as a failure and fails the run."""

from __future__ import annotations

import re
from types import ModuleType

import pytest
from contract_util import load_bench

SUMMARY = re.compile(
    r"^(\d+) trials: p50 ([\d.]+) s, p95 ([\d.]+) s, max ([\d.]+) s; "
    r"(\d+) of (\d+) trials failed",
    re.M,
)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("alert_latency")


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench exports its fake Slack token; keep it out of the other tests' environment."""
    monkeypatch.setenv("BENCH_SLACK_TOKEN", "")


def test_three_trials_report_percentiles_and_no_failure(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--trials", "3"]) == 0
    found = SUMMARY.search(capsys.readouterr().out)
    assert found, "no summary line"
    arrived, p50, p95, most, failed, trials = found.groups()
    assert (int(arrived), int(failed), int(trials)) == (3, 0, 3)
    assert 0 < float(p50) <= float(p95) <= float(most)


def test_a_timed_out_trial_is_a_failure(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--trials", "1", "--timeout", "0"]) == 1  # nothing arrives in 0 s
    out, err = capsys.readouterr()
    assert "1 of 1 trials failed" in out
    assert "trial 0: no Slack call within 0 s" in err


def test_percentiles_are_nearest_rank(bench: ModuleType) -> None:
    result = bench.Result(latencies=[0.4, 0.1, 0.3, 0.2], failed=[4])
    assert (result.percentile(0.5), result.percentile(0.95)) == (0.2, 0.4)
    assert result.summary().endswith("; 1 of 5 trials failed (no Slack call in time)")
