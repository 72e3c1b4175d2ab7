"""The three live pollers against their fakes over real HTTPS sockets on port 0, on a fake clock.

Why: the per-vendor poller tests use an in-process transport, which skips what only a socket
shows: certificate verification, next links built from the server's own host and port, one
connection pool shared by the token endpoint and the API. Here each fake runs under uvicorn
with a throwaway CA; each collector is built the way the daemon builds it (config text ->
`monitor.config.parse` -> registry entry -> `CollectorKind.make`) with an `httpx.HTTPTransport`
that trusts only that CA; and every wait (rate-limit reset, Retry-After, backoff, the Graph
tenant budget) is waited out by advancing the injected clock, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from collector_kit import (
    ADMIN,
    GRAPH_CLIENT,
    GRAPH_SECRET,
    GRAPH_TENANT,
    fake_google,
    fake_graph,
    pem,
    service_key,
    write_service_account,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import activity
from fakes.fake_graph import audit, graph_utc, provisioning
from fakes.fake_okta import WINDOW, FakeOkta, event, utc
from fakes.serve_tls import serve_tls, trusting
from fakes.tls import Certs, issue_certs

from collectors import CollectorError
from collectors.base import Batch, BuildContext, Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.events import IdpRecord

OKTA_CLIENT = "0oaSERVICEAPP"


@runtime_checkable
class Paced(Collector, Protocol):
    """A live poller: it says how long the supervisor must wait instead of sleeping."""

    def wait_hint(self) -> float | None: ...


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    return issue_certs(tmp_path)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return service_key()


@contextmanager
def built(sources: str, tmp_path: Path, clock: FakeClock, ca: Path | None) -> Iterator[list[Paced]]:
    """The configured sources as the daemon builds them, each with a transport trusting `ca`
    (None: httpx's default trust store), closed on exit."""
    config = parse(f"apps: [{{name: hr}}]\nsources:\n{sources}", source="x.yaml", base_dir=tmp_path)
    polled: list[Paced] = []
    try:
        for spec in config.sources:
            transport = httpx.HTTPTransport(verify=trusting(ca)) if ca else httpx.HTTPTransport()
            context = BuildContext(clock=clock, transport=transport)
            collector = spec.kind.make(
                spec.config, name=spec.name, base_dir=tmp_path, context=context
            )
            assert isinstance(collector, Paced)
            collector.restore(None)
            polled.append(collector)
        yield polled
    finally:
        for collector in polled:
            collector.close()


def run(polled: Sequence[Paced], clock: FakeClock) -> dict[str, list[Batch]]:
    """Poll round-robin until every poller is caught up; when all are held back, advance the
    clock by the shortest `wait_hint`, as the supervisor would wait."""
    batches: dict[str, list[Batch]] = {collector.name: [] for collector in polled}
    active = list(polled)
    for _ in range(100):
        busy, hints = False, []
        for collector in list(active):
            batch = collector.poll()
            hint = collector.wait_hint()
            if batch is not None:
                batches[collector.name].append(batch)
                busy = True
            elif hint:
                hints.append(hint)
            else:
                active.remove(collector)  # caught up: only the poll interval applies
        if not active:
            return batches
        if not busy:
            clock.advance(min(hints))
    raise AssertionError("the pollers never caught up")


def keys(batches: Sequence[Batch | None]) -> list[str]:
    return [r.key for b in batches if b for r in b.records if isinstance(r, IdpRecord)]


def test_okta_pages_by_link_with_an_oauth_token_and_waits_for_the_rate_limit_reset(
    certs: Certs, clock: FakeClock, key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    fake = FakeOkta(clock=clock, token="unused", public_key=key.public_key(), client_id=OKTA_CLIENT)
    fake.add(*(event(f"e{i}", utc(clock.now() - 600 + i)) for i in range(25)))
    (tmp_path / "okta.pem").write_text(pem(key))
    with serve_tls(fake.app, certs.server) as url:
        source = (
            f"  - {{type: okta_system_log, url: '{url}', client_id: {OKTA_CLIENT},"
            " private_key_file: okta.pem, limit: 10, poll_interval_seconds: 0}\n"
        )
        with built(source, tmp_path, clock, certs.ca) as [okta]:
            first = okta.poll()
            window = int(clock.now() // WINDOW * WINDOW)
            fake.requests[window] = fake.rate_limit  # another integration spends the org's bucket
            clock.advance(15.0)
            with pytest.raises(CollectorError, match="HTTP 429 E0000047") as caught:
                okta.poll()
            assert caught.value.reason == "rate_limited"
            wait = okta.wait_hint()
            assert wait == window + WINDOW - clock.now() == 45.0  # X-Rate-Limit-Reset
            clock.advance(wait - 1.0)
            sent = len(fake.seen_urls)
            assert okta.poll() is None and len(fake.seen_urls) == sent  # no request before reset
            clock.advance(1.0)
            rest = run([okta], clock)[okta.name]
    assert keys([first, *rest]) == [f"e{i}" for i in range(25)]  # all, once, in order
    logs = f"{url}/api/v1/logs?limit=10&sortOrder=ASCENDING&after="
    assert [b.checkpoint for b in (first, *rest) if b] == [
        {"next": f"{logs}{after}"} for after in ("10_1", "20_1", "25_1")
    ]
    afters = [parse_qs(urlsplit(u).query).get("after") for u in fake.seen_urls]
    assert afters == [None, ["10_1"], ["10_1"], ["20_1"]]  # the refused page, asked again
    assert fake.token_requests == 1 and len(fake.bearer) == 1  # one token for every page
    assert {auth.split()[0] for auth in fake.seen_auth} == {"Bearer"}


def graph_sources(url: str) -> str:
    return "".join(
        f"  - {{type: {kind}, tenant_id: '{GRAPH_TENANT}', client_id: '{GRAPH_CLIENT}',"
        f" client_secret_file: graph.secret, graph_url: '{url}', login_url: '{url}',"
        " page_size: 2, poll_interval_seconds: 0}\n"
        for kind in ("entra_provisioning_log", "entra_directory_audit")
    )


def test_graph_pages_by_next_link_sharing_the_tenant_budget_and_honours_retry_after(
    certs: Certs, clock: FakeClock, tmp_path: Path
) -> None:
    """msal reads `{login_url}/{tenant}/v2.0/.well-known/openid-configuration` and posts to the
    token endpoint it names: discovery, tokens and pages all cross the same TLS socket."""
    fake = fake_graph(clock)
    prov = [provisioning(f"p{i}", graph_utc(clock.now() - 1000 + i)) for i in range(5)]
    fake.add("provisioning", *prov[:2], prov[1], *prov[2:])  # p1 is served twice
    audits = [audit(f"a{i}", graph_utc(clock.now() - 900 + i)) for i in range(3)]
    fake.add("directoryAudits", *audits)
    (tmp_path / "graph.secret").write_text(GRAPH_SECRET + "\n")
    with (
        serve_tls(fake.app, certs.server) as url,
        built(graph_sources(url), tmp_path, clock, certs.ca) as [provisions, directory],
    ):
        assert provisions.poll() is None and directory.poll() is None
        assert fake.seen_urls == []  # a new process starts as if the window was used up
        clock.advance(provisions.wait_hint() or 0.0)
        first = provisions.poll()
        fake.fail_next.append("429")
        with pytest.raises(CollectorError, match="HTTP 429 TooManyRequests") as caught:
            directory.poll()
        assert caught.value.reason == "rate_limited"
        assert directory.wait_hint() == pytest.approx(3.0)  # the fake's Retry-After: 3
        sent = len(fake.seen_urls)
        assert provisions.poll() is None and len(fake.seen_urls) == sent  # the whole tenant
        assert provisions.wait_hint() == pytest.approx(3.0)
        clock.advance(3.0)
        rest = run([provisions, directory], clock)
    assert keys([first, *rest[provisions.name]]) == [f"p{i}" for i in range(5)]  # p1 once
    assert keys(rest[directory.name]) == ["a0", "a1", "a2"]
    assert rest[provisions.name][-1].checkpoint == {"after": prov[-1]["activityDateTime"]}
    assert rest[directory.name][-1].checkpoint == {"after": audits[-1]["activityDateTime"]}
    paged = [("skiptoken" in u, "provisioning" in u) for u in fake.seen_urls]
    assert [skip for skip, p in paged if p] == [False, True, True]
    assert [skip for skip, p in paged if not p] == [False, False, True]  # refused, then again
    assert fake.throttled == 0  # the shared budget kept both under 5 requests per 10 s
    assert len(fake.token_forms) == len(fake.tokens) == 2  # one per collector, for every page


def test_google_pages_by_page_token_with_a_delegated_jwt_and_backs_off_a_429(
    certs: Certs, clock: FakeClock, key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    fake = fake_google(clock, key)
    ages = range(1400, 900, -100)  # 5 activities, all older than the 600 s lag
    fake.add(*(activity(utc(clock.now() - age), f"-{age}") for age in ages))
    start = clock.now()
    with serve_tls(fake.app, certs.server) as url:
        write_service_account(tmp_path, key, token_uri=f"{url}/token")
        source = (
            "  - {type: google_reports, application: admin, credentials_file: sa.json,"
            f" subject: {ADMIN}, base_url: '{url}', max_results: 2, poll_interval_seconds: 0}}\n"
        )
        with built(source, tmp_path, clock, certs.ca) as [google]:
            fake.fail_next += ["", "429"]  # the second page is refused
            with pytest.raises(CollectorError, match="HTTP 429 rateLimitExceeded") as caught:
                google.poll()
            assert caught.value.reason == "rate_limited"
            assert google.wait_hint() == 10.0  # no Retry-After from Google: the first backoff
            clock.advance(9.0)
            sent = len(fake.seen_queries)
            assert google.poll() is None and len(fake.seen_queries) == sent
            clock.advance(1.0)
            [batch] = run([google], clock)[google.name]
    assert keys([batch]) == [f"{utc(start - age)}/-{age}" for age in ages]  # oldest first
    assert batch.checkpoint == {"end": utc(start - 600)}  # only after the window's last page
    tokens = [q.get("pageToken", "").partition(":")[0] for q in fake.seen_queries]
    assert tokens == ["", "2", "2", "4"]  # the refused page resumed, not the window restarted
    windows = {(q["startTime"], q["endTime"]) for q in fake.seen_queries}
    assert windows == {(utc(start - 3600), utc(start - 600))}
    assert fake.token_requests == 1 and len(fake.tokens) == 1


def test_a_transport_that_does_not_trust_the_test_ca_cannot_connect(
    certs: Certs, clock: FakeClock, tmp_path: Path
) -> None:
    """The sockets are real TLS with verification on: without the injected trust, no page."""
    fake = FakeOkta(clock=clock, token="t0ken")
    fake.add(event("e0", utc(clock.now() - 60)))
    (tmp_path / "okta.token").write_text("t0ken\n")
    with serve_tls(fake.app, certs.server) as url:
        source = f"  - {{type: okta_system_log, url: '{url}', token_file: okta.token,"
        source += " poll_interval_seconds: 0}\n"
        with built(source, tmp_path, clock, None) as [okta]:
            with pytest.raises(CollectorError) as caught:
                okta.poll()
            assert caught.value.reason == "network"
            assert fake.seen_urls == []
        with built(source, tmp_path, clock, certs.ca) as [okta]:
            assert keys([okta.poll()]) == ["e0"]
