"""Notifier test kit: alerts and notifications, real fake servers, and one harness per notifier
type so the contract test can drive every entry of `NOTIFIERS` the same way."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_pagerduty import FakePagerDuty
from fakes.fake_slack import FakeSlack
from fakes.serve import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alerts.alert import Alert
from alerts.notifiers import Notification, Notifier, NotifyContext, kind_of
from monitor.clock import FakeClock

SLACK_TOKEN = "xoxb-0000-s3cr3t-slack-token-do-not-leak"
PD_KEY = "R0UTINGKEYs3cr3t0000000000000000"
WEBHOOK_SECRET_PATH = "/services/T0000/B0000/s3cr3tWebhookPathDoNotLeak"
HOOK_PATH = "/hook/s3cr3t-hook-path"
HOOK_TOKEN = "bearer-s3cr3t-do-not-leak"


def alert(
    name: str = "ScimAuthFailing", *, resolved_at: float | None = None, **extra: str
) -> Alert:
    """An alert with the catalog's usual labels; keyword args become annotations."""
    labels = {"alertname": name, "severity": extra.pop("severity", "critical"), "app": "acme"}
    labels["idp"] = extra.pop("idp", "okta")
    if "user" in extra:
        labels["user"] = extra.pop("user")
    notes = {"summary": f"{name} for acme", **extra}
    return Alert(labels=labels, annotations=notes, starts_at=1_767_225_000.0, ends_at=resolved_at)


def notification(
    *firing: Alert,
    resolved: tuple[Alert, ...] = (),
    id: str = "n-1",
    new: frozenset[str] | None = None,
    thread: Mapping[str, str] | None = None,
    group_key: str = '{}:{alertname="ScimAuthFailing", app="acme"}',
) -> Notification:
    return Notification(
        id=id,
        receiver="team-identity",
        group_key=group_key,
        group_labels={"alertname": "ScimAuthFailing", "app": "acme"},
        firing=firing,
        resolved=resolved,
        new=frozenset(a.fingerprint for a in firing) if new is None else new,
        thread=thread or {},
        external_url="https://scimwatch.example.com/alerts",
        created_at=1_767_225_600.0,
    )


@dataclass
class FakeReceiver:
    """A generic webhook endpoint: checks the bearer token, records JSON bodies, can fail."""

    path: str
    token: str | None
    posts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    _fault: tuple[int, int | None] | None = None

    def fail(self, status: int, count: int | None = None, retry_after: int | None = None) -> None:
        self._fault = (status, retry_after)

    def recover(self) -> None:
        self._fault = None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{rest:path}", self._post, methods=["POST"])])

    async def _post(self, request: Request) -> Response:
        if self._fault is not None:
            status, wait = self._fault
            headers = {"Retry-After": str(wait)} if wait is not None else {}
            return JSONResponse({"error": "scripted"}, status, headers=headers)
        if request.url.path != self.path:
            return JSONResponse({"error": "not found"}, 404)
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "unauthorized"}, 401)
        self.posts.append(json.loads(await request.body()))
        self.headers.append(dict(request.headers))
        return JSONResponse({"status": "ok"})


@dataclass
class Harness:
    """One notifier type wired to its fake: `build(base)` points it at `base` (a server URL)."""

    type: str
    fake: Any
    secrets: tuple[str, ...]
    config: Callable[[str], tuple[dict[str, Any], dict[str, str]]]
    tmp_path: Path
    clock: FakeClock
    built: list[Any] = field(default_factory=list)

    def build(self, base: str, **options: Any) -> Notifier:
        raw, environ = self.config(base)
        kind = kind_of(self.type)
        config = kind.config.model_validate({**raw, **options})
        context = NotifyContext(clock=self.clock, base_dir=self.tmp_path, environ=environ)
        notifier = kind.build(config, context)
        self.built.append(notifier)
        return notifier

    def close(self) -> None:
        for notifier in self.built:
            notifier.close()


def _harness(type_name: str, tmp_path: Path, clock: FakeClock) -> Harness:
    if type_name == "slack":
        fake: Any = FakeSlack(clock=clock, token=SLACK_TOKEN)
        return Harness(
            type_name,
            fake,
            (SLACK_TOKEN,),
            lambda base: (
                {
                    "type": "slack",
                    "channel": "C0ALERTS",
                    "token_env": "SLACK_TOKEN",
                    "api_url": f"{base}/api/",
                },
                {"SLACK_TOKEN": SLACK_TOKEN},
            ),
            tmp_path,
            clock,
        )
    if type_name == "slack_webhook":
        fake = FakeSlack(clock=clock, token=SLACK_TOKEN, webhook_path=WEBHOOK_SECRET_PATH)
        return Harness(
            type_name,
            fake,
            (WEBHOOK_SECRET_PATH.rsplit("/", 1)[1],),
            lambda base: (
                {"type": "slack_webhook", "url_env": "SLACK_WEBHOOK_URL"},
                {"SLACK_WEBHOOK_URL": base + WEBHOOK_SECRET_PATH},
            ),
            tmp_path,
            clock,
        )
    if type_name == "pagerduty":
        (tmp_path / "pd.key").write_text(PD_KEY + "\n")
        return Harness(
            type_name,
            FakePagerDuty(routing_keys={PD_KEY}),
            (PD_KEY,),
            lambda base: (
                {"type": "pagerduty", "routing_key_file": "pd.key", "url": f"{base}/v2/enqueue"},
                {},
            ),
            tmp_path,
            clock,
        )
    if type_name == "webhook":
        return Harness(
            type_name,
            FakeReceiver(path=HOOK_PATH, token=HOOK_TOKEN),
            (HOOK_PATH.rsplit("/", 1)[1], HOOK_TOKEN),
            lambda base: (
                {"type": "webhook", "url_env": "HOOK_URL", "bearer_token_env": "HOOK_TOKEN"},
                {"HOOK_URL": base + HOOK_PATH, "HOOK_TOKEN": HOOK_TOKEN},
            ),
            tmp_path,
            clock,
        )
    raise LookupError(f"no test harness for notifier type {type_name!r}: add one in conftest")


class _Switch:
    """An ASGI app forwarding to the current test's fake: one server serves the whole session."""

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.target(scope, receive, send)


@pytest.fixture(scope="session")
def _server() -> Iterator[tuple[_Switch, str]]:
    switch = _Switch()
    with serve(switch) as base:
        yield switch, base


@pytest.fixture
def harness_for(
    tmp_path: Path, clock: FakeClock, _server: tuple[_Switch, str]
) -> Iterator[Callable[[str], tuple[Harness, str]]]:
    """`harness_for(type)` -> (harness, base URL of the real server now serving its fake)."""
    switch, base = _server
    made: list[Harness] = []

    def make(type_name: str) -> tuple[Harness, str]:
        harness = _harness(type_name, tmp_path, clock)
        switch.target = harness.fake.app()
        made.append(harness)
        return harness, base

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL nothing listens on: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Kit:
    """The builders and secrets above, for test modules (they reach them through `kit`)."""

    alert = staticmethod(alert)
    notification = staticmethod(notification)
    SLACK_TOKEN = SLACK_TOKEN
    PD_KEY = PD_KEY
    HOOK_TOKEN = HOOK_TOKEN


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
