"""Live polling of Graph audit logs against an in-process fake Graph (tests/fakes/fake_graph.py)."""

from __future__ import annotations

import json
import logging
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from collector_kit import (
    GRAPH_CLIENT,
    GRAPH_SECRET,
    fake_graph,
    graph_poller,
)
from fakes.fake_graph import FakeGraph, audit, graph_utc, provisioning
from fakes.fake_okta import SyncASGITransport

from collectors import CollectorError, entra_directory_audit
from collectors._graph_auth import GraphBudget
from collectors.base import Batch, Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.config_errors import ConfigError
from monitor.events import IdpRecord


@pytest.fixture
def fake(clock: FakeClock) -> FakeGraph:
    return fake_graph(clock)


# every poll asks (tests/collectors/test_poll_interval.py)
poller = partial(graph_poller, poll_interval_seconds=0)


def records(count: int, clock: FakeClock, start: int = 0, age: float = 600) -> list[dict[str, Any]]:
    return [provisioning(f"p{i}", graph_utc(clock.now() - age + i)) for i in range(start, count)]


def drain(collector: Collector, clock: FakeClock) -> list[Batch]:
    """Poll until the cycle ends, waiting out the budget the way the supervisor would."""
    batches: list[Batch] = []
    for _ in range(100):
        batch = collector.poll()
        hint = collector.wait_hint()  # type: ignore[attr-defined]
        if batch is not None:
            batches.append(batch)
        elif hint:
            clock.advance(hint)
        else:
            return batches
    raise AssertionError("the cycle never ended")


def keys(batches: list[Batch]) -> list[str]:
    return [r.key for b in batches for r in b.records if isinstance(r, IdpRecord)]


def test_pages_follow_next_links_in_time_order(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(25, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), page_size=10)
    collector.restore(None)
    batches = drain(collector, clock)
    assert keys(batches) == [f"p{i}" for i in range(25)]
    assert [b.units for b in batches] == [10, 10, 5]
    first = parse_qs(urlsplit(fake.seen_urls[0]).query)
    stamp = graph_utc(clock.now() - 3600)[:-2] + "0Z"  # seven digits, the 7th is ours
    assert first["$filter"] == [f"activityDateTime gt {stamp}"]
    assert first["$orderby"] == ["activityDateTime asc"] and first["$top"] == ["10"]
    assert all("$skiptoken" in parse_qs(urlsplit(url).query) for url in fake.seen_urls[1:])
    assert batches[-1].checkpoint == {"after": fake.records["provisioning"][24]["activityDateTime"]}


def test_overlap_catches_late_records_and_drops_repeats(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(3, clock, age=100))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), overlap_seconds=300)
    collector.restore(None)
    assert keys(drain(collector, clock)) == ["p0", "p1", "p2"]
    late = provisioning("late", graph_utc(clock.now() - 250))  # older than the newest seen
    fake.add("provisioning", late, fake.records["provisioning"][1])  # and a duplicate
    clock.advance(30)
    batches = drain(collector, clock)
    assert keys(batches) == ["late"]
    assert "gt" in parse_qs(urlsplit(fake.seen_urls[-1]).query)["$filter"][0]
    window = parse_qs(urlsplit(fake.seen_urls[-1]).query)["$filter"][0].split(" ")[2]
    newest = fake.records["provisioning"][2]["activityDateTime"]
    assert window < newest and batches[-1].checkpoint == {"after": newest}


def test_out_of_order_pages_and_rejects(fake: FakeGraph, clock: FakeClock, tmp_path: Path) -> None:
    fake.shuffle = True
    fake.add("provisioning", *records(4, clock), {"id": "no-time", "activityDateTime": "x"})
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app))
    collector.restore(None)
    fake.records["provisioning"][-1]["activityDateTime"] = graph_utc(clock.now() - 1)
    fake.records["provisioning"][-1].pop("id")
    batches = drain(collector, clock)
    assert keys(batches) == ["p0", "p1", "p2", "p3"]  # sorted by time inside the page
    assert sum(sum(b.rejected.values()) for b in batches) == 1


