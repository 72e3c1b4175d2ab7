"""Latency from a SCIM log line being written to the Slack call that announces it.

    python bench/alert_latency.py [--trials 40]

Runs a real daemon in-process (`App` with its workers, wall clock) tailing a SCIM log, with
the alert pipeline's timers shortened (evaluation 0.2 s, group_wait 0 s, group_interval 0.5 s,
poll interval 0.05 s) and the Slack notifier (slack-sdk) pointed at the fake Slack Web API of
the test suite. Each trial appends two POSTs that create a digital twin of a new userName and
waits for the first Slack call (post, update or thread reply) that names it. Prints p50, p95
and max.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    os.environ["BENCH_SLACK_TOKEN"] = TOKEN
    clock = SystemClock()
    slack = FakeSlack(clock=clock, token=TOKEN)
    latencies: list[float] = []
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
        for trial in range(args.trials):
            user = f"twin{trial}@bench.example"
            seen = len(slack.calls)
            with log.open("a") as out:
                started = time.perf_counter()
                out.write(_line(user, f"a{trial}") + "\n" + _line(user, f"b{trial}") + "\n")
            arrived = _wait_for(slack, user, seen, started + 30)
            if arrived is None:
                print(f"trial {trial}: no Slack call within 30 s", file=sys.stderr)
                continue
            latencies.append(arrived - started)
        stop.set()
        server.join(15)
    latencies.sort()
    p95 = latencies[max(round(0.95 * len(latencies)) - 1, 0)]
    print(
        f"{len(latencies)} trials: p50 {statistics.median(latencies):.3f} s, "
        f"p95 {p95:.3f} s, max {latencies[-1]:.3f} s"
    )


def _socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


if __name__ == "__main__":
    main()
