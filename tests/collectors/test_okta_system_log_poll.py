"""Live polling of the Okta System Log against an in-process fake org (tests/fakes/fake_okta.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fakes.fake_okta import FakeOkta, SyncASGITransport, event, utc

from collectors import CollectorError, okta_system_log
from collectors.base import Batch, BuildContext, Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.config_errors import ConfigError
from monitor.events import IdpRecord

TOKEN = "00aSeCrEtT0kEn-do-not-leak"
ORG = "https://acme.okta.com"


@pytest.fixture
def fake(clock: FakeClock) -> FakeOkta:
    return FakeOkta(clock=clock, token=TOKEN, rate_limit=20)


def poller(
    tmp_path: Path,
    clock: FakeClock,
    transport: httpx.BaseTransport,
    token: str = TOKEN,
    **options: Any,
) -> Collector:
    (tmp_path / "okta.token").write_text(token + "\n")
    config = okta_system_log.Config.model_validate(
        {
            "type": "okta_system_log",
            "url": ORG,
            "token_file": "okta.token",
            "poll_interval_seconds": 0,  # every poll asks (tests/collectors/test_poll_interval.py)
            **options,
        }
    )
    context = BuildContext(clock=clock, transport=transport)
    return okta_system_log.KIND.make(config, name="okta", base_dir=tmp_path, context=context)


def events(start: int, count: int, clock: FakeClock) -> list[dict[str, Any]]:
    return [event(f"e{i}", utc(clock.now() - 600 + i)) for i in range(start, start + count)]


def drain(collector: Collector) -> list[Batch]:
    batches = []
    while (batch := collector.poll()) is not None:
        batches.append(batch)
    return batches


def keys(batches: list[Batch]) -> list[str]:
    return [r.key for b in batches for r in b.records if isinstance(r, IdpRecord)]


def test_pages_follow_next_links_from_a_polling_request(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add(*events(0, 25, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), limit=10)
    collector.restore(None)
    batches = drain(collector)
    assert keys(batches) == [f"e{i}" for i in range(25)]
    assert [b.units for b in batches] == [10, 10, 5]
    first = parse_qs(urlsplit(fake.seen_urls[0]).query)
    assert first["sortOrder"] == ["ASCENDING"] and first["limit"] == ["10"]
    assert first["since"] == [utc(clock.now() - 3600)] and "until" not in first
    assert all("after=" in url for url in fake.seen_urls[1:])
    assert batches[-1].checkpoint == {
        "next": f"{ORG}/api/v1/logs?limit=10&sortOrder=ASCENDING&after=25_1"
    }
    assert len(fake.seen_urls) == 3  # the short last page ends the cycle: no empty-page request


def test_empty_pages_are_normal_and_keep_the_cursor(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add(*events(0, 2, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), limit=2)
    collector.restore(None)
    assert keys(drain(collector)) == ["e0", "e1"]  # a full page, then an empty one
    assert collector.poll() is None
    assert fake.seen_urls[-1] == fake.seen_urls[-2]  # the same next link, polled again
    fake.add(*events(2, 1, clock))
    requests = len(fake.seen_urls)
    batch = collector.poll()
    assert batch is not None and keys([batch]) == ["e2"]
    assert collector.poll() is None  # a short page ends the cycle without another request
    assert len(fake.seen_urls) == requests + 1
    assert collector.poll() is None and len(fake.seen_urls) == requests + 2


def test_resume_from_checkpoint_has_no_duplicates_or_gaps(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    transport = SyncASGITransport(fake.app)
    fake.add(*events(0, 30, clock))
    first = poller(tmp_path, clock, transport, limit=10)
    first.restore(None)
    committed = [first.poll(), first.poll()]
    lost = first.poll()  # read but never committed: the process died here
    first.close()
    assert lost is not None and keys([lost]) == [f"e{i}" for i in range(20, 30)]
    fake.add(*events(30, 5, clock))  # records added while the poller was down
    second = poller(tmp_path, clock, transport, limit=10)
    second.restore(committed[-1].checkpoint if committed[-1] else None)
    resumed = drain(second)
    assert keys([b for b in committed if b]) + keys(resumed) == [f"e{i}" for i in range(35)]
    json.dumps(resumed[-1].checkpoint)


def test_out_of_order_and_duplicate_events_are_all_delivered(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    late = event("late", utc(clock.now() - 3000))
    fake.add(event("a", utc(clock.now() - 10)), late, event("b", utc(clock.now() - 5)))
    fake.add(late, {"uuid": "no-time"}, "not an object")  # type: ignore[arg-type]
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), limit=3)
    collector.restore(None)
    batches = drain(collector)
    assert keys(batches) == ["late", "a", "b", "late"]  # sorted by time; detectors skip dupes
    assert sum(b.units for b in batches) == 6
    assert sum(sum(b.rejected.values()) for b in batches) == 2


def test_429_is_honoured_through_wait_hint(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    fake.add(*events(0, 3, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), limit=10)
    collector.restore(None)
    fake.fail_next.append("concurrent")  # Limit=0, Remaining=0, Reset = end of the window
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "rate_limited" and "E0000047" in str(caught.value)
    hint = collector.wait_hint()  # type: ignore[attr-defined]
    reset = (clock.now() // 60 + 1) * 60
    assert hint == pytest.approx(reset - clock.now()) and hint > 0
    requests = len(fake.seen_urls)
    assert collector.poll() is None and len(fake.seen_urls) == requests  # no request sent
    clock.advance(hint)
    assert keys(drain(collector)) == ["e0", "e1", "e2"]


def test_429_from_a_bucket_shared_with_other_clients(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    fake.requests[int(clock.now() // 60 * 60)] += 20  # a SIEM used the whole minute
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app))
    collector.restore(None)
    with pytest.raises(CollectorError, match="E0000047") as caught:
        collector.poll()
    assert caught.value.reason == "rate_limited"
    assert collector.wait_hint() == pytest.approx(60 - clock.now() % 60)  # type: ignore[attr-defined]


@pytest.mark.parametrize("share", [0.5, 0.25])
def test_requests_per_window_stay_within_the_share(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, share: float
) -> None:
    fake.add(*events(0, 40, clock))
    collector = poller(
        tmp_path, clock, SyncASGITransport(fake.app), limit=1, rate_limit_share=share
    )
    collector.restore(None)
    delivered: list[str] = []
    for _ in range(1000):
        batch = collector.poll()
        if batch is not None:
            delivered += keys([batch])
        elif len(delivered) == 40:
            break
        else:
            clock.advance(collector.wait_hint() or 2.0)  # type: ignore[attr-defined]
    assert delivered == [f"e{i}" for i in range(40)]
    assert max(fake.requests.values()) == int(share * 20)
    assert len(fake.requests) > 2  # it really spanned windows


def test_auth_server_and_page_errors_have_bounded_reasons(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    transport = SyncASGITransport(fake.app)
    wrong = poller(tmp_path, clock, transport, token="00wrong")
    wrong.restore(None)
    with pytest.raises(CollectorError, match="E0000011") as caught:
        wrong.poll()
    assert caught.value.reason == "auth"
    fake.add(*events(0, 2, clock))
    collector = poller(tmp_path, clock, transport)
    collector.restore(None)
    for fault, reason in (("500", "server_error"), ("bad_page", "bad_page")):
        fake.fail_next.append(fault)
        with pytest.raises(CollectorError) as caught:
            collector.poll()
        assert caught.value.reason == reason
    assert keys(drain(collector)) == ["e0", "e1"]  # nothing lost to the failures


def test_network_errors_and_rejected_queries(clock: FakeClock, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    collector = poller(tmp_path, clock, httpx.MockTransport(refuse))
    collector.restore(None)
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "network"
    old = FakeOkta(clock=clock, token=TOKEN)
    ancient = poller(tmp_path, clock, SyncASGITransport(old.app), since="2024-01-01T00:00:00Z")
    ancient.restore(None)
    with pytest.raises(CollectorError, match="180 days") as caught:
        ancient.poll()
    assert caught.value.reason == "bad_request"


def test_a_checkpoint_pointing_elsewhere_is_not_followed(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app))
    collector.restore({"next": "https://evil.example/api/v1/logs?after=0_1"})
    collector.poll()
    assert fake.seen_urls[0].startswith(f"{ORG}/api/v1/logs?since=")


def test_the_token_never_appears_in_errors_logs_or_checkpoints(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.rate_limit = 2
    fake.add(*events(0, 5, clock))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), limit=1)
    collector.restore(None)
    seen: list[str] = [repr(collector)]
    fake.fail_next += ["500", "bad_page", "concurrent"]
    for _ in range(12):
        try:
            batch = collector.poll()
            seen.append(json.dumps(batch.checkpoint) if batch else "")
        except CollectorError as err:
            seen += [str(err), repr(err), repr(err.__cause__), repr(err.__context__)]
        clock.advance(collector.wait_hint() or 1.0)  # type: ignore[attr-defined]
    assert f"SSWS {TOKEN}" in fake.seen_auth  # the token was really sent...
    assert all(TOKEN not in text for text in seen)  # ...and never echoed
    assert TOKEN not in caplog.text and "rate-limit share" in caplog.text


CONFIG_ERRORS = {
    "path: a.json, url: 'https://acme.okta.com'": "one of path or url must be configured",
    "token_env: OKTA": "one of path or url must be configured",
    "url: 'https://acme.okta.com'": "one of token_env, token_file or client_id",
    "url: 'https://acme.okta.com', token_env: A, token_file: b": "one of token_env, token_file or",
    "path: a.json, since: '2026-01-01T00:00:00Z'": "since apply only with url, not with path",
    "url: 'http://acme.okta.com', token_env: A": "url must be the org's https base URL",
    "url: 'https://acme.okta.com/api', token_env: A": "url must be the org's https base URL",
    "url: 'https://acme.okta.com', token_env: A, limit: 5000": "less than or equal to 1000",
    "url: 'https://acme.okta.com', token_env: A, rate_limit_share: 0": "greater than 0",
    "url: 'https://acme.okta.com', token_env: A, since: '2026-01-01'": "timezone",
}


@pytest.mark.parametrize("fields", CONFIG_ERRORS)
def test_config_errors_are_one_clear_line(fields: str, tmp_path: Path) -> None:
    text = f"apps: [{{name: hr}}]\nsources: [{{type: okta_system_log, {fields}}}]\n"
    with pytest.raises(ConfigError) as caught:
        parse(text, source="x.yaml", base_dir=tmp_path)
    assert len(caught.value.problems) == 1
    assert "\n" not in caught.value.problems[0]
    assert CONFIG_ERRORS[fields] in caught.value.problems[0]


def test_a_valid_polling_config_parses(tmp_path: Path) -> None:
    text = (
        "apps: [{name: hr}]\nsources: [{type: okta_system_log, url: 'https://acme.okta.com',"
        " token_env: OKTA_TOKEN, since: '2026-01-01T00:00:00Z', rate_limit_share: 0.3}]\n"
    )
    spec = parse(text, source="x.yaml", base_dir=tmp_path).sources[0]
    assert spec.name == "okta_system_log" and spec.config.limit == 1000  # type: ignore[attr-defined]