def test_resume_from_checkpoint_uses_the_time_not_the_skiptoken(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    transport = SyncASGITransport(fake.app)
    fake.add("provisioning", *records(30, clock))
    first = poller(tmp_path, clock, transport, page_size=10)
    first.restore(None)
    committed = [first.poll(), first.poll()]
    assert all(committed)
    first.close()
    fake.add("provisioning", *records(35, clock, start=30))
    second = poller(tmp_path, clock, transport, overlap_seconds=0, page_size=10)
    second.restore(committed[-1].checkpoint if committed[-1] else None)
    sent = len(fake.seen_urls)
    resumed = drain(second, clock)
    after = committed[-1].checkpoint["after"] if committed[-1] else ""
    query = parse_qs(urlsplit(fake.seen_urls[sent]).query)
    assert "$skiptoken" not in query
    assert after == fake.records["provisioning"][19]["activityDateTime"]
    assert query["$filter"] == [f"activityDateTime gt {str(after)[:-2]}0Z"]
    assert keys([b for b in committed if b]) + keys(resumed) == [f"p{i}" for i in range(35)]
    assert "$skiptoken" not in json.dumps(resumed[-1].checkpoint)


def test_token_is_cached_and_refreshed_before_expiry(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(2, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app))
    collector.restore(None)
    for _ in range(6):
        collector.poll()
        clock.advance(60)
    assert len(fake.token_forms) == 1
    form = fake.token_forms[0]
    assert form["grant_type"] == ["client_credentials"] and form["client_id"] == [GRAPH_CLIENT]
    assert form["scope"] == ["https://graph.microsoft.com/.default"]
    clock.advance(3599 - 300 - 6 * 60 + 1)  # just inside the refresh margin
    collector.poll()
    assert len(fake.token_forms) == 2


def test_an_expired_token_is_replaced_after_a_401(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(1, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app))
    collector.restore(None)
    assert collector.poll() is not None
    fake.tokens.clear()  # revoked server-side
    collector.poll()  # caught up
    with pytest.raises(CollectorError, match="InvalidAuthenticationToken") as caught:
        collector.poll()
    assert caught.value.reason == "auth"
    assert collector.poll() is not None and len(fake.token_forms) == 2


def test_two_collectors_of_one_tenant_share_five_requests_per_ten_seconds(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(40, clock))
    audits = [audit(f"a{i}", graph_utc(clock.now() - 60 + i)) for i in range(40)]
    fake.add("directoryAudits", *audits)
    transport = SyncASGITransport(fake.app)
    prov = poller(tmp_path, clock, transport, page_size=4)
    dirs = poller(tmp_path, clock, transport, kind=entra_directory_audit, page_size=4)
    for collector in (prov, dirs):
        collector.restore(None)
    got: dict[str, list[str]] = {"p": [], "a": []}
    for _ in range(200):
        if len(got["p"]) == 40 and len(got["a"]) == 40:
            break
        for collector in (prov, dirs):
            batch = collector.poll()
            for key in keys([batch] if batch else []):
                got[key[0]].append(key)
        hints = [c.wait_hint() for c in (prov, dirs)]  # type: ignore[attr-defined]
        clock.advance(min([h for h in hints if h] or [1.0]))
    assert got["p"] == [f"p{i}" for i in range(40)] and got["a"] == [f"a{i}" for i in range(40)]
    assert fake.throttled == 0 and len(fake.seen_urls) == 22  # 11 pages each, no 429
    first_audit = next(url for url in fake.seen_urls if "directoryAudits?%24filter" in url)
    assert "activityDateTime ge " in parse_qs(urlsplit(first_audit).query)["$filter"][0]


def test_429_sets_the_wait_hint_for_the_whole_tenant(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add("provisioning", *records(2, clock))
    transport = SyncASGITransport(fake.app)
    collector = poller(tmp_path, clock, transport)
    other = poller(tmp_path, clock, transport, kind=entra_directory_audit)
    collector.restore(None)
    other.restore(None)
    fake.fail_next.append("429")  # another app registration or tool used the tenant's budget
    with pytest.raises(CollectorError, match="TooManyRequests") as caught:
        collector.poll()
    assert caught.value.reason == "rate_limited"
    assert collector.wait_hint() == pytest.approx(3.0)  # type: ignore[attr-defined]
    requests = len(fake.seen_urls)
    assert other.poll() is None and other.wait_hint() == pytest.approx(3.0)  # type: ignore[attr-defined]
    assert len(fake.seen_urls) == requests
    clock.advance(3.0)
    assert keys(drain(collector, clock)) == ["p0", "p1"]


def test_error_reasons_are_bounded(fake: FakeGraph, clock: FakeClock, tmp_path: Path) -> None:
    transport = SyncASGITransport(fake.app)
    wrong = poller(tmp_path, clock, transport, secret="wrong")
    wrong.restore(None)
    with pytest.raises(CollectorError, match="invalid_client AADSTS7000215") as caught:
        wrong.poll()
    assert caught.value.reason == "auth"
    fake.add("provisioning", *records(2, clock))
    collector = poller(tmp_path, clock, transport)
    collector.restore(None)
    faults = (("503", "server_error"), ("504", "server_error"), ("bad_page", "bad_page"))
    for fault, reason in faults:
        fake.fail_next.append(fault)
        with pytest.raises(CollectorError) as caught:
            collector.poll()
        assert caught.value.reason == reason
        clock.advance(10)
    assert keys(drain(collector, clock)) == ["p0", "p1"]  # nothing lost to the failures

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = poller(tmp_path, clock, httpx.MockTransport(refuse))
    offline.restore(None)
    with pytest.raises(CollectorError) as caught:
        offline.poll()
    assert caught.value.reason == "network"


def test_the_secret_never_appears_in_errors_logs_or_checkpoints(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add("provisioning", *records(5, clock))
    seen: list[str] = []
    for secret in (GRAPH_SECRET, GRAPH_SECRET + "x"):
        transport = SyncASGITransport(fake.app)
        collector = poller(tmp_path, clock, transport, secret=secret, page_size=1)
        collector.restore(None)
        seen.append(repr(collector))
        fake.fail_next += ["503", "bad_page", "429"]
        for _ in range(12):
            try:
                batch = collector.poll()
                seen.append(json.dumps(batch.checkpoint) if batch else "")
            except CollectorError as err:
                seen += [str(err), repr(err), repr(err.__cause__), repr(err.__context__)]
            clock.advance(collector.wait_hint() or 1.0)  # type: ignore[attr-defined]
    assert [GRAPH_SECRET] in [form["client_secret"] for form in fake.token_forms]  # really sent...
    assert any("AADSTS7000215" in text for text in seen)
    tokens = list(fake.tokens)
    assert all(GRAPH_SECRET not in text for text in seen)  # ...and never echoed, nor the token
    assert all(token not in text for token in tokens for text in seen)
    assert GRAPH_SECRET not in caplog.text


LIVE = "tenant_id: t1, client_id: c1"
CONFIG_ERRORS = {
    f"path: a.json, {LIVE}, client_secret_env: S": "one of path or tenant_id must be configured",
    "client_id: c1": "one of path or tenant_id must be configured",
    "tenant_id: t1, client_secret_env: S": "client_id must be configured with tenant_id",
    LIVE: "one of client_secret_env or client_secret_file must be configured with tenant_id",
    f"{LIVE}, client_secret_env: S, client_secret_file: f": "one of client_secret_env or",
    "path: a.json, since: '2026-01-01T00:00:00Z'": "since apply only with tenant_id, not with path",
    f"{LIVE}, client_secret_env: S, graph_url: 'http://g'": "graph_url must be an https origin",
    f"{LIVE}, client_secret_env: S, login_url: 'https://l/x'": "login_url must be an https origin",
    f"{LIVE}, client_secret_env: S, overlap_seconds: -1": "greater than or equal to 0",
    f"{LIVE}, client_secret_env: S, since: '2026-01-01'": "timezone",
}


@pytest.mark.parametrize("kind", ["entra_provisioning_log", "entra_directory_audit"])
@pytest.mark.parametrize("fields", CONFIG_ERRORS)
def test_config_errors_are_one_clear_line(fields: str, kind: str, tmp_path: Path) -> None:
    text = f"apps: [{{name: hr}}]\nsources: [{{type: {kind}, {fields}}}]\n"
    with pytest.raises(ConfigError) as caught:
        parse(text, source="x.yaml", base_dir=tmp_path)
    assert len(caught.value.problems) == 1
    assert "\n" not in caught.value.problems[0]
    assert CONFIG_ERRORS[fields] in caught.value.problems[0]


def test_a_valid_polling_config_parses(tmp_path: Path) -> None:
    text = (
        "apps: [{name: hr}]\nsources: [{type: entra_provisioning_log, tenant_id: contoso.com,"
        " client_id: c1, client_secret_env: GRAPH_SECRET, since: '2026-01-01T00:00:00Z'}]\n"
    )
    config: Any = parse(text, source="x.yaml", base_dir=tmp_path).sources[0].config
    assert config.graph_url == "https://graph.microsoft.com" and config.overlap_seconds == 300
    assert config.login_url == "https://login.microsoftonline.com"


def test_a_new_budget_starts_as_if_its_window_was_used_up() -> None:
    """A restarted process cannot see what its predecessor sent within Graph's window."""
    clock = FakeClock()
    budget = GraphBudget(clock, limit=5, window=10.0, margin=0.5)
    assert not budget.try_acquire() and budget.wait() == 10.5
    clock.advance(10.5)
    assert [budget.try_acquire() for _ in range(6)] == [True] * 5 + [False]
    clock.advance(10.0)
    assert not budget.try_acquire()  # the margin: Graph counts arrivals, not departures
    clock.advance(0.5)
    assert budget.try_acquire()
