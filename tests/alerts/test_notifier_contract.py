"""The contract every entry of `NOTIFIERS` keeps, driven against its real fake server:

- the config model is strict (unknown keys rejected, frozen) and builds from a minimal config;
- a firing notification is delivered and returns string thread state;
- every HTTP answer maps to the same `Reason` and recoverability (Alertmanager's retry rules:
  5xx and 429 are worth retrying, other 4xx are not), `Retry-After` is surfaced, a refused
  connection is a recoverable `network` error;
- no error text ever contains a secret (token, routing key, secret URL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from alerts.notifiers import NOTIFIERS, NotifyError, Reason

TYPES = [kind.type for kind in NOTIFIERS]
Harness = Any  # conftest.Harness: conftest modules are not importable under importlib mode
Kit = Any
MakeHarness = Callable[[str], tuple[Harness, str]]

# status -> (reason, recoverable); 200 means delivered.
TABLE = {
    200: None,
    400: (Reason.CLIENT_ERROR, False),
    401: (Reason.AUTH_ERROR, False),
    403: (Reason.AUTH_ERROR, False),
    404: (Reason.CLIENT_ERROR, False),
    429: (Reason.RATE_LIMITED, True),
    500: (Reason.SERVER_ERROR, True),
    502: (Reason.SERVER_ERROR, True),
    503: (Reason.SERVER_ERROR, True),
}


def _no_secret(err: NotifyError, harness: Harness) -> None:
    text = f"{err} {err!r} {err.args!r}"
    for secret in harness.secrets:
        assert secret not in text
    assert isinstance(err.reason, Reason)


def test_registry_types_are_unique_and_named_like_their_config() -> None:
    assert len(TYPES) == len(set(TYPES)) >= 4
    for kind in NOTIFIERS:
        assert kind.config.model_fields["type"].annotation.__args__ == (kind.type,)  # type: ignore[union-attr]


@pytest.mark.parametrize("type_name", TYPES)
def test_config_is_strict_and_frozen(type_name: str, harness_for: MakeHarness) -> None:
    harness, base = harness_for(type_name)
    raw, _ = harness.config(base)
    kind = next(k for k in NOTIFIERS if k.type == type_name)
    config = kind.config.model_validate(raw)
    with pytest.raises(ValidationError):
        kind.config.model_validate({**raw, "sned_resolved": True})
    with pytest.raises(ValidationError):
        kind.config.model_validate({**raw, "type": "something_else"})
    with pytest.raises(ValidationError):
        config.send_resolved = False  # type: ignore[misc]


@pytest.mark.parametrize("type_name", TYPES)
def test_builds_and_delivers(type_name: str, harness_for: MakeHarness, kit: Kit) -> None:
    harness, base = harness_for(type_name)
    notifier = harness.build(base)
    assert isinstance(notifier.send_resolved, bool)
    state = notifier.notify(kit.notification(kit.alert()))
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in state.items())


@pytest.mark.parametrize("status", sorted(TABLE))
@pytest.mark.parametrize("type_name", TYPES)
def test_status_maps_to_reason(
    type_name: str, status: int, harness_for: MakeHarness, kit: Kit
) -> None:
    harness, base = harness_for(type_name)
    notifier = harness.build(base)
    if status != 200:
        harness.fake.fail(status, retry_after=7 if status in (429, 503) else None)
    expected = TABLE[status]
    if expected is None:
        notifier.notify(kit.notification(kit.alert()))
        return
    with pytest.raises(NotifyError) as caught:
        notifier.notify(kit.notification(kit.alert()))
    err = caught.value
    assert (err.reason, err.recoverable) == expected
    if status in (429, 503):
        assert err.retry_after == 7
    _no_secret(err, harness)


@pytest.mark.parametrize("type_name", TYPES)
def test_refused_connection_is_a_recoverable_network_error(
    type_name: str, harness_for: MakeHarness, closed_port_url: str, kit: Kit
) -> None:
    harness, _ = harness_for(type_name)
    notifier = harness.build(closed_port_url)
    with pytest.raises(NotifyError) as caught:
        notifier.notify(kit.notification(kit.alert()))
    assert (caught.value.reason, caught.value.recoverable) == (Reason.NETWORK, True)
    _no_secret(caught.value, harness)


@pytest.mark.parametrize("type_name", TYPES)
def test_recovers_after_an_outage(type_name: str, harness_for: MakeHarness, kit: Kit) -> None:
    harness, base = harness_for(type_name)
    notifier = harness.build(base)
    harness.fake.fail(500)
    with pytest.raises(NotifyError):
        notifier.notify(kit.notification(kit.alert()))
    harness.fake.recover()
    notifier.notify(kit.notification(kit.alert()))


@pytest.mark.parametrize("type_name", TYPES)
def test_missing_secret_fails_at_build_without_revealing_anything(
    type_name: str, harness_for: MakeHarness
) -> None:
    harness, base = harness_for(type_name)
    raw, _ = harness.config(base)
    harness.config = lambda _base: (raw, {})
    (harness.tmp_path / "pd.key").unlink(missing_ok=True)
    with pytest.raises(ValueError) as caught:
        harness.build(base)
    for secret in harness.secrets:
        assert secret not in str(caught.value)
