"""Alerting end to end: the sample replayed through the daemon's pipeline, delivered to a fake
Slack Web API (the real slack-sdk pointed at it) and a fake PagerDuty, on a fake clock."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakes.fake_pagerduty import FakePagerDuty
from fakes.fake_slack import FakeSlack
from fakes.serve import serve
from prometheus_client import CollectorRegistry

from alerts.catalog import CATALOG
from alerts.config import Thresholds
from collectors.base import Batch
from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import Config, load
from monitor.events import ScimRequest
from monitor.replay import replay
from monitor.secret import Secret
from monitor.settings import Settings

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
SLACK_TOKEN = "xoxb-e2e-s3cr3t"
PD_KEY = "e2e0routing0key0s3cr3t0000000000"
PAGED = ("ActivityAfterDeprovision", "DeprovisionOverdue")
ALERT_OF = {rule.finding: rule.name for rule in CATALOG if rule.finding}
REPORTED = (*ALERT_OF.values(), "DeprovisionOverdue")  # alerts the replay report accounts for
START = 1_793_750_400.0  # the midnight after the sample's last day (2026-11-04T00:00Z)
QUIET = Thresholds().activity_quiet_for  # then ActivityAfterDeprovision resolves


@dataclass
class World:
    root: Path
    slack: FakeSlack
    pagerduty: FakePagerDuty
    slack_url: str
    pd_url: str


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    shutil.copytree(SAMPLE, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("E2E_SLACK_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("E2E_PD_KEY", PD_KEY)
    clock = FakeClock()
    slack = FakeSlack(clock=clock, token=SLACK_TOKEN)
    pagerduty = FakePagerDuty(routing_keys={PD_KEY})
    with serve(slack.app()) as slack_url, serve(pagerduty.app()) as pd_url:
        yield World(tmp_path, slack, pagerduty, slack_url, pd_url)


def alerting_config(world: World, **timers: str) -> dict[str, Any]:
    return {
        "external_url": "https://scimwatch.example/",
        "route": {
            "receiver": "chat",
            "group_wait": timers.get("group_wait", "30s"),
            "group_interval": timers.get("group_interval", "5m"),
            "routes": [
                {"matchers": [f'alertname!~"{"|".join(REPORTED)}"'], "receiver": "ops"},
                {
                    "matchers": [f'alertname=~"{"|".join(PAGED)}"'],
                    "receiver": "pager",
                    "continue": True,
                },
                {"matchers": ['alertname=~".+"'], "receiver": "chat"},
            ],
        },
        "receivers": [
            {"name": "ops"},  # health alerts: not what this test is about
            {
                "name": "chat",
                "notifiers": [
                    {
                        "type": "slack",
                        "channel": "C0ALERTS",
                        "token_env": "E2E_SLACK_TOKEN",
                        "api_url": world.slack_url + "/api/",
                    }
                ],
            },
            {
                "name": "pager",
                "notifiers": [
                    {
                        "type": "pagerduty",
                        "routing_key_env": "E2E_PD_KEY",
                        "url": world.pd_url + "/v2/enqueue",
                    }
                ],
            },
        ],
        "retry_max_interval": "1m",
    }


def write_config(world: World, **timers: str) -> Config:
    path = world.root / "scimwatch.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["alerting"] = alerting_config(world, **timers)
    path.write_text(yaml.safe_dump(doc))
    return load(path)


def make_app(world: World, config: Config, clock: FakeClock) -> App:
    settings = Settings(database_url=Secret(f"sqlite:///{world.root / 'state.db'}"))
    return App(settings=settings, config=config, clock=clock, registry=CollectorRegistry())


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def firing(finding: dict[str, Any], now: float) -> bool:
    """An open finding fires; activity after a deprovision only until a day without any."""
    if finding["status"] != "open":
        return False
    recent = now - _seconds(finding["last_at"]) < QUIET
    return finding["type"] != "activity_after_deprovision" or recent


def expected_groups(report: dict[str, Any], now: float) -> Counter[tuple[str, str]]:
    """(alertname, app) -> how many alerts at `now`, from the report alone."""
    groups: Counter[tuple[str, str]] = Counter()
    for finding in report["findings"]:
        if firing(finding, now):
            groups[(ALERT_OF[finding["type"]], finding.get("app") or "")] += 1
    for item in report["deprovisions"]:
        if item["status"] == "pending" and item["overdue"]:
            groups[("DeprovisionOverdue", item["app"])] += 1
    return groups


def group_of(message: dict[str, Any]) -> tuple[str, str]:
    key = message["metadata"]["event_payload"]["group_key"]
    labels = dict(part.split("=", 1) for part in key.split("{", 1)[1].rstrip("}").split(","))
    return labels["alertname"].strip("'"), labels.get("app", "''").strip("'")


def test_sample_sends_one_message_per_group_then_updates_and_resolves(world: World) -> None:
    config = write_config(world)
    clock = FakeClock(start=START)
    world.slack.clock = clock
    app = make_app(world, config, clock)
    replay(config, ingestor=app.ingestor)
    report = app.report()
    app.alerting.tick()
    assert world.slack.calls_to("chat.postMessage") == []  # group_wait
    clock.advance(30)
    app.alerting.tick()

    expected = expected_groups(report, clock.now())
    assert {name for name, _ in expected} >= set(PAGED)
    messages = world.slack.top_level("C0ALERTS")
    check_first_messages(messages, report, expected, clock.now())
    paged = {g for g in expected if g[0] in PAGED}
    assert len(world.pagerduty.incidents) == len(paged) > 0
    assert {(i.triggers, i.resolved) for i in world.pagerduty.incidents.values()} == {(1, 0)}

    # Nothing changes: no more messages, however often the pipeline runs.
    for _ in range(6):
        clock.advance(300)
        app.alerting.tick()
    assert len(world.slack.calls_to("chat.postMessage")) == len(messages)
    assert world.slack.calls_to("chat.update") == []

    # The overdue deprovisions are finally applied: their messages and incidents resolve.
    overdue = [d for d in report["deprovisions"] if d["status"] == "pending" and d["overdue"]]
    assert overdue, "the sample has overdue deprovisions"
    apply_deprovisions(app, overdue, clock.now())
    clock.advance(300)
    app.alerting.tick()
    after = expected_groups(app.report(), clock.now())
    changed = {g for g in expected | after if expected[g] != after[g]}
    assert {("DeprovisionOverdue", d["app"]) for d in overdue} <= changed
    updates = world.slack.calls_to("chat.update")
    assert {group_of(world.slack.messages["C0ALERTS"][u.args["ts"]]) for u in updates} == changed
    incidents = world.pagerduty.incidents.values()
    assert sorted((i.triggers, i.resolved) for i in incidents) == sorted(
        (1, 1 if name == "DeprovisionOverdue" else 0) for name, _ in paged
    )
    assert len(world.slack.calls_to("chat.postMessage")) == len(messages)  # edited, not re-posted

    # The sessions were revoked: no activity after a deprovision for a day. Those alerts
    # resolve, and with them the last open incidents: every incident paged once, resolved once.
    clock.advance(QUIET)
    app.alerting.tick()
    quiet = expected_groups(app.report(), clock.now())
    assert not {g for g in quiet if g[0] == "ActivityAfterDeprovision"}
    assert len(world.pagerduty.incidents) == len(paged)
    incidents = world.pagerduty.incidents.values()
    assert [(i.opened, i.triggers, i.resolved) for i in incidents] == [(1, 1, 1)] * len(paged)
    assert not any(i.open for i in incidents)
    for message in world.slack.top_level("C0ALERTS"):
        header = message["blocks"][0]["text"]["text"]
        resolved = quiet[group_of(message)] == 0
        assert header.startswith(":white_check_mark: [RESOLVED]") == resolved, header
    assert len(world.slack.calls_to("chat.postMessage")) == len(messages)
    app.alerting.close()
    app.store.close()


def check_first_messages(
    messages: list[dict[str, Any]],
    report: dict[str, Any],
    expected: Counter[tuple[str, str]],
    now: float,
) -> None:
    """One message per expected group, counting its alerts and naming each one's subject."""
    shown = Counter(group_of(m) for m in messages)
    assert set(shown) == set(expected) and set(shown.values()) == {1}
    for message in messages:
        text = json.dumps(message["blocks"])
        name, app_name = group_of(message)
        assert f"[FIRING:{expected[(name, app_name)]}]" in text
        if expected[(name, app_name)] > 20:
            continue  # a message lists 20 alerts and counts the rest
        for finding in report["findings"]:
            if not firing(finding, now):
                continue
            if (ALERT_OF[finding["type"]], finding.get("app") or "") == (name, app_name):
                key = next(
                    finding[f]
                    for f in ("user_name", "sp_id", "new_sp_id", "quirk")
                    if finding.get(f)
                )
                assert str(key) in text, (name, app_name, key)


