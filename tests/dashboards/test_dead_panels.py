"""No dead panels: every panel query returns data from a real Prometheus scraping a real daemon.

The daemon tails what `scimwatch demo` writes, with the demo's own config: its day of history
first (every kind of request outcome, deprovision and finding), then live traffic in parts:
rates and histogram quantiles only show data when a counter grows between two scrapes, so
Prometheus must have seen every series once before the live traffic arrives. One extra source
points at a directory, so poll errors are exported too, and the built-in alerting notifies a
local webhook sink, so notification metrics are too. Another polls a fake Okta org live over
HTTPS (a throwaway CA the daemon trusts through SSL_CERT_FILE), so the rate-limit headroom only
live pollers know is exported as well: no panel is exempt. Its events are some of the demo's
System Log file's (same `uuid`), so they dedupe and change no answer.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from click.testing import CliRunner
from deadline import free_port, wait_for
from fakes.fake_okta import FakeOkta
from fakes.tls import Served, issue_certs
from prometheus_client.parser import text_string_to_metric_families

from dashboards import findings
from monitor.cli import main
from monitor.clock import SystemClock
from monitor.demo import DEFAULT_APPS, DemoTraffic
from monitor.telemetry.metrics import COLLECTOR_EVENTS, COLLECTOR_HEADROOM

Options = Callable[[str], list[str]]  # a label_values(...) query -> the values it lists

pytestmark = pytest.mark.slow

RULES = Path(__file__).parents[2] / "deploy" / "prometheus" / "scimwatch-rules.yml"
BIN = Path(sys.executable).parent / "scimwatch"
START = 1_790_000_000.0
LIVE_FROM = START + 24 * 3600.0  # `scimwatch demo`'s default day of history
LIVE_SECONDS = 600.0  # simulated live traffic after it: Retry-After, new findings, deprovisions
CHUNKS = 2
LIVE = "okta_live"  # the live-polled source's name
LIVE_EVENTS = 5  # the first events of the demo's System Log file, served live too
TOKEN_ENV = "SCIMWATCH_TEST_OKTA_TOKEN"
APPS = sorted(app.name for app in DEFAULT_APPS)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.log.name} exited:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> Process:
    with log.open("ab") as stderr:  # the child keeps its own descriptor
        proc = subprocess.Popen(args, stdout=stderr, stderr=stderr, env=env)
    return Process(proc, log)


@dataclass
class Stack:
    daemon: Process
    prometheus: Process
    daemon_url: str
    prometheus_url: str
    traffic: DemoTraffic
    traffic_dir: Path

    def query(self, expr: str) -> list[dict[str, Any]]:
        self.prometheus.check_alive()
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        answer = get_json(url)
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def scraped(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def report(self) -> dict[str, Any]:
        self.daemon.check_alive()
        found: dict[str, Any] = get_json(f"{self.daemon_url}/api/v1/report")
        return found

    def requests_logged(self) -> int:
        return sum(sum(outcomes.values()) for outcomes in self.report()["requests"].values())


@dataclass
class Demo:
    traffic: DemoTraffic  # its history written; `run_until` appends the live traffic
    directory: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """What `scimwatch demo` writes before its daemon starts: the config and a day of logs."""
    directory = tmp_path_factory.mktemp("demo")
    traffic = DemoTraffic(directory, start=START, live_from=LIVE_FROM)
    traffic.run_until(LIVE_FROM)
    (directory / "scimwatch.yaml").write_text(traffic.config_text(), encoding="utf-8")
    return Demo(traffic, directory)


class _Sink(BaseHTTPRequestHandler):
    """A webhook receiver that accepts every notification and counts them."""

    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(10)


@dataclass
class LiveOkta:
    okta: FakeOkta
    server: Served
    ca: Path  # the CA the daemon trusts (SSL_CERT_FILE)
    token: str


@pytest.fixture(scope="module")
def live_okta(tmp_path_factory: pytest.TempPathFactory, demo: Demo) -> Iterator[LiveOkta]:
    """A fake Okta org over HTTPS holding events the demo's file has too: a live source that
    exports headroom (the fake sends X-Rate-Limit-* on every response) and changes no answer."""
    certs = issue_certs(tmp_path_factory.mktemp("tls"))
    token = "dead-panels-okta-token"
    # A limit the test never nears: the poller has no reason to pause, headroom stays > 0.
    okta = FakeOkta(clock=SystemClock(), token=token, rate_limit=100_000)
    with (demo.directory / "idp" / "okta-system-log.jsonl").open(encoding="utf-8") as exported:
        okta.add(*(json.loads(next(exported)) for _ in range(LIVE_EVENTS)))
    server = Served(okta.app, certs.server)
    try:
        yield LiveOkta(okta, server, certs.ca, token)
    finally:
        server.stop()


def _replay(config: Path, tmp: Path) -> dict[str, Any]:
    """What the daemon must reach before the first half counts as read: every source done."""
    report = tmp / "first-half.json"
    args = ["replay", "--config", str(config), "--report", str(report), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(report.read_text())
    return found


def _config(data: Path, webhook: str, okta_url: str) -> Path:
    config = yaml.safe_load((data / "scimwatch.yaml").read_text(encoding="utf-8"))
    (data / "not-a-file").mkdir()  # a directory where a file should be: poll errors (`io`)
    config["sources"] += [
        {"type": "app_activity_log", "app": APPS[0], "name": "broken", "path": "not-a-file"},
        {"type": "okta_system_log", "name": LIVE, "url": okta_url, "token_env": TOKEN_ENV},
    ]
    config["alerting"] = {
        "receivers": [{"name": "sink", "notifiers": [{"type": "webhook", "url": webhook}]}],
        "route": {"receiver": "sink", "group_wait": "0s", "group_interval": "1s"},
        "evaluation_interval": "1s",
    }
    path = data / "scimwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _start_daemon(config: Path, tmp: Path, live: LiveOkta) -> tuple[Process, Callable[[], str]]:
    """Start `scimwatch run` on port 0; the second value waits for and returns its URL."""
    env = {
        **os.environ,
        "SCIMWATCH_POLL_INTERVAL": "0.05",
        "SCIMWATCH_LOG_LEVEL": "INFO",
        "SSL_CERT_FILE": str(live.ca),  # trusts the fake org's certificate, nothing else
        "NO_PROXY": "127.0.0.1",
        TOKEN_ENV: live.token,
    }
    log = tmp / "daemon.log"
    args = [str(BIN), "run", "-c", str(config), "--listen", "127.0.0.1:0"]
    daemon = start([*args, "--db", f"sqlite:///{tmp / 'state.db'}"], log, env)

    def announced() -> str | None:
        daemon.check_alive()
        found = re.findall(r"metrics on (http://[\d.]+:\d+)/metrics", log.read_text())
        return found[-1] if found else None

    return daemon, lambda: str(wait_for(announced, timeout=60, what="the daemon to listen"))


def _start_prometheus(binary: str, target: str, tmp: Path) -> tuple[Process, str]:
    config = tmp / "prometheus.yml"
    scrape = {"job_name": "scimwatch", "static_configs": [{"targets": [target]}]}
    settings: dict[str, Any] = {
        "global": {"scrape_interval": "500ms", "evaluation_interval": "500ms"},
        "scrape_configs": [scrape],
    }
    if RULES.exists():  # generated from the alert catalog: evaluated against the same data
        settings["rule_files"] = [str(RULES)]
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp / 'tsdb'}",
        f"--web.listen-address={url.removeprefix('http://')}",
    ]
    prometheus = start(args, tmp / "prometheus.log")

    def ready() -> bool:
        prometheus.check_alive()
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    wait_for(ready, timeout=30, what="Prometheus to be ready")
    return prometheus, url


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, demo: Demo, webhook: str, live_okta: LiveOkta
) -> Iterator[Stack]:
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("prometheus is not installed: tests/services.sh installs it")
        pytest.skip("prometheus is not installed (tests/services.sh installs it)")
    tmp = tmp_path_factory.mktemp("dead-panels")
    data = demo.directory
    replay_config = data / "replay.yaml"
    shutil.copyfile(data / "scimwatch.yaml", replay_config)
    config = _config(data, webhook, live_okta.server.url)
    daemon, listening = _start_daemon(config, tmp, live_okta)
    prometheus = None
    try:
        expected = _replay(replay_config, tmp)  # while the daemon starts: both take seconds
        daemon_url = listening()
        prometheus, prometheus_url = _start_prometheus(
            binary, daemon_url.removeprefix("http://"), tmp
        )
        stack = Stack(daemon, prometheus, daemon_url, prometheus_url, demo.traffic, demo.directory)
        _feed(stack, expected)
        yield stack
    finally:
        if prometheus is not None:
            prometheus.stop()
        daemon.stop()
    assert "Traceback" not in (tmp / "daemon.log").read_text()


def _default_name(source: dict[str, Any]) -> str:
    """A source's name in metrics when the config gives none (collectors/base.py)."""
    suffix = source.get("app") or source.get("application")
    return f"{source['type']}/{suffix}" if suffix else str(source["type"])


