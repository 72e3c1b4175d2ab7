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


class Fakes:
    """The three vendors' fakes, reachable by host."""

    def __init__(self, clock: FakeClock, root: Path) -> None:
        self.router, self.okta, self.graph = _fakes(clock, root)


def _fakes(clock: FakeClock, root: Path) -> tuple[Router, FakeOkta, FakeGraph]:
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
    okta = FakeOkta(clock=clock, token="okta-token", rate_limit=20)  # a tight org limit
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
    return Router(routes), okta, graph


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


def _replay(tmp_path: Path) -> dict[str, object]:
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
    report: dict[str, object] = json.loads((tmp_path / "replay.json").read_text())
    return report


def _app(root: Path, clock: FakeClock, fakes: Fakes, registry: CollectorRegistry) -> App:
    config = parse(_live_config(root), source="live.yaml", base_dir=root)
    return App(
        settings=Settings(database_url=Secret(f"sqlite:///{root / 'db'}")),
        config=config,
        clock=clock,
        registry=registry,
        transport=fakes.router,
    )


def _same_answers(got: dict[str, object], expected: dict[str, object]) -> None:
    assert got["requests"] == expected["requests"]
    assert got["now"] == expected["now"]
    assert got["deprovisions"] == expected["deprovisions"]
    assert sorted(map(_finding_key, got["findings"])) == sorted(  # type: ignore[arg-type]
        map(_finding_key, expected["findings"])
    )  # type: ignore[arg-type]


def _finding_key(finding: dict[str, object]) -> str:
    """Evidence counts depend on how often imports were seen; the finding itself must match."""
    return json.dumps(
        {k: v for k, v in finding.items() if k not in ("count", "last_at")}, sort_keys=True
    )


def _sample(app: App, name: str, source: str) -> float | None:
    return app.registry.get_sample_value(name, {"collector": source})


def test_live_sources_reach_replays_answers_within_rate_limits(tmp_path: Path) -> None:
    expected = _replay(tmp_path)
    root = tmp_path / "live"
    shutil.copytree(SAMPLE, root)
    clock = FakeClock(start=START)
    fakes = Fakes(clock, root)
    app = _app(root, clock, fakes, CollectorRegistry())
    _drive(app, clock)
    _same_answers(app.report(), expected)
    # rate limits: Okta's share (half of 20 a minute) and Graph's 5 per 10 s were never exceeded
    assert max(fakes.okta.requests.values()) <= 10
    assert fakes.graph.throttled == 0
    for source in ("okta_system_log", "entra_provisioning_log", "entra_directory_audit"):
        headroom = _sample(app, "scimwatch_collector_rate_limit_headroom_ratio", source)
        assert headroom is not None and 0.0 <= headroom <= 1.0, source

    # a dead API: Okta answers 500 from now on; it shows as down and falling behind, and
    # the other sources carry on
    fakes.okta.fail_next.extend(["500"] * 50)
    okta = next(w for w in app.workers if w.spec.name == "okta_system_log")
    lag_before = _sample(app, "scimwatch_collector_lag_seconds", "okta_system_log")
    with (root / "scim" / "crm.log").open("a") as log:
        log.write(
            json.dumps(
                {
                    "ts": "2026-11-06T01:00:00Z",
                    "method": "GET",
                    "path": "/scim/v2/Users/x",
                    "status": 200,
                }
            )
            + "\n"
        )
    for _ in range(3):
        okta.step()
        clock.advance(600)
        for worker in app.workers:
            if worker is not okta:
                worker.step()
    assert _sample(app, "scimwatch_collector_up", "okta_system_log") == 0
    lag_after = _sample(app, "scimwatch_collector_lag_seconds", "okta_system_log")
    assert lag_before is not None and lag_after is not None and lag_after > lag_before + 1000
    assert _sample(app, "scimwatch_collector_up", "scim_log/crm") == 1
    assert app.report()["requests"]["crm"]["ok"] == expected["requests"]["crm"]["ok"] + 1  # type: ignore[index]
    app.store.close()


class _Crash(Exception):
    """The process dies inside a batch's transaction."""


def test_a_crash_mid_poll_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    expected = _replay(tmp_path)
    root = tmp_path / "live"
    shutil.copytree(SAMPLE, root)
    clock = FakeClock(start=START)
    fakes = Fakes(clock, root)
    first = _app(root, clock, fakes, CollectorRegistry())
    for worker in reversed(first.workers):  # one poll each, committed
        worker.step()
    # the next Okta page is fetched and the process dies before its transaction commits
    okta = next(w for w in first.workers if w.spec.name == "okta_system_log")
    store = first.store
    original = store.write_source

    def crash(*args: object, **kwargs: object) -> None:
        raise _Crash

    store.write_source = crash  # type: ignore[method-assign]
    okta.step()  # the supervisor catches it; nothing of the page was committed
    store.write_source = original  # type: ignore[method-assign]
    died = first.registry.get_sample_value(
        "scimwatch_collector_errors_total", {"collector": "okta_system_log", "reason": "internal"}
    )
    assert died == 1
    # a new process: fresh collectors resume from the committed checkpoints
    second = _app(root, clock, fakes, CollectorRegistry())
    _drive(second, clock)
    _same_answers(second.report(), expected)
    lines = {
        s.name: n
        for s, n in zip(
            second.config.sources,
            [
                second.registry.get_sample_value("scimwatch_ingest_lines_total", {"source": s.name})
                for s in second.config.sources
            ],
            strict=True,
        )
    }
    assert lines["okta_system_log"] == 2555 - 1000  # the committed first page is not read again
    second.store.close()
