"""The daemon polling Okta, Graph and Google fakes and tailing SCIM logs reaches replay's answers.

The shared sample is served twice: as files to `scimwatch replay`, and as live APIs (fakes of
the three vendors holding the sample's audit records) to an App that also tails the sample's
SCIM and activity logs. Its sources are stepped by hand on a fake clock, in no particular order.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import TOKEN_AUD, FakeGoogle
from fakes.fake_graph import FakeGraph
from fakes.fake_okta import FakeOkta, SyncASGITransport
from prometheus_client import CollectorRegistry

from monitor.app import App
from monitor.cli import main
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.secret import Secret
from monitor.settings import Settings

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
START = 1_794_099_600.0  # 2026-11-06: a while after the sample ends, well inside retention


class Router(httpx.BaseTransport):
    """Sends each vendor host to its fake."""

    def __init__(self, routes: dict[str, httpx.BaseTransport]) -> None:
        self.routes = routes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.routes[request.url.host].handle_request(request)


def _records(path: Path, key: str) -> list[dict[str, object]]:
    doc = json.loads(path.read_text())
    return list(doc[key]) if isinstance(doc, dict) else list(doc)


def _live_config(root: Path) -> str:
    text = (SAMPLE / "scimwatch.yaml").read_text()
    files, _ = text.split("  - type: okta_system_log", 1)
    return files + (
        "  - {type: okta_system_log, url: 'https://acme.okta.com', token_file: okta,"
        " since: '2026-11-01T00:00:00Z'}\n"
        "  - {type: entra_provisioning_log, tenant_id: t1, client_id: c1,"
        " client_secret_file: graph, since: '2026-11-01T00:00:00Z'}\n"
        "  - {type: entra_directory_audit, tenant_id: t1, client_id: c1,"
        " client_secret_file: graph, since: '2026-11-01T00:00:00Z'}\n"
        "  - {type: google_reports, application: admin, credentials_file: sa.json,"
        " subject: it-admin@example.com, since: '2026-11-01T00:00:00Z'}\n"
        "  - {type: google_reports, application: token, credentials_file: sa.json,"
        " subject: it-admin@example.com, since: '2026-11-01T00:00:00Z',"
        " base_url: 'https://token.googleapis.test',"
        " token_url: 'https://token.googleapis.test/token'}\n"
        "slo:\n  deprovision_seconds: 3600\n"
    )


def _fakes(clock: FakeClock, root: Path) -> Router:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # throwaway
    email = "sw@p.iam.gserviceaccount.com"
    (root / "sa.json").write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "k1",
                "private_key": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
                "client_email": email,
                "client_id": "1",
                "token_uri": TOKEN_AUD,
            }
        )
    )
    (root / "okta").write_text("okta-token")
    (root / "graph").write_text("graph-secret")
    okta = FakeOkta(clock=clock, token="okta-token", rate_limit=600)
    okta.add(*_records(SAMPLE / "idp" / "okta-system-log.json", "value"))
    graph = FakeGraph(clock=clock, tenant="t1", client_id="c1", secret="graph-secret")
    graph.add("provisioning", *_records(SAMPLE / "idp" / "entra-provisioning.json", "value"))
    graph.add("directoryAudits", *_records(SAMPLE / "idp" / "entra-directory-audits.json", "value"))
    routes: dict[str, httpx.BaseTransport] = {"acme.okta.com": SyncASGITransport(okta.app)}
    routes["graph.microsoft.com"] = routes["login.microsoftonline.com"] = SyncASGITransport(
        graph.app
    )
    for application, host in (
        ("admin", "admin.googleapis.com"),
        ("token", "token.googleapis.test"),
    ):
        google = FakeGoogle(  # one fake per Reports application
            clock=clock,
            public_key=key.public_key(),
            client_email=email,
            subject="it-admin@example.com",
        )
        google.add(*_records(SAMPLE / "idp" / f"google-{application}.json", "items"))
        routes[host] = SyncASGITransport(google.app)
    routes["oauth2.googleapis.com"] = routes["admin.googleapis.com"]
    return Router(routes)


def _delivered(app: App) -> float:
    return sum(
        sample.value
        for family in app.registry.collect()
        if family.name == "scimwatch_collector_events"
        for sample in family.samples
        if sample.name.endswith("_total")
    )


def _drive(app: App, clock: FakeClock) -> None:
    """Step every source, in reverse config order, until nothing new arrives for a while.

    Pollers never go idle (each poll moves their window), so "done" is: no source delivered a
    record for ten rounds, each round moving the clock on.
    """
    last, still = -1.0, 0
    for round_ in range(3000):
        for worker in reversed(app.workers):
            wait = worker.step()
            if wait > 0:
                clock.advance(min(wait, 60.0))
        clock.advance(1.0)
        delivered = _delivered(app)
        still = still + 1 if delivered == last else 0
        last = delivered
        if still >= 10 and round_ >= 60:  # 60 rounds: windowed pollers have caught up
            return
    raise AssertionError("sources kept delivering")


def test_live_sources_reach_the_same_answers_as_replay(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "replay",
            "--config",
            str(SAMPLE / "scimwatch.yaml"),
            "--report",
            str(tmp_path / "replay.json"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    expected = json.loads((tmp_path / "replay.json").read_text())

    root = tmp_path / "live"
    shutil.copytree(SAMPLE, root)
    clock = FakeClock(start=START)
    router = _fakes(clock, root)
    config = parse(_live_config(root), source="live.yaml", base_dir=root)
    app = App(
        settings=Settings(database_url=Secret(f"sqlite:///{root / 'db'}")),
        config=config,
        clock=clock,
        registry=CollectorRegistry(),
        transport=router,
    )
    _drive(app, clock)
    got = app.report()
    app.store.close()
    assert got["requests"] == expected["requests"]
    assert got["now"] == expected["now"]
    assert got["deprovisions"] == expected["deprovisions"]
    key = lambda f: json.dumps(  # noqa: E731
        {k: v for k, v in f.items() if k not in ("count", "last_at")},
        sort_keys=True,
    )
    assert sorted(map(key, got["findings"])) == sorted(map(key, expected["findings"]))