def apply_deprovisions(app: App, overdue: list[dict[str, Any]], now: float) -> None:
    """The apps finally delete the accounts: successful SCIM DELETEs arrive in their logs."""
    for spec in app.config.sources:
        records = [
            ScimRequest(ts=now, method="DELETE", path=f"/scim/v2/Users/{d['sp_id']}", status=204)
            for d in overdue
            if d["app"] == spec.app and d["sp_id"] and spec.kind.type == "scim_log"
        ]
        if records:
            app.ingestor.ingest(spec, Batch(records=records, checkpoint={}, units=len(records)))


def test_slack_outage_and_restart_deliver_every_group_exactly_once(world: World) -> None:
    config = write_config(world, group_wait="0s", group_interval="1m")
    clock = FakeClock(start=START)
    world.slack.clock = clock
    app = make_app(world, config, clock)
    replay(config, ingestor=app.ingestor)
    expected = expected_groups(app.report(), clock.now())
    assert {name for name, _ in expected} >= set(PAGED)
    world.slack.fail(500)
    for _ in range(5):
        app.alerting.tick()
        clock.advance(60)
    assert world.slack.top_level("C0ALERTS") == []
    tried = len(world.slack.calls)
    assert tried > 0

    # The daemon dies mid-outage; a new one starts on the same database (after the old lease).
    app.alerting.close()
    app.store.close()
    clock.advance(120)
    app = make_app(world, config, clock)
    world.slack.fail(429, retry_after=30)
    for _ in range(3):
        app.alerting.tick()
        clock.advance(10)
    world.slack.recover()
    for _ in range(20):
        app.alerting.tick()
        clock.advance(60)
    posts = world.slack.top_level("C0ALERTS")
    delivered = Counter(group_of(m) for m in posts)
    assert set(delivered) == set(expected) and set(delivered.values()) == {1}
    assert world.slack.calls_to("chat.update") == []  # nothing changed meanwhile
    assert len(world.pagerduty.incidents) == len({g for g in expected if g[0] in PAGED})
    assert {(i.triggers, i.resolved) for i in world.pagerduty.incidents.values()} == {(1, 0)}
    app.alerting.close()
    app.store.close()


