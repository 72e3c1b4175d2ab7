"""A long rate-limit storm against the Google Reports poller, driven the way the daemon does.

The fake answers 60 activities requests in a row with one of the documented throttling errors
(reference 3.8: 403 `rateLimitExceeded`, 429, 503), in the middle of a window's pages, then
recovers. The poller runs inside a real `SourceWorker` with the real ingest pipeline and a
SQLite store: after each failure the worker restores the poller from the committed checkpoint
and waits what `wait_hint()` says, as `SourceWorker.run` does, on the injected clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from collector_kit import ADMIN, Daemon, fake_google, service_key, write_service_account
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import FakeGoogle, activity
from fakes.fake_okta import utc

from monitor.clock import FakeClock

STORM = 60
PAGE = 5
POLL = 300.0
LAG, OVERLAP = 600, 300  # the source's defaults
FIRST_BACKOFF, MAX_BACKOFF = 10.0, 600.0  # the documented backoff (configuration.md)


def daemon_of(tmp_path: Path, clock: FakeClock, fake: FakeGoogle, key: rsa.RSAPrivateKey) -> Daemon:
    """One Google Reports source under a SourceWorker, as `scimwatch run` builds it."""
    write_service_account(tmp_path, key)
    source = "{type: google_reports, application: admin, credentials_file: sa.json,"
    source += f" subject: {ADMIN}, max_results: {PAGE}}}"
    return Daemon(tmp_path, clock, fake.app, source, POLL)


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("fault", ["rateLimitExceeded", "429", "503"])
def test_a_long_throttling_storm_backs_off_to_the_cap_and_loses_nothing(
    fault: str, clock: FakeClock, tmp_path: Path
) -> None:
    key = service_key()
    fake = fake_google(clock, key)
    now = clock.now()
    # 40 activities already visible, then one every 15 minutes for the next 12 hours: each
    # shows up on the fake two minutes (admin's lag) after its time, during and after the storm
    times = [now - 3000 + 60 * i for i in range(40)] + [now + 900 * i for i in range(1, 49)]
    fake.add(*(activity(utc(t), str(-7_000_000 - i)) for i, t in enumerate(times)))
    keys = {f"{utc(t)}/{-7_000_000 - i}": t for i, t in enumerate(times)}
    fake.fail_next += ["", ""] + [fault] * STORM  # two pages of the first window, then the storm
    daemon = daemon_of(tmp_path, clock, fake, key)
    daemon.run_until(lambda: set(daemon.ingestor.keys) == set(keys))

    queries, sent = fake.seen_queries, fake.seen_at
    storm = range(2, 2 + STORM)  # request indexes answered with the fault
    gaps = [sent[i + 1] - sent[i] for i in storm]
    backoff = [min(FIRST_BACKOFF * 2**k, MAX_BACKOFF) for k in range(STORM)]
    assert gaps == backoff  # waits exactly the backoff: doubling from 10 s, capped at 10 min
    refused, resumed = queries[2], queries[2 + STORM]
    assert all(queries[i] == refused for i in storm)  # the same page asked for again...
    assert resumed == refused and "pageToken" in resumed  # ...and read once the storm ended

    windows = [(seconds(q["startTime"]), seconds(q["endTime"])) for q in queries]
    firsts = [w for q, w in zip(queries, windows, strict=True) if "pageToken" not in q]
    assert firsts[0] == (now - 3600, now - LAG)  # the default start: an hour before
    for (_, end), (start, _) in pairwise(firsts):
        assert start == end - OVERLAP  # windows overlap and never leave a gap
    # every activity arrives once per window that covers it: no window is delivered twice
    delivered = Counter(daemon.ingestor.keys)
    for item, t in keys.items():
        assert delivered[item] == sum(start <= t < end for start, end in firsts), item
    assert daemon.store.checkpoint(source=daemon.spec.name) == {"end": utc(firsts[-1][1])}
    assert daemon.sample("scimwatch_collector_errors_total", reason="rate_limited") == STORM
    assert daemon.sample("scimwatch_collector_up") == 1
    daemon.store.close()


def test_a_window_longer_than_the_quota_allows_still_finishes(
    clock: FakeClock, tmp_path: Path
) -> None:
    """Three requests a minute and a window of eight pages: each pause resumes on the refused
    page. Starting the window over after each pause would read pages one to three forever."""
    key = service_key()
    fake = fake_google(clock, key)
    fake.quota_per_minute = 3
    times = [clock.now() - 3000 + 50 * i for i in range(40)]
    fake.add(*(activity(utc(t), str(i)) for i, t in enumerate(times)))
    daemon = daemon_of(tmp_path, clock, fake, key)
    daemon.run_until(lambda: bool(daemon.ingestor.keys), steps=200)

    assert sorted(daemon.ingestor.keys) == sorted(f"{utc(t)}/{i}" for i, t in enumerate(times))
    first_window = [q for q in fake.seen_queries if q["endTime"] == fake.seen_queries[0]["endTime"]]
    pages = [q.get("pageToken") for q in first_window]
    distinct = [page for i, page in enumerate(pages) if i == 0 or page != pages[i - 1]]
    assert len(distinct) == len(set(distinct)) == 8  # pages in order, none asked for again
    assert max(fake.used.values()) > 3  # the quota was really hit
    refused = daemon.sample("scimwatch_collector_errors_total", reason="rate_limited")
    assert refused is not None and refused >= 2
    daemon.store.close()