def _read_whole(stack: Stack, config: dict[str, Any]) -> bool:
    """Whether the daemon committed every line of every file the demo's config names (SCIM,
    activity and IdP logs), as a replay of them does. Counting lines rather than comparing the
    report with replay's keeps the wait independent of how the daemon interleaved its sources."""
    with urllib.request.urlopen(f"{stack.daemon_url}/metrics", timeout=10) as response:
        text = response.read().decode()
    delivered = {
        sample.labels["collector"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == COLLECTOR_EVENTS
    }
    return all(
        delivered.get(_default_name(source))
        == len((stack.traffic_dir / source["path"]).read_bytes().splitlines())
        for source in config["sources"]
    )


def _feed(stack: Stack, expected: dict[str, Any]) -> None:
    """The history read and scraped, then live traffic: every counter grows under watch."""
    logged = sum(sum(outcomes.values()) for outcomes in expected["requests"].values())
    config = yaml.safe_load((stack.traffic_dir / "replay.yaml").read_text(encoding="utf-8"))
    wait_for(
        lambda: stack.report()["requests"] == expected["requests"] and _read_whole(stack, config),
        timeout=60,
        what="the history",
    )
    _scraped(stack, logged)
    notified = len(_Sink.received)
    # In parts, each scraped: a series born in one part grows in the next (new apps' lag).
    for part in range(1, CHUNKS + 1):
        logged += stack.traffic.run_until(LIVE_FROM + LIVE_SECONDS * part / CHUNKS)
        _read(stack, logged, what=f"part {part} of the live traffic")
        if part < CHUNKS:
            _scraped(stack, logged)
    # Findings the live traffic opened fire alerts: their notifications are timed too.
    wait_for(lambda: len(_Sink.received) > notified, timeout=30, what="a notification")
    _scraped(stack, logged)
    live = f'{COLLECTOR_EVENTS}{{collector="{LIVE}"}}'
    wait_for(lambda: stack.scraped(live) == LIVE_EVENTS, timeout=30, what="the live source read")


def _read(stack: Stack, requests: int, *, what: str) -> None:
    wait_for(lambda: stack.requests_logged() == requests, timeout=60, what=what)


def _scraped(stack: Stack, requests: int) -> None:
    """Wait until Prometheus holds `requests`, then for two more scrapes: a series that first
    appeared in the scrape that brought `requests` then has the two samples a rate needs."""
    count = "sum(scimwatch_scim_requests_total)"
    wait_for(lambda: stack.scraped(count) == requests, timeout=30, what=f"{requests} scraped")
    scrapes = "sum(count_over_time(scimwatch_build_info[1h]))"
    seen = stack.scraped(scrapes) or 0
    wait_for(lambda: (stack.scraped(scrapes) or 0) >= seen + 2, timeout=30, what="two scrapes")


def _has_data(result: list[dict[str, Any]]) -> bool:
    """At least one series with a number: NaN (0/0, a quantile of nothing) shows as no data."""
    return any(not math.isnan(float(series["value"][1])) for series in result)


def _options(stack: Stack) -> Options:
    """What Grafana lists for a `label_values(selector, label)` variable, asked of Prometheus."""

    def listed(query: str) -> list[str]:
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
        assert match is not None, query
        selector, label = match.groups()
        url = f"{stack.prometheus_url}/api/v1/label/{label}/values?"
        return sorted(get_json(url + urllib.parse.urlencode({"match[]": selector}))["data"])

    return listed


def test_every_panel_query_returns_data(
    stack: Stack, promql_with: Callable[[Options], list[tuple[Any, str]]]
) -> None:
    """As Grafana sends them at the defaults: "All" of a variable without an allValue is the
    options it lists (the apps of the chosen IdPs), not `.*`."""
    promql = promql_with(_options(stack))
    listed = [expr for _query, expr in promql if 'app=~"(' in expr]  # Findings' "All" of apps
    every_app = f'app=~"({"|".join(APPS)})"'
    assert listed and all(every_app in e for e in listed), listed
    dead = []
    for query, expr in promql:
        if not _has_data(stack.query(expr)):
            dead.append(f"{query}: {expr}")
    assert not dead, "dead panels:\n" + "\n".join(dead)


def test_live_source_reports_its_rate_limit_headroom(
    stack: Stack, live_okta: LiveOkta, promql: list[tuple[Any, str]]
) -> None:
    """The headroom panel shows the live poller's share of Okta's limit left, read from the
    fake's X-Rate-Limit-* headers, and the poller authenticated with the token from its env."""
    assert any(COLLECTOR_HEADROOM in expr for _query, expr in promql)  # a panel shows it
    headroom = stack.scraped(f'{COLLECTOR_HEADROOM}{{collector="{LIVE}"}}')
    assert headroom is not None and 0.9 < headroom <= 1.0
    assert {series["metric"]["collector"] for series in stack.query(COLLECTOR_HEADROOM)} == {LIVE}
    assert set(live_okta.okta.seen_auth) == {f"SSWS {live_okta.token}"}


def test_poll_errors_and_every_finding_type_reach_prometheus(stack: Stack) -> None:
    """The traffic exercised what the panels claim to show, not just something."""
    errors = stack.query('sum by (reason) (scimwatch_collector_errors_total{collector="broken"})')
    assert {series["metric"]["reason"] for series in errors} == {"io"}
    types = {s["metric"]["type"] for s in stack.query("sum by (type) (scimwatch_findings_open)")}
    assert types == {kind for kind, _title, _meaning in findings.TYPES}


def test_every_rule_evaluates_without_error(stack: Stack) -> None:
    """The generated rules, loaded by the same Prometheus, evaluate cleanly on real data."""
    if not RULES.exists():
        pytest.skip("deploy/prometheus/scimwatch-rules.yml is not generated yet")
    declared = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]

    def evaluated() -> list[dict[str, Any]] | None:
        groups = get_json(f"{stack.prometheus_url}/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        done = all(not rule["lastEvaluation"].startswith("0001") for rule in rules)
        return rules if rules and done else None

    rules = wait_for(evaluated, timeout=30, what="every rule to be evaluated")
    assert len(rules) == len(declared)
    broken = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
    assert not broken
    for rule in declared:
        stack.query(rule["expr"])  # asserts the query API accepts it
