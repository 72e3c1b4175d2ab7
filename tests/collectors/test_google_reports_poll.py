"""Live polling of Google Reports activities against an in-process fake Google (fake_google.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from collector_kit import SA, drain, fake_google, google_config, google_poller, pem, service_key
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import TOKEN_AUD, FakeGoogle, activity
from fakes.fake_okta import SyncASGITransport, utc

from collectors import CollectorError, google_reports
from collectors.base import Batch, BuildContext, Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.config_errors import ConfigError
from monitor.events import IdpRecord
from monitor.secret import SecretError


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return service_key()


@pytest.fixture
def fake(clock: FakeClock, key: rsa.RSAPrivateKey) -> FakeGoogle:
    return fake_google(clock, key)


def poller(
    tmp_path: Path,
    clock: FakeClock,
    transport: httpx.BaseTransport,
    key: rsa.RSAPrivateKey,
    **options: Any,
) -> Collector:
    # every poll asks (tests/collectors/test_poll_interval.py)
    config = google_config(poll_interval_seconds=0, **options)
    return google_poller(tmp_path, clock, transport, key, config)


def activities(clock: FakeClock, ages: range, prefix: str = "q") -> list[dict[str, Any]]:
    """One activity per age (seconds before now); qualifiers are int64 strings, some negative."""
    return [activity(utc(clock.now() - age), f"-{prefix}{age}") for age in ages]


def keys(batches: list[Batch]) -> list[str]:
    return [r.key for b in batches for r in b.records if isinstance(r, IdpRecord)]


def key_of(clock: FakeClock, age: int, prefix: str = "q") -> str:
    return f"{utc(clock.now() - age)}/-{prefix}{age}"


def test_a_window_of_newest_first_pages_is_one_batch_in_time_order(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*activities(clock, range(700, 3300, 100)))  # 26 events, all older than the lag
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key, max_results=10)
    collector.restore(None)
    batches = drain(collector)
    assert len(batches) == 1 and batches[0].units == 26
    assert keys(batches) == [key_of(clock, age) for age in range(3200, 600, -100)]
    queries = fake.seen_queries
    assert len(queries) == 3 and "pageToken" not in queries[0]
    assert all("pageToken" in q for q in queries[1:])
    assert queries[0]["startTime"] == utc(clock.now() - 3600)
    assert queries[0]["endTime"] == utc(clock.now() - 600) and queries[0]["maxResults"] == "10"
    assert batches[0].checkpoint == {"end": utc(clock.now() - 600)}
    assert collector.poll() is None and len(fake.seen_queries) == 3  # caught up: no request


def test_the_checkpoint_moves_only_after_the_last_page_of_a_window(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*activities(clock, range(700, 3300, 100)))
    transport = SyncASGITransport(fake.app)
    collector = poller(tmp_path, clock, transport, key, max_results=10)
    collector.restore({"end": utc(clock.now() - 3000)})
    fake.fail_next += ["", "rateLimitExceeded"]  # the second page is refused
    expected = [key_of(clock, age) for age in range(3200, 600, -100)]
    end = {"end": utc(clock.now() - 600)}
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "rate_limited"
    restarted = poller(tmp_path, clock, transport, key, max_results=10)
    restarted.restore({"end": utc(clock.now() - 3000)})  # nothing was committed
    again = drain(restarted)  # the whole window again, from its first page
    assert keys(again) == expected and again[0].checkpoint == end
    assert fake.seen_queries[-3]["startTime"] == utc(clock.now() - 3300)  # end - overlap
    assert "pageToken" not in fake.seen_queries[-3]
    clock.advance(collector.wait_hint() or 0)  # type: ignore[attr-defined]
    batch = collector.poll()  # resumes on the refused page
    assert batch is not None and batch.checkpoint == end and keys([batch]) == expected
    assert "pageToken" in fake.seen_queries[-1]


def test_a_first_window_never_committed_is_read_again(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*activities(clock, range(700, 3300, 100)))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key)
    collector.restore(None)
    lost = collector.poll()  # handed out, then its commit failed: there is no checkpoint yet
    assert lost is not None and len(keys([lost])) == 26
    clock.advance(30)
    collector.restore(None)  # what the supervisor does after the failed commit
    again = drain(collector)
    assert fake.seen_queries[-1]["startTime"] == fake.seen_queries[0]["startTime"]
    assert sorted(keys(again)) == sorted(keys([lost]))  # from the same start: no gap


def test_lag_and_overlap_catch_late_and_out_of_order_events(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key)
    collector.restore(None)
    fake.add(activity(utc(clock.now() - 900), "1"), activity(utc(clock.now() - 2000), "-2"))
    fake.add(activity(utc(clock.now() - 300), "3"))  # inside the lag: not asked for yet
    first = drain(collector)
    assert keys(first) == [f"{utc(clock.now() - 2000)}/-2", f"{utc(clock.now() - 900)}/1"]
    late = activity(utc(clock.now() - 700), "4")  # inside the last window, published late
    dup = activity(utc(clock.now() - 900), "1")
    fake.add(late, dup)  # stored after the window was read: an out-of-order insertion
    clock.advance(400)
    second = drain(collector)
    start = fake.seen_queries[-1]["startTime"]
    assert start == utc(clock.now() - 400 - 600 - 300)  # previous end minus the overlap
    assert keys(second) == [
        f"{utc(clock.now() - 1300)}/1",  # read again by the overlap; detectors skip it
        f"{utc(clock.now() - 1300)}/1",  # published twice
        f"{utc(clock.now() - 1100)}/4",
        f"{utc(clock.now() - 700)}/3",
    ]


def test_resume_from_a_checkpoint_has_no_gaps(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    transport = SyncASGITransport(fake.app)
    first = poller(tmp_path, clock, transport, key, max_results=3)
    first.restore(None)
    fake.add(*activities(clock, range(700, 2000, 100), "a"))
    expected = {key_of(clock, age, "a") for age in range(700, 2000, 100)}
    committed = drain(first)
    first.close()
    clock.advance(1800)  # down for half an hour; events kept arriving
    fake.add(*activities(clock, range(700, 2400, 100), "b"))
    second = poller(tmp_path, clock, transport, key, max_results=3)
    second.restore(committed[-1].checkpoint)
    resumed = drain(second)
    expected |= {key_of(clock, age, "b") for age in range(700, 2400, 100)}
    assert set(keys(committed + resumed)) == expected
    duplicated = len(keys(committed + resumed)) - len(expected)
    assert duplicated <= 3  # only the overlap is read twice; the detectors skip those keys


def test_empty_windows_advance_the_checkpoint(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key, lag_seconds=60)
    collector.restore(None)
    batch = collector.poll()
    assert batch is not None and keys([batch]) == [] and batch.units == 0
    assert batch.checkpoint == {"end": utc(clock.now() - 60)}
    assert collector.poll() is None


def test_an_old_since_is_read_in_bounded_windows(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*activities(clock, range(3600, 86400, 3600)))
    since = utc(clock.now() - 86400)
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key, since=since)
    collector.restore(None)
    batches = drain(collector)
    assert len(batches) == 5 and len(set(keys(batches))) == 23  # 6-hour windows, then caught up
    assert fake.seen_queries[0]["startTime"] == since
    assert batches[-1].checkpoint == {"end": utc(clock.now() - 600)}


def test_tokens_are_cached_until_they_expire(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key)
    collector.restore(None)
    for _ in range(5):
        drain(collector)
        clock.advance(600)
    assert fake.token_requests == 1 and len(fake.seen_queries) == 5
    clock.advance(1200)  # within five minutes of the hour: refreshed before it can expire
    drain(collector)
    assert fake.token_requests == 2 and len(set(fake.seen_auth)) == 2


@pytest.mark.parametrize("fault", ["rateLimitExceeded", "userRateLimitExceeded", "429", "503"])
def test_rate_limits_back_off_through_wait_hint(
    fault: str, fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*activities(clock, range(700, 1000, 100)))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key)
    collector.restore(None)
    fake.fail_next += [fault, fault]
    for expected in (10.0, 20.0):
        with pytest.raises(CollectorError) as caught:
            collector.poll()
        assert caught.value.reason == "rate_limited"
        assert collector.wait_hint() == expected  # type: ignore[attr-defined]
        requests = len(fake.seen_queries)
        assert collector.poll() is None and len(fake.seen_queries) == requests
        clock.advance(expected)
    assert len(keys(drain(collector))) == 3
    assert collector.wait_hint() is None  # type: ignore[attr-defined]


def test_a_busy_token_endpoint_is_rate_limited_not_slept_on(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key)
    collector.restore(None)
    fake.token_fail_next.append("503")
    with pytest.raises(CollectorError, match="token endpoint HTTP 503") as caught:
        collector.poll()
    assert caught.value.reason == "rate_limited" and fake.token_requests == 1
    clock.advance(collector.wait_hint() or 0)  # type: ignore[attr-defined]
    assert collector.poll() is not None


def test_auth_page_and_network_errors_have_bounded_reasons(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    transport = SyncASGITransport(fake.app)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for wrong, options, code in (
        (other, {}, "invalid_grant"),
        (key, {"subject": "someone@example.com"}, "unauthorized_client"),
    ):
        collector = poller(tmp_path, clock, transport, wrong, **options)
        collector.restore(None)
        with pytest.raises(CollectorError, match=code) as caught:
            collector.poll()
        assert caught.value.reason == "auth"
    fake.add(*activities(clock, range(700, 1000, 100)))
    collector = poller(tmp_path, clock, transport, key)
    collector.restore(None)
    for fault, reason in (("forbidden", "auth"), ("bad_page", "bad_page")):
        fake.fail_next.append(fault)
        with pytest.raises(CollectorError) as caught:
            collector.poll()
        assert caught.value.reason == reason
    assert fake.token_requests == 4  # the forbidden answer dropped the cached token
    assert len(keys(drain(collector))) == 3  # nothing lost to the failures

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = poller(tmp_path, clock, httpx.MockTransport(refuse), key)
    offline.restore(None)
    with pytest.raises(CollectorError) as caught:
        offline.poll()
    assert caught.value.reason == "network"


def test_records_without_ids_are_rejected_and_duplicates_delivered(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    twice = activity(utc(clock.now() - 800), "7")
    fake.add(twice, activity(utc(clock.now() - 1500), "-8"), twice)
    no_qualifier = {"time": utc(clock.now() - 900), "applicationName": "admin"}
    fake.add({"kind": "admin#reports#activity", "id": no_qualifier})
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key, max_results=2)
    collector.restore(None)
    (batch,) = drain(collector)
    assert keys([batch]) == [f"{utc(clock.now() - 1500)}/-8"] + [f"{utc(clock.now() - 800)}/7"] * 2
    assert batch.units == 4 and sum(batch.rejected.values()) == 1


def test_the_key_and_tokens_never_appear_in_errors_logs_or_checkpoints(
    fake: FakeGoogle,
    clock: FakeClock,
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add(*activities(clock, range(700, 1000, 100)))
    collector = poller(tmp_path, clock, SyncASGITransport(fake.app), key, max_results=1)
    collector.restore(None)
    seen: list[str] = [repr(collector), repr(vars(collector))]
    fake.fail_next += ["", "429", "forbidden", "bad_page", "503", "userRateLimitExceeded"]
    fake.token_fail_next.append("503")
    for _ in range(12):
        try:
            batch = collector.poll()
            seen.append(json.dumps(batch.checkpoint) if batch else "")
        except CollectorError as err:
            seen += [str(err), repr(err), repr(err.__cause__), repr(err.__context__)]
        clock.advance(collector.wait_hint() or 700)  # type: ignore[attr-defined]
    secrets = [line for line in pem(key).splitlines() if "PRIVATE KEY" not in line]
    secrets += list(fake.tokens)
    assert len(fake.tokens) >= 2 and any(t in a for t in fake.tokens for a in fake.seen_auth)
    assert all(secret not in text for secret in secrets for text in [*seen, caplog.text])


def test_an_unreadable_key_file_names_the_file_not_the_key(
    tmp_path: Path, clock: FakeClock, key: rsa.RSAPrivateKey
) -> None:
    broken = {"type": "service_account", "client_email": SA, "token_uri": TOKEN_AUD}
    broken["private_key"] = pem(key)[:200]  # truncated: cannot be loaded
    (tmp_path / "sa.json").write_text(json.dumps(broken))
    with pytest.raises(SecretError) as caught:
        google_reports.KIND.make(
            google_config(), name="g", base_dir=tmp_path, context=BuildContext(clock=clock)
        )
    assert "source g:" in str(caught.value) and broken["private_key"][40:80] not in str(
        caught.value
    )


CONFIG_ERRORS = {
    "path: a.json, credentials_file: k.json, subject: a@b.c": "one of path or credentials_file",
    "subject: a@b.c": "one of path or credentials_file must be configured",
    "credentials_file: k.json": "subject must be the email of the admin to impersonate",
    "path: a.json, lag_seconds: 60": "lag_seconds apply only with credentials_file, not path",
    "credentials_file: k.json, subject: a@b.c, base_url: 'http://x'": "base_url must be an https",
    "credentials_file: k.json, subject: a@b.c, token_url: 'ftp://x'": "token_url must be an https",
    "credentials_file: k.json, subject: a@b.c, max_results: 5000": "less than or equal to 1000",
    "credentials_file: k.json, subject: a@b.c, overlap_seconds: -1": "greater than or equal to 0",
    "credentials_file: k.json, subject: a@b.c, since: '2026-01-01'": "timezone",
}


@pytest.mark.parametrize("fields", CONFIG_ERRORS)
def test_config_errors_are_one_clear_line(fields: str, tmp_path: Path) -> None:
    text = (
        f"apps: [{{name: hr}}]\nsources: [{{type: google_reports, application: admin, {fields}}}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse(text, source="x.yaml", base_dir=tmp_path)
    assert len(caught.value.problems) == 1
    assert "\n" not in caught.value.problems[0]
    assert CONFIG_ERRORS[fields] in caught.value.problems[0]


def test_a_valid_polling_config_parses(tmp_path: Path) -> None:
    text = (
        "apps: [{name: hr}]\nsources: [{type: google_reports, application: login,"
        " credentials_file: sa.json, subject: admin@example.com, lag_seconds: 1800}]\n"
    )
    spec = parse(text, source="x.yaml", base_dir=tmp_path).sources[0]
    assert spec.name == "google_reports/login"
    assert spec.config.overlap_seconds == 300  # type: ignore[attr-defined]
