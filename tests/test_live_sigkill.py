"""`scimwatch run` polling live APIs, killed with SIGKILL mid-poll: no duplicates, no gaps.

The three vendors' fakes hold the shared sample's audit records and are served over real HTTPS
on 127.0.0.1 (uvicorn in threads, a throwaway CA from `trustme`, which the daemon trusts through
`SSL_CERT_FILE`, as httpx does by default). The daemon also tails the sample's SCIM and activity
logs into a SQLite file.

Okta is paged 100 events at a time (26 pages). Its 6th page request is held until pages 1-5
are committed; the test then takes SQLite's write lock, lets the 6th page go out, and kills
the daemon: that page was fetched and can never have been committed. The restarted daemon must
ask for it again, read every record exactly once, and reach `scimwatch replay`'s answers.
Waiting is polling with a deadline; the held request waits on an event, not a timer.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from deadline import wait_for
from fakes.fake_google import FakeGoogle
from fakes.fake_graph import FakeGraph
from fakes.fake_okta import FakeOkta
from fakes.tls import Served, issue_certs
from test_daemon_e2e import BIN, Daemon

from monitor.clock import SystemClock

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
OKTA_EVENTS = 2555  # the sample's System Log
PAGE = 100
HOLD_AT = 6  # the Okta page request that is in flight when the daemon dies
Scope = dict[str, Any]


class HeldPage:
    """ASGI wrapper that holds the `hold_at`-th log request until released, and says when that
    request arrived and when its response went out, so the test knows where the poller is."""

    def __init__(self, app: Any, hold_at: int) -> None:
        self.app, self.hold_at, self.requests = app, hold_at, 0
        self.arrived, self.release, self.sent = threading.Event(), threading.Event(), False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/api/v1/logs":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        held = self.requests == self.hold_at
        if held:
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 300.0)  # bounded: a failing test ends
        await self.app(scope, receive, send)
        self.sent = self.sent or held


def _records(path: Path, key: str) -> list[dict[str, object]]:
    doc = json.loads(path.read_text())
    return list(doc[key]) if isinstance(doc, dict) else list(doc)


class Vendors:
    """The fakes on the real system clock (the daemon's), each on its own HTTPS port."""

    def __init__(self, root: Path, cert: Path) -> None:
        clock = SystemClock()
        self.okta = FakeOkta(clock=clock, token="okta-token", rate_limit=100_000)
        self.okta.add(*_records(SAMPLE / "idp" / "okta-system-log.json", "value"))
        graph = FakeGraph(clock=clock, tenant="t1", client_id="c1", secret="graph-secret")
        graph.add("provisioning", *_records(SAMPLE / "idp" / "entra-provisioning.json", "value"))
        graph.add(
            "directoryAudits", *_records(SAMPLE / "idp" / "entra-directory-audits.json", "value")
        )
        self.held = HeldPage(self.okta.app, HOLD_AT)
        self.servers = {"okta": Served(self.held, cert), "graph": Served(graph.app, cert)}
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # throwaway
        for application in ("admin", "token"):
            server = self._google(root, application, key, cert)
            self.servers[application] = server

    def _google(self, root: Path, application: str, key: rsa.RSAPrivateKey, cert: Path) -> Served:
        """One fake per Reports application; its token endpoint is the key file's token_uri."""
        email, subject = "sw@p.iam.gserviceaccount.com", "it-admin@example.com"
        google = FakeGoogle(
            clock=SystemClock(), public_key=key.public_key(), client_email=email, subject=subject
        )
        google.add(*_records(SAMPLE / "idp" / f"google-{application}.json", "items"))
        server = Served(google.app, cert)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        info = {
            "type": "service_account",
            "project_id": "p",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": email,
            "client_id": "1",
            "token_uri": f"{server.url}/token",  # google-auth's assertion `aud` stays Google's
        }
        (root / f"sa-{application}.json").write_text(json.dumps(info))
        return server

    def stop(self) -> None:
        self.held.release.set()
        for server in self.servers.values():
            server.stop()


def _config(root: Path, vendors: Vendors) -> Path:
    text = (SAMPLE / "scimwatch.yaml").read_text()
    files, _ = text.split("  - type: okta_system_log", 1)
    (root / "okta").write_text("okta-token")
    (root / "graph").write_text("graph-secret")
    url = {name: server.url for name, server in vendors.servers.items()}
    since = "since: '2026-11-01T00:00:00Z'"
    graph = (
        f"tenant_id: t1, client_id: c1, client_secret_file: graph, {since},"
        f" graph_url: '{url['graph']}', login_url: '{url['graph']}'"
    )
    live = (
        f"  - {{type: okta_system_log, url: '{url['okta']}', token_file: okta, {since},"
        f" limit: {PAGE}}}\n"
        f"  - {{type: entra_provisioning_log, {graph}}}\n"
        f"  - {{type: entra_directory_audit, {graph}}}\n"
    )
    for application in ("admin", "token"):
        live += (
            f"  - {{type: google_reports, application: {application},"
            f" credentials_file: sa-{application}.json, subject: it-admin@example.com, {since},"
            f" base_url: '{url[application]}'}}\n"
        )
    config = root / "live.yaml"
    config.write_text(files + live + "slo:\n  deprovision_seconds: 3600\n")
    return config


class Replay:
    """`scimwatch replay` of the sample's files, run as a process beside the daemon's phases;
    `result()` gives its report and the IdP records it applied (their dedupe keys)."""

    def __init__(self, tmp_path: Path) -> None:
        self.db, self.report = tmp_path / "replay.db", tmp_path / "replay.json"
        self.proc = subprocess.Popen(
            [
                str(BIN),
                "replay",
                "--config",
                str(SAMPLE / "scimwatch.yaml"),
                "--report",
                str(self.report),
                "--db",
                f"sqlite:///{self.db}",
                "--no-progress",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def result(self) -> tuple[dict[str, Any], set[str]]:
        _, errors = self.proc.communicate(timeout=120)
        assert self.proc.returncode == 0, errors.decode()
        return json.loads(self.report.read_text()), _seen(self.db)


def _seen(db: Path) -> set[str]:
    with _read(db) as conn:
        return {key for (key,) in conn.execute("SELECT key FROM idp_seen")}


def _units(db: Path, source: str) -> int:
    with _read(db) as conn:
        row = conn.execute("SELECT units_total FROM sources WHERE name = ?", (source,)).fetchone()
    return int(row[0]) if row else 0


@contextmanager
def _read(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _write_lock(db: Path) -> Iterator[None]:
    """Hold SQLite's write lock: the daemon can read, but no batch of its can commit."""
    conn = sqlite3.connect(db, timeout=120, isolation_level=None)  # batches may be committing
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _key(finding: dict[str, object]) -> tuple[object, ...]:
    """Evidence counts depend on how often imports were seen; the finding itself must match."""
    return tuple(sorted((k, str(v)) for k, v in finding.items() if k not in {"count", "last_at"}))


@pytest.fixture
def vendors(tmp_path: Path) -> Iterator[Vendors]:
    certs = issue_certs(tmp_path)  # the test trusts tmp_path / "ca.pem"
    root = tmp_path / "live"
    shutil.copytree(SAMPLE, root)
    served = Vendors(root, certs.server)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[Replay]:
    """Started first, so it runs while the daemon does."""
    running = Replay(tmp_path)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait(10)


def _kill_mid_poll(daemon: Daemon, vendors: Vendors, db: Path) -> None:
    """Kill the daemon once the held Okta page has gone out but cannot have been committed."""
    try:
        wait_for(vendors.held.arrived.is_set, timeout=120, what="the Okta page request to hold")
        committed = (HOLD_AT - 1) * PAGE  # the worker commits a page before asking for the next
        assert _units(db, "okta_system_log") == committed
        with _write_lock(db):
            vendors.held.release.set()
            wait_for(lambda: vendors.held.sent, what="the held page to go out")
            daemon.kill()
    finally:
        if daemon.proc.poll() is None:
            daemon.kill()
    assert _units(db, "okta_system_log") == committed


def _caught_up(daemon: Daemon, expected: dict[str, Any]) -> dict[str, Any] | None:
    got = daemon.report()
    same = (
        got["requests"] == expected["requests"]
        and len(got["deprovisions"]) == len(expected["deprovisions"])
        and len(got["findings"]) == len(expected["findings"])
    )
    return dict(got) if same else None


def test_sigkill_mid_poll_then_restart_reads_every_record_once(
    tmp_path: Path, vendors: Vendors, replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, db, log = tmp_path / "live", tmp_path / "state.db", tmp_path / "daemon.log"
    config = _config(root, vendors)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # the daemon inherits it
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _kill_mid_poll(Daemon(config, db, log), vendors, db)
    restarted = Daemon(config, db, log)
    try:
        expected, expected_seen = replay.result()
        wait_for(
            lambda: _units(db, "okta_system_log") >= OKTA_EVENTS and _seen(db) >= expected_seen,
            timeout=120,
            what="every IdP record after the restart",
        )
        report = wait_for(lambda: _caught_up(restarted, expected), timeout=120, what="the rest")
        assert isinstance(report, dict)
        assert restarted.stop() == 0
    finally:
        if restarted.proc.poll() is None:
            restarted.kill()
    urls = vendors.okta.seen_urls
    assert len(set(urls[:HOLD_AT])) == HOLD_AT  # pages 1-6 asked for once each before the kill
    assert urls[HOLD_AT] == urls[HOLD_AT - 1]  # the restart asks for the lost page again
    assert _units(db, "okta_system_log") == OKTA_EVENTS  # and reads no record twice
    assert _seen(db) == expected_seen  # every IdP record applied, none unknown to replay
    assert report["deprovisions"] == expected["deprovisions"]
    assert sorted(map(_key, report["findings"])) == sorted(map(_key, expected["findings"]))
    assert report["now"] == expected["now"]
    assert "Traceback" not in log.read_text()
