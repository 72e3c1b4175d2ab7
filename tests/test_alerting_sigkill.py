"""`scimwatch run` killed with SIGKILL while Slack is down, then restarted: after Slack
recovers, every alert group arrives exactly once. Real processes, real HTTP, wall clock."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from deadline import wait_for
from fakes.fake_slack import FakeSlack
from fakes.serve import serve
from prometheus_client.parser import text_string_to_metric_families
from test_alerting_e2e import REPORTED, expected_groups, group_of
from test_daemon_e2e import Daemon

from monitor.clock import SystemClock

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
TOKEN = "xoxb-sigkill-s3cr3t"
TRUTH = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, str]]:
    fake = FakeSlack(clock=SystemClock(), token=TOKEN)
    with serve(fake.app()) as url:
        yield fake, url


def _config(root: Path, slack_url: str) -> Path:
    shutil.copytree(SAMPLE, root, dirs_exist_ok=True)
    path = root / "scimwatch.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["alerting"] = {
        "evaluation_interval": 0.2,
        "lease_ttl": 1,
        "retry_max_interval": 1,
        "route": {
            "receiver": "chat",
            "group_wait": "0s",
            "group_interval": 1,
            "routes": [{"matchers": [f'alertname!~"{"|".join(REPORTED)}"'], "receiver": "ops"}],
        },
        "receivers": [
            {"name": "ops"},
            {
                "name": "chat",
                "notifiers": [
                    {
                        "type": "slack",
                        "channel": "C0ALERTS",
                        "token_env": "SIGKILL_SLACK_TOKEN",
                        "api_url": slack_url + "/api/",
                    }
                ],
            },
        ],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def _last_pass(daemon: Daemon) -> float:
    for family in text_string_to_metric_families(daemon.get("/metrics")):
        if family.name == "scimwatch_alerts_last_evaluation_timestamp_seconds":
            return float(family.samples[0].value)
    return 0.0


def _report(daemon: Daemon) -> dict[str, object]:
    with urllib.request.urlopen(daemon.base + "/api/v1/report", timeout=10) as answer:
        return dict(json.loads(answer.read()))


def _caught_up(daemon: Daemon) -> dict[str, object] | None:
    """The report once the daemon has read every input (the sample's requests, its newest
    record and all its deprovisions): alerts are raised while sources are still being read,
    so groups expected from an earlier report could miss some that come later."""
    report = _report(daemon)
    deprovisions = report["deprovisions"]
    done = report["requests"] == TRUTH["requests"] and report["now"] == TRUTH["now"]
    return (
        report
        if done
        and isinstance(deprovisions, list)
        and len(deprovisions) == len(TRUTH["deprovisions"])
        else None
    )


def test_killed_mid_outage_every_group_arrives_once(
    tmp_path: Path, slack: tuple[FakeSlack, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = slack
    monkeypatch.setenv("SIGKILL_SLACK_TOKEN", TOKEN)
    config, db, log = _config(tmp_path, url), tmp_path / "state.db", tmp_path / "daemon.log"
    fake.fail(500)
    daemon = Daemon(config, db, log)
    try:
        wait_for(
            lambda: len(fake.calls_to("chat.postMessage")) >= 3,
            timeout=120,  # the daemon first reads the whole sample
            what="failing attempts",
        )
        daemon.kill()  # mid-outage: notifications are queued, some possibly mid-attempt
    finally:
        if daemon.proc.poll() is None:
            daemon.kill()
    assert fake.top_level("C0ALERTS") == []
    fake.fail(429, retry_after=1)
    before = len(fake.calls)
    restarted = Daemon(config, db, log)
    try:
        wait_for(lambda: len(fake.calls) > before, timeout=60, what="a throttled attempt")
        fake.recover()
        caught_up = wait_for(lambda: _caught_up(restarted), timeout=60, what="all inputs read")
        expected = expected_groups(caught_up, time.time())
        wait_for(
            lambda: len(fake.top_level("C0ALERTS")) >= len(expected),
            timeout=60,
            what="every group delivered",
        )
        settled = _last_pass(restarted) + 2.0  # several more passes: nothing more may arrive
        wait_for(lambda: _last_pass(restarted) > settled, what="later pipeline passes")
    finally:
        restarted.stop()
    delivered = Counter(group_of(m) for m in fake.top_level("C0ALERTS"))
    assert set(delivered) == set(expected) and set(delivered.values()) == {1}
    assert TOKEN not in log.read_text()
