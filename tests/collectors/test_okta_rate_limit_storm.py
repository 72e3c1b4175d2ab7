"""A long 429 storm against the Okta poller, driven the way the daemon drives it.

The fake org answers 60 log requests in a row with 429 `E0000047` and the documented
`X-Rate-Limit-*` headers (reference 1.5, 1.6), then recovers. The poller runs inside a real
`SourceWorker` with the real ingest pipeline and a SQLite store: after each failure the worker
restores the poller from the committed checkpoint and waits what `wait_hint()` says, exactly as
`SourceWorker.run` does, on the injected clock. So the assertions are about what the org saw
(when each request arrived, in which per-minute window) and what the store committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from collector_kit import Daemon
from fakes.fake_okta import WINDOW, FakeOkta, event, utc

from monitor.clock import FakeClock

TOKEN = "00storm-t0ken"
ORG = "https://acme.okta.com"
LIMIT = 20  # the org's X-Rate-Limit-Limit for /api/v1/logs (Developer edition)
PAGE = 10
STORM = 60
POLL = 30.0


def daemon_of(tmp_path: Path, clock: FakeClock, fake: FakeOkta, share: float) -> Daemon:
    """One Okta source under a SourceWorker, as `scimwatch run` builds it."""
    (tmp_path / "okta.token").write_text(TOKEN)
    source = f"{{type: okta_system_log, url: '{ORG}', token_file: okta.token, limit: {PAGE},"
    source += f" rate_limit_share: {share}}}"
    return Daemon(tmp_path, clock, fake.app, source, POLL)


def events(start: int, count: int, clock: FakeClock) -> list[dict[str, Any]]:
    return [event(f"e{i}", utc(clock.now() - 600 + i)) for i in range(start, start + count)]


@pytest.mark.parametrize("share", [0.5, 0.25])
@pytest.mark.parametrize("fault", ["429", "concurrent"])
def test_a_long_429_storm_keeps_to_the_limit_and_loses_nothing(
    fault: str, share: float, clock: FakeClock, tmp_path: Path
) -> None:
    fake = FakeOkta(clock=clock, token=TOKEN, rate_limit=LIMIT)
    daemon = daemon_of(tmp_path, clock, fake, share)
    fake.add(*events(0, 100, clock))
    fake.fail_next += [""] * 3 + [fault] * STORM  # three pages, then the storm
    daemon.run_until(lambda: sum(a.status == 429 for a in fake.answers) >= STORM // 2)
    fake.add(*events(100, 150, clock))  # the log keeps growing during the storm
    daemon.run_until(lambda: len(daemon.ingestor.keys) >= 250)

    refused = [i for i, answer in enumerate(fake.answers) if answer.status == 429]
    assert len(refused) == STORM and refused == list(range(3, 3 + STORM))  # one unbroken run
    for i in refused:  # nothing is sent before the reset the 429 advertised
        assert fake.answers[i + 1].at >= fake.answers[i].reset > fake.answers[i].at
    storm_windows = {int(fake.answers[i].at // WINDOW) for i in refused}
    assert len(storm_windows) == STORM  # so one request per window: the one the reset allowed
    allowed = int(share * LIMIT)  # the configured share of X-Rate-Limit-Limit per window
    assert max(fake.requests.values()) == allowed  # the backlog used the share, never more
    assert all(a.status == 200 for a in fake.answers[3 + STORM :])  # and caused no new 429

    assert daemon.ingestor.keys == [f"e{i}" for i in range(250)]  # every event exactly once
    assert daemon.store.checkpoint(source=daemon.spec.name) == {
        "next": f"{ORG}/api/v1/logs?limit={PAGE}&sortOrder=ASCENDING&after=250_1"
    }
    assert daemon.sample("scimwatch_collector_errors_total", reason="rate_limited") == STORM
    assert daemon.sample("scimwatch_collector_up") == 1
    daemon.store.close()