def test_user_supplied_text_arrives_inert(world: World) -> None:
    config = write_config(world, group_wait="0s")
    clock = FakeClock(start=1_793_923_200.0)
    world.slack.clock = clock
    app = make_app(world, config, clock)
    evil = "<!channel> <https://evil.example|click> @here"
    spec = next(s for s in config.sources if s.app == "crm" and s.kind.type == "scim_log")
    records = [
        ScimRequest(
            ts=clock.now() - 60 + i,
            method="POST",
            path="/scim/v2/Users",
            status=201,
            request_body={"userName": evil, "active": True},
            response_body={"id": f"twin-{i}", "userName": evil, "active": True},
        )
        for i in range(2)
    ]
    app.ingestor.ingest(spec, Batch(records=records, checkpoint={}, units=2))
    app.alerting.tick()
    [message] = [m for m in world.slack.top_level("C0ALERTS") if group_of(m)[0] == "DigitalTwin"]
    raw = json.dumps(message)
    assert "&lt;!channel&gt;" in raw and "&lt;https://evil.example|click&gt;" in raw
    assert "<!channel>" not in raw and "<https://evil" not in raw
    assert "@here" not in raw  # a zero-width joiner after the @: looks the same, pings nobody
    assert "@\\u200dhere" in raw
    app.alerting.close()
    app.store.close()
