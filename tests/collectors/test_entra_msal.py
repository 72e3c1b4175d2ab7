"""Graph tokens through msal: discovery and token requests on the collector's own transport,
renewal on the injected clock (not msal's wall-time cache), and bounded, secret-free errors."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from collector_kit import GRAPH_CLIENT, GRAPH_SECRET, fake_graph, graph_poller
from fakes.fake_graph import FakeGraph, graph_utc, provisioning
from fakes.fake_okta import SyncASGITransport

from collectors import CollectorError
from collectors.base import Collector
from monitor.clock import FakeClock

TENANT = "contoso.onmicrosoft.com"  # a tenant named by its domain, not its id


@pytest.fixture
def fake(clock: FakeClock) -> FakeGraph:
    graph = fake_graph(clock, TENANT)
    graph.add("provisioning", provisioning("p0", graph_utc(clock.now() - 60)))
    return graph


def make(
    tmp_path: Path, clock: FakeClock, transport: httpx.BaseTransport, **options: Any
) -> Collector:
    """A restored provisioning-log poller of TENANT that asks on every poll (these tests count
    requests); `options` may give another `secret` or `tenant_id`."""
    options = {"tenant_id": TENANT, "poll_interval_seconds": 0, **options}
    collector = graph_poller(tmp_path, clock, transport, name="entra", **options)
    collector.restore(None)
    return collector


def poll_error(collector: Collector) -> CollectorError:
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    return caught.value


class Faulty(httpx.BaseTransport):
    """The fake, except that paths containing `path` answer `status` with an HTML body."""

    def __init__(self, inner: httpx.BaseTransport, path: str, status: int) -> None:
        self.inner, self.path, self.status = inner, path, status

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.path in request.url.path:
            return httpx.Response(self.status, text="<html>upstream error</html>")
        return self.inner.handle_request(request)


def test_discovery_once_then_tokens_renewed_on_the_injected_clock(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    """Wall time hardly moves here; msal's own cache would keep the first token for an hour."""
    collector = make(tmp_path, clock, SyncASGITransport(fake.app))
    assert collector.poll() is not None
    assert collector.poll() is None  # caught up: the cycle ended, no request
    assert fake.discoveries == 1 and len(fake.token_forms) == 1
    form = {key: values[0] for key, values in fake.token_forms[0].items()}
    assert form["grant_type"] == "client_credentials" and form["client_id"] == GRAPH_CLIENT
    assert form["scope"] == "https://graph.microsoft.com/.default"
    first = set(fake.tokens)
    clock.advance(3599 - 300 - 1)  # still before the renewal margin
    requests = len(fake.answers)
    collector.poll()  # re-reads the overlap
    assert len(fake.answers) == requests + 1 and len(fake.token_forms) == 1
    assert collector.poll() is None  # caught up again
    clock.advance(2)  # inside the margin: msal must really ask again
    fake.add("provisioning", provisioning("p1", graph_utc(clock.now() - 1)))
    assert collector.poll() is not None
    assert len(fake.token_forms) == 2 and fake.discoveries == 1
    assert len(set(fake.tokens) - first) == 1  # a new token, not msal's cached one
    assert fake.answers[-1][1] == 200  # and the fake accepted it


def test_a_revoked_token_is_fetched_again_after_401(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    collector = make(tmp_path, clock, SyncASGITransport(fake.app))
    assert collector.poll() is not None
    fake.tokens.clear()
    collector.poll()  # caught up: the cycle ended
    assert poll_error(collector).reason == "auth"
    fake.add("provisioning", provisioning("p1", graph_utc(clock.now())))
    assert collector.poll() is not None and len(fake.token_forms) == 2


def test_token_endpoint_errors_keep_their_reasons(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    """5xx is a server error; any other refusal (429 included) is an auth error naming the
    status, OAuth error and AADSTS code. msal replays no failure from its wall-time cache:
    every retry reaches the endpoint."""
    collector = make(tmp_path, clock, SyncASGITransport(fake.app))
    fake.token_faults += ["503", "500", "429"]
    for expected in ("token: HTTP 503", "token: HTTP 500"):
        error = poll_error(collector)
        assert error.reason == "server_error" and str(error) == f"entra: {expected}"
    error = poll_error(collector)
    assert error.reason == "auth"
    assert str(error) == "entra: token: HTTP 429 temporarily_unavailable AADSTS90055"
    assert len(fake.token_forms) == 3
    assert collector.poll() is not None and len(fake.token_forms) == 4


def test_wrong_secret_and_unknown_tenant_are_auth_errors(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    transport = SyncASGITransport(fake.app)
    wrong = make(tmp_path, clock, transport, secret="not-the-secret")
    error = poll_error(wrong)
    assert (error.reason, str(error)) == (
        "auth",
        "entra: token: HTTP 401 invalid_client AADSTS7000215",
    )
    lost = make(tmp_path, clock, transport, tenant_id="nowhere.example")
    error = poll_error(lost)
    assert error.reason == "auth"
    assert str(error) == "entra: token: OpenID discovery: HTTP 400 invalid_tenant AADSTS90002"
    assert "nowhere" not in str(error)  # msal's own message quotes the URL and the body


@pytest.mark.parametrize(
    ("path", "status", "reason", "text"),
    [
        ("openid-configuration", 503, "server_error", "token: OpenID discovery: HTTP 503"),
        ("openid-configuration", 404, "auth", "token: OpenID discovery: HTTP 404"),
        ("oauth2/v2.0/token", 502, "server_error", "token: HTTP 502"),
        ("oauth2/v2.0/token", 200, "auth", "token: HTTP 200"),  # a body that is not JSON
    ],
)
def test_unusable_answers_are_bounded_errors(
    fake: FakeGraph,
    clock: FakeClock,
    tmp_path: Path,
    path: str,
    status: int,
    reason: str,
    text: str,
) -> None:
    faulty = Faulty(SyncASGITransport(fake.app), path, status)
    collector = make(tmp_path, clock, faulty)
    error = poll_error(collector)
    assert (error.reason, str(error)) == (reason, f"entra: {text}")
    faulty.path = "never-matches"
    assert collector.poll() is not None  # a failed discovery is retried, not kept


def test_network_failure_is_a_network_error(clock: FakeClock, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    error = poll_error(make(tmp_path, clock, httpx.MockTransport(refuse)))
    assert (error.reason, str(error)) == ("network", "entra: token: ConnectError")


def test_msal_logs_neither_the_secret_nor_the_token(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transport = SyncASGITransport(fake.app)
    collector = make(tmp_path, clock, transport)
    texts: list[Any] = [collector.poll(), collector.poll()]  # a batch, then caught up
    clock.advance(3599)
    texts.append(collector.poll())  # a second token
    texts.append(poll_error(make(tmp_path, clock, transport, secret=GRAPH_SECRET + "x")))
    fake.token_faults.append("503")
    texts.append(poll_error(make(tmp_path, clock, transport)))
    msal_lines = [r.getMessage() for r in caplog.records if r.name.startswith("msal")]
    assert any("access_token" in line for line in msal_lines)  # msal did log its token event
    assert len(fake.tokens) == 2
    everything = caplog.text + "\n".join(map(repr, texts))
    for secret in (GRAPH_SECRET, *fake.tokens):
        assert secret not in everything
