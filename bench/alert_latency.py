"""Latency from a SCIM log line being written to the Slack call that announces it.

    python bench/alert_latency.py [--trials 40]

Runs a real daemon in-process (`App` with its workers, wall clock) tailing a SCIM log, with
the alert pipeline's timers shortened (evaluation 0.2 s, group_wait 0 s, group_interval 0.5 s,
poll interval 0.05 s) and the Slack notifier (slack-sdk) pointed at the fake Slack Web API of
the test suite. Each trial appends two POSTs that create a digital twin of a new userName and
waits for the first Slack call (post, update or thread reply) that names it. Prints p50, p95
and max of the trials that arrived, and how many did not arrive within `--timeout`: those
count as failures (named on stderr), and the exit status is 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]  # the packages first: tests/ has same-named folders
sys.path.append(str(HERE.parent / "tests"))  # for the fake Slack

from fakes.fake_slack import FakeSlack  # noqa: E402
from fakes.serve import serve  # noqa: E402

from monitor.app import App  # noqa: E402
from monitor.clock import SystemClock  # noqa: E402
from monitor.config import load  # noqa: E402
from monitor.secret import Secret  # noqa: E402
from monitor.settings import Settings  # noqa: E402

TOKEN = "xoxb-bench"


def _line(user: str, sp_id: str) -> str:
    ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"userName": user, "active": True}
    return json.dumps(
        {
            "ts": ts,
            "app": "crm",
            "method": "POST",
            "path": "/scim/v2/Users",
            "status": 201,
            "request_body": body,
            "response_body": {**body, "id": sp_id},
        }
    )


def _config(root: Path, slack_url: str) -> Path:
    doc = {
        "apps": [{"name": "crm", "idp": "okta"}],
        "sources": [{"type": "scim_log", "app": "crm", "path": "crm.log"}],
        "alerting": {
            "evaluation_interval": 0.2,
            "route": {"receiver": "chat", "group_wait": "0s", "group_interval": 0.5},
            "receivers": [
                {
                    "name": "chat",
                    "notifiers": [
                        {
                            "type": "slack",
                            "channel": "C0ALERTS",
                            "token_env": "BENCH_SLACK_TOKEN",
                            "api_url": slack_url + "/api/",
                        }
                    ],
                }
            ],
        },
    }
    path = root / "scimwatch.yaml"
    path.write_text(yaml.safe_dump(doc))
    (root / "crm.log").write_text("")
    return path


def _wait_for(slack: FakeSlack, needle: str, seen: int, deadline: float) -> float | None:
    while time.perf_counter() < deadline:
        calls = slack.calls[seen:]
        if any(needle in json.dumps(call.args) for call in calls):
            return time.perf_counter()
        time.sleep(0.002)
    return None


@dataclass
class Result:
    """Seconds per trial that arrived, and the numbers of the trials that did not."""

    latencies: list[float] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the arrived trials."""
        ordered = sorted(self.latencies)
        return ordered[max(round(q * len(ordered)) - 1, 0)]

    def summary(self) -> str:
        trials = len(self.latencies) + len(self.failed)
        failed = f"{len(self.failed)} of {trials} trials failed (no Slack call in time)"
        if not self.latencies:
            return failed
        return (
            f"{len(self.latencies)} trials: p50 {statistics.median(self.latencies):.3f} s, "
            f"p95 {self.percentile(0.95):.3f} s, max {max(self.latencies):.3f} s; {failed}"
        )


def run(trials: int, timeout: float) -> Result:
    """Start the daemon against the fake Slack, time `trials` digital twins, stop it."""
    os.environ["BENCH_SLACK_TOKEN"] = TOKEN
    clock = SystemClock()
    slack = FakeSlack(clock=clock, token=TOKEN)
    result = Result()
    with tempfile.TemporaryDirectory() as scratch, serve(slack.app()) as slack_url:
        root = Path(scratch)
        config = load(_config(root, slack_url))
        settings = Settings(
            database_url=Secret(f"sqlite:///{root / 'state.db'}"), poll_interval=0.05
        )
        app = App(settings=settings, config=config, clock=clock, registry=CollectorRegistry())
        app.start()
        stop = threading.Event()
        server = threading.Thread(
            target=app.serve, args=([_socket()],), kwargs={"until": stop}, daemon=True
        )
        server.start()
        log = root / "crm.log"
        try:
            for trial in range(trials):
                user = f"twin{trial}@bench.example"
                seen = len(slack.calls)
                with log.open("a") as out:
                    started = time.perf_counter()
                    out.write(_line(user, f"a{trial}") + "\n" + _line(user, f"b{trial}") + "\n")
                arrived = _wait_for(slack, user, seen, started + timeout)
                if arrived is None:
                    print(f"trial {trial}: no Slack call within {timeout:g} s", file=sys.stderr)
                    result.failed.append(trial)
                else:
                    result.latencies.append(arrived - started)
        finally:
            stop.set()
            server.join(15)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per trial")
    args = parser.parse_args(argv)
    result = run(args.trials, args.timeout)
    print(result.summary())
    return 1 if result.failed else 0


def _socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


if __name__ == "__main__":
    sys.exit(main())
