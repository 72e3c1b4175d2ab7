"""The Reports fake's checklist items (reference 3.11) that the poller depends on, each driven
through the real poller: per-application visibility lag, the application named in the path,
`multiValue`/`multiMessageValue` token parameters, and page tokens bound to their query."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from collector_kit import drain, fake_google, google_config, google_poller, service_key
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import REFERENCE_LAG, FakeGoogle, activity, token_activity
from fakes.fake_okta import SyncASGITransport, utc

from collectors import CollectorError
from collectors.base import Batch, Collector
from monitor.classify.idp import normalize
from monitor.clock import FakeClock
from monitor.events import IdpAction, IdpRecord

LIST = "https://admin.googleapis.com/admin/reports/v1/activity/users/all/applications/"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return service_key()


@pytest.fixture
def fake(clock: FakeClock, key: rsa.RSAPrivateKey) -> FakeGoogle:
    return fake_google(clock, key)


def poller(
    tmp_path: Path, fake: FakeGoogle, key: rsa.RSAPrivateKey, application: str, **options: Any
) -> Collector:
    config = google_config(application, **options)
    transport = SyncASGITransport(fake.app)
    collector = google_poller(tmp_path, fake.clock, transport, key, config, name="g")
    collector.restore(None)
    return collector


def records(batches: list[Batch]) -> list[IdpRecord]:
    return [r for b in batches for r in b.records if isinstance(r, IdpRecord)]


def keys(batches: list[Batch]) -> list[str]:
    return [r.key for r in records(batches)]


def test_each_application_shows_its_activities_after_its_own_lag(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    happened = clock.now() - 60
    fake.add(activity(utc(happened), "1"), activity(utc(happened), "2", application="login"))
    admin = poller(tmp_path, fake, key, "admin")
    login = poller(tmp_path, fake, key, "login")  # login's default lag, an hour: less than six
    patient = poller(tmp_path, fake, key, "login", lag_seconds=int(REFERENCE_LAG["login"]))
    got: dict[str, list[str]] = {"admin": [], "login": [], "patient": []}
    for _ in range(int(8 * 3600 / 300)):  # eight hours of five-minute polls
        clock.advance(300)
        for name, collector in (("admin", admin), ("login", login), ("patient", patient)):
            got[name] += keys(drain(collector))
    # (a key read twice is the overlap re-reading it; the detectors skip the second one)
    assert set(got["admin"]) == {f"{utc(happened)}/1"}  # admin's two minutes: inside the lag
    assert got["login"] == []  # login's hours: every window covering it was read too early
    assert set(got["patient"]) == {f"{utc(happened)}/2"}  # a lag as long as login's catches it


def test_the_application_in_the_path_selects_the_activities(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    old = clock.now() - 7 * 3600  # past every application's lag
    fake.add(activity(utc(old), "1"), token_activity(utc(old), "-2"))
    fake.add(activity(utc(old + 1), "3", application="login"))
    since = {"since": utc(old - 60)}
    by_app = {app: keys(drain(poller(tmp_path, fake, key, app, **since))) for app in fake.lag}
    assert by_app == {
        "admin": [f"{utc(old)}/1"],
        "login": [f"{utc(old + 1)}/3"],
        "saml": [],
        "token": [f"{utc(old)}/-2"],
        "user_accounts": [],
    }
    fake.tokens["ya29.test"] = clock.now() + 60
    with httpx.Client(transport=SyncASGITransport(fake.app)) as client:
        params = {"startTime": utc(old - 60), "endTime": utc(clock.now() - 60)}
        answer = client.get(LIST + "reports", params=params, headers=_bearer())
    assert answer.status_code == 400 and "applicationName" in answer.text


def test_multi_valued_token_parameters_reach_the_normalizer_intact(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    old = clock.now() - 4 * 3600
    scopes = ("openid", "https://www.googleapis.com/auth/drive.readonly")
    fake.add(token_activity(utc(old), "-6709442587437772138", scopes=scopes))
    fake.add(token_activity(utc(old + 5), "42", "revoke", app_name="Board Web"))
    (first, second) = records(drain(poller(tmp_path, fake, key, "token", since=utc(old - 60))))
    parameters = {p["name"]: p for p in first.raw["events"][0]["parameters"]}  # type: ignore[index]
    assert parameters["scope"]["multiValue"] == list(scopes)
    nested = [
        entry["parameter"][0]["value"] for entry in parameters["scope_data"]["multiMessageValue"]
    ]
    assert nested == list(scopes)
    (authorize,) = normalize(first)
    (revoke,) = normalize(second)
    assert (authorize.action, authorize.success) == (IdpAction.SESSION, True)
    assert (authorize.user_id, authorize.app_ref) == ("leaver@example.com", "Acme Desktop")
    assert authorize.detail == "NATIVE_DESKTOP"  # client_type; no multi value leaks into facts
    assert (revoke.action, revoke.app_ref, revoke.detail) == (
        IdpAction.OTHER,
        "Board Web",
        "revoke",
    )


def _bearer() -> dict[str, str]:
    return {"Authorization": "Bearer ya29.test"}


def test_a_page_token_is_refused_with_any_other_query(fake: FakeGoogle, clock: FakeClock) -> None:
    fake.add(*(activity(utc(clock.now() - 900 - i), str(i)) for i in range(4)))
    fake.tokens["ya29.test"] = clock.now() + 60
    query = {"startTime": utc(clock.now() - 3600), "endTime": utc(clock.now() - 600)}
    query["maxResults"] = "2"
    with httpx.Client(transport=SyncASGITransport(fake.app)) as client:
        first = client.get(LIST + "admin", params=query, headers=_bearer()).json()
        token = {"pageToken": first["nextPageToken"]}
        changed = [
            (LIST + "admin", {**query, "startTime": utc(clock.now() - 3500)}),
            (LIST + "admin", {**query, "endTime": utc(clock.now() - 500)}),
            (LIST + "admin", {**query, "maxResults": "3"}),
            (LIST + "login", query),
        ]
        for url, params in changed:
            refused = client.get(url, params={**params, **token}, headers=_bearer())
            assert refused.status_code == 400 and "Invalid page token" in refused.text
        second = client.get(LIST + "admin", params={**query, **token}, headers=_bearer())
    assert second.status_code == 200 and len(second.json()["items"]) == 2


def test_a_refused_page_token_reads_the_window_again_from_its_first_page(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    fake.add(*(activity(utc(clock.now() - 700 - 100 * i), str(i)) for i in range(7)))
    collector = poller(tmp_path, fake, key, "admin", max_results=3)
    fake.fail_next += ["", "invalid_page_token"]  # the token has gone stale, say
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "bad_request"
    collector.restore(None)  # what the supervisor does after a failure
    (batch,) = drain(collector)
    assert sorted(keys([batch])) == sorted(
        f"{utc(clock.now() - 700 - 100 * i)}/{i}" for i in range(7)
    )
    assert "pageToken" not in fake.seen_queries[2]  # not the refused token: page one again


def test_a_rate_limited_window_is_not_resumed_once_the_checkpoint_moved(
    fake: FakeGoogle, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    times = [clock.now() - 700 - 100 * i for i in range(7)]
    fake.add(*(activity(utc(t), str(i)) for i, t in enumerate(times)))
    collector = poller(tmp_path, fake, key, "admin", max_results=3)
    fake.fail_next += ["", "429"]
    with pytest.raises(CollectorError):
        collector.poll()
    moved = clock.now() - 900  # another position than the window was read from
    collector.restore({"end": utc(moved)})
    clock.advance(collector.wait_hint() or 0)  # type: ignore[attr-defined]
    (batch,) = drain(collector)  # a fresh window, so no page token from the old one
    start = moved - 300  # the overlap
    assert fake.seen_queries[2]["startTime"] == utc(start)
    assert "pageToken" not in fake.seen_queries[2]
    assert sorted(keys([batch])) == sorted(
        f"{utc(t)}/{i}" for i, t in enumerate(times) if t >= start
    )
    assert len(keys([batch])) < len(times)  # the window really moved


@pytest.mark.parametrize(("application", "lag"), [("admin", 600), ("login", 3600), ("saml", 3600)])
def test_windows_end_each_applications_default_lag_behind_now(
    fake: FakeGoogle,
    clock: FakeClock,
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    application: str,
    lag: int,
) -> None:
    since = {"since": utc(clock.now() - 7200)}
    drain(poller(tmp_path, fake, key, application, **since))
    assert fake.seen_queries[0]["endTime"] == utc(clock.now() - lag)
    fake.seen_queries.clear()
    drain(poller(tmp_path, fake, key, application, lag_seconds=60, **since))  # configured wins
    assert fake.seen_queries[0]["endTime"] == utc(clock.now() - 60)
