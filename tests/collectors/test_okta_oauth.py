"""Okta polling with an OAuth Service app (client credentials, private_key_jwt), fake org."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_okta import WINDOW, FakeOkta, SyncASGITransport, event, utc

from collectors import CollectorError, okta_system_log
from collectors.base import BuildContext, Collector
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.config_errors import ConfigError
from monitor.events import IdpRecord
from monitor.secret import SecretError

ORG = "https://acme.okta.com"
CLIENT = "0oaSERVICEAPP"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)  # throwaway


def pem(key: rsa.RSAPrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return raw.decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def fake(clock: FakeClock, key: rsa.RSAPrivateKey) -> FakeOkta:
    return FakeOkta(clock=clock, token="unused-ssws", public_key=key.public_key(), client_id=CLIENT)


def poller(
    tmp_path: Path, clock: FakeClock, fake: FakeOkta, key_pem: str, **options: Any
) -> Collector:
    (tmp_path / "okta.pem").write_text(key_pem)
    config = okta_system_log.Config.model_validate(
        {
            "type": "okta_system_log",
            "url": ORG,
            "client_id": CLIENT,
            "private_key_file": "okta.pem",
            "poll_interval_seconds": 0,  # every poll asks
            **options,
        }
    )
    context = BuildContext(clock=clock, transport=SyncASGITransport(fake.app))
    collector = okta_system_log.KIND.make(config, name="okta", base_dir=tmp_path, context=context)
    collector.restore(None)
    return collector


def add(fake: FakeOkta, clock: FakeClock, start: int, count: int) -> None:
    fake.add(*(event(f"e{i}", utc(clock.now() - 600 + i)) for i in range(start, start + count)))


def drain(collector: Collector) -> list[str]:
    keys: list[str] = []
    while (batch := collector.poll()) is not None:
        keys += [r.key for r in batch.records if isinstance(r, IdpRecord)]
    return keys


def test_pages_with_a_bearer_token_from_a_signed_assertion(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    add(fake, clock, 0, 25)
    collector = poller(tmp_path, clock, fake, pem(key), key_id="kid-1", limit=10)
    assert drain(collector) == [f"e{i}" for i in range(25)]
    assert len(fake.bearer) == 1 and len(fake.seen_urls) == 3  # one token for all three pages
    assert {auth.split()[0] for auth in fake.seen_auth} == {"Bearer"}
    [assertion] = fake.seen_assertions
    claims = assertion["claims"]
    assert assertion["header"]["alg"] == "RS256" and assertion["header"]["kid"] == "kid-1"
    assert claims["iss"] == claims["sub"] == CLIENT
    assert claims["aud"] == f"{ORG}/oauth2/v1/token"
    assert claims["iat"] == int(clock.now()) and claims["exp"] - claims["iat"] <= 300


def test_the_token_is_cached_across_polls_and_renewed_before_expiry(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, fake, pem(key))
    for i in range(3):
        add(fake, clock, i, 1)
        assert drain(collector) == [f"e{i}"]
        clock.advance(600)
    assert len(fake.bearer) == 1  # 3 polls over 20 minutes, one token
    clock.advance(3300 - 1800)  # now 5 minutes before expires_in: renew
    add(fake, clock, 3, 1)
    assert drain(collector) == ["e3"]
    assert len(fake.bearer) == 2 and "kid" not in fake.seen_assertions[-1]["header"]
    assert len({a["claims"]["jti"] for a in fake.seen_assertions}) == 2


def test_a_rejected_token_is_dropped_and_fetched_again(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, fake, pem(key))
    add(fake, clock, 0, 1)
    assert drain(collector) == ["e0"]
    fake.bearer.clear()  # revoked at the org
    add(fake, clock, 1, 1)
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "auth"
    assert drain(collector) == ["e1"] and len(fake.bearer) == 1


def test_a_wrong_key_is_an_auth_error_that_leaks_nothing(
    fake: FakeOkta,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    other = pem(new_key())
    collector = poller(tmp_path, clock, fake, other)
    add(fake, clock, 0, 1)
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == "auth"
    assert str(caught.value) == "okta: token: HTTP 401 invalid_client"  # no error_description
    assert fake.seen_urls == []  # no log request without a token
    seen = [str(caught.value), repr(caught.value), repr(collector), caplog.text]
    secrets = [line for line in other.splitlines() if "PRIVATE KEY" not in line]
    assert all(line not in text for line in secrets for text in seen)


def test_tokens_and_key_never_appear_in_errors_logs_or_checkpoints(
    fake: FakeOkta,
    clock: FakeClock,
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.rate_limit = 2
    add(fake, clock, 0, 5)
    collector = poller(tmp_path, clock, fake, pem(key), limit=1)
    seen: list[str] = [repr(collector)]
    fake.fail_next += ["500", "bad_page", "concurrent"]
    for step in range(12):
        if step == 6:
            fake.bearer.clear()
        try:
            batch = collector.poll()
            seen.append(json.dumps(batch.checkpoint) if batch else "")
        except CollectorError as err:
            seen += [str(err), repr(err), repr(err.__cause__), repr(err.__context__)]
        clock.advance(collector.wait_hint() or 1.0)  # type: ignore[attr-defined]
    secrets = [line for line in pem(key).splitlines() if "PRIVATE KEY" not in line]
    secrets += [auth.split()[1] for auth in fake.seen_auth]  # every bearer token sent
    assert len(secrets) > 20 and fake.seen_assertions
    assert all(secret not in text for secret in secrets for text in [*seen, caplog.text])


@pytest.mark.parametrize(
    ("fault", "reason"), [("500", "server_error"), ("503", "server_error"), ("429", "rate_limited")]
)
def test_a_failing_token_endpoint_is_the_orgs_trouble_not_an_auth_error(
    fault: str,
    reason: str,
    fake: FakeOkta,
    clock: FakeClock,
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
) -> None:
    collector = poller(tmp_path, clock, fake, pem(key))
    add(fake, clock, 0, 2)
    fake.token_fail_next.append(fault)
    with pytest.raises(CollectorError) as caught:
        collector.poll()
    assert caught.value.reason == reason
    assert str(caught.value) == f"okta: token: HTTP {fault}"
    assert fake.seen_urls == [] and not fake.bearer  # no log request without a token
    clock.advance(collector.wait_hint() or 0.0)  # type: ignore[attr-defined]
    assert drain(collector) == ["e0", "e1"]  # the next poll asks again, and gets one


def test_a_throttled_token_endpoint_is_asked_again_only_after_its_reset(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    collector = poller(tmp_path, clock, fake, pem(key))
    add(fake, clock, 0, 2)
    clock.advance(WINDOW - clock.now() % WINDOW + 10.0)  # 10 s into a window: 50 s to its reset
    fake.token_fail_next.append("429")
    with pytest.raises(CollectorError, match="token: HTTP 429"):
        collector.poll()
    assert collector.wait_hint() == pytest.approx(50.0)  # type: ignore[attr-defined]
    asked = fake.token_requests
    clock.advance(49.0)
    assert collector.poll() is None  # the window has not reset: no request at all
    assert fake.token_requests == asked and fake.seen_urls == []
    clock.advance(1.0)
    assert drain(collector) == ["e0", "e1"]
    assert fake.token_requests == asked + 1


@pytest.mark.parametrize("content", ["not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_a_bad_key_file_fails_the_build_naming_only_the_file(
    content: str, fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(SecretError) as caught:
        poller(tmp_path, clock, fake, content)
    message = str(caught.value)
    assert "okta.pem" in message and "AAAA" not in message and "not a key" not in message


def test_a_missing_key_file_is_a_secret_error(
    fake: FakeOkta, clock: FakeClock, tmp_path: Path
) -> None:
    config = okta_system_log.Config.model_validate(
        {"type": "okta_system_log", "url": ORG, "client_id": CLIENT, "private_key_file": "x.pem"}
    )
    context = BuildContext(clock=clock, transport=SyncASGITransport(fake.app))
    with pytest.raises(SecretError, match="source okta: cannot read private_key_file"):
        okta_system_log.KIND.make(config, name="okta", base_dir=tmp_path, context=context)


CONFIG_ERRORS = {
    "url: 'https://acme.okta.com', client_id: c": "client_id and private_key_file must be",
    "url: 'https://acme.okta.com', private_key_file: k.pem": "client_id and private_key_file",
    "url: 'https://acme.okta.com', token_env: A, client_id: c, private_key_file: k": "one of",
    "url: 'https://acme.okta.com', token_env: A, key_id: k": "key_id applies only with client_id",
    "path: a.json, client_id: c": "client_id apply only with url, not with path",
    "url: 'https://acme.okta.com', client_id: 'a b', private_key_file: k": "should match",
}


@pytest.mark.parametrize("fields", CONFIG_ERRORS)
def test_oauth_config_errors_are_one_clear_line(fields: str, tmp_path: Path) -> None:
    text = f"apps: [{{name: hr}}]\nsources: [{{type: okta_system_log, {fields}}}]\n"
    with pytest.raises(ConfigError) as caught:
        parse(text, source="x.yaml", base_dir=tmp_path)
    assert len(caught.value.problems) == 1
    assert "\n" not in caught.value.problems[0]
    assert CONFIG_ERRORS[fields] in caught.value.problems[0]
