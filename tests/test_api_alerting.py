"""GET /api/v1/alerts, the silences API and the `scimwatch silence` / `routes test` CLI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.serve import serve
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from monitor.app import App
from monitor.cli import main
from monitor.clock import FakeClock
from monitor.config import load
from monitor.replay import replay
from monitor.secret import Secret
from monitor.settings import Settings

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
TOKEN = "silence-s3cr3t-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, root, dirs_exist_ok=True)
    config = load(root / "scimwatch.yaml")
    settings = Settings(
        database_url=Secret(f"sqlite:///{root / 'state.db'}"), api_token=Secret(TOKEN)
    )
    clock = FakeClock(start=1_793_750_400.0)  # the midnight after the sample's last day
    app = App(settings=settings, config=config, clock=clock, registry=CollectorRegistry())
    replay(config, ingestor=app.ingestor)
    app.alerting.tick()
    yield app
    app.store.close()


@pytest.fixture(scope="module")
def client(app: App) -> TestClient:
    return TestClient(app.api)


def test_alerts_lists_what_the_sample_fires(client: TestClient) -> None:
    body = client.get("/api/v1/alerts").json()
    names = {item["labels"]["alertname"] for item in body["items"]}
    assert {
        "DigitalTwin",
        "SilentAttributeLoss",
        "RecreateChurn",
        "ActivityAfterDeprovision",
        "VendorQuirkRejected",
        "DeprovisionNotApplied",
        "DeprovisionOverdue",
    } <= names
    assert body["total"] == len(body["items"])
    item = body["items"][0]
    assert item["state"] == "active" and item["receivers"] == ["default"]
    assert item["annotations"]["summary"] and item["annotations"]["runbook_url"]


def test_silences_need_the_token_and_mute_matching_alerts(client: TestClient) -> None:
    body = {
        "matchers": ['alertname="DigitalTwin"'],
        "created_by": "oncall",
        "comment": "merging duplicates",
        "duration": 3600,
    }
    assert client.post("/api/v1/silences", json=body).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.post("/api/v1/silences", json=body, headers=auth)
    assert created.status_code == 201, created.text
    silence = created.json()
    assert silence["status"] == "active" and silence["ends_at"] - silence["starts_at"] == 3600
    twins = [
        i
        for i in client.get("/api/v1/alerts").json()["items"]
        if i["labels"]["alertname"] == "DigitalTwin"
    ]
    assert twins and all(i["state"] == "suppressed" for i in twins)
    assert all(i["silenced_by"] == [silence["id"]] for i in twins)
    assert client.delete(f"/api/v1/silences/{silence['id']}").status_code == 401
    assert client.delete(f"/api/v1/silences/{silence['id']}", headers=auth).status_code == 200
    assert client.delete(f"/api/v1/silences/{silence['id']}", headers=auth).status_code == 404
    listed = client.get("/api/v1/silences").json()["items"]
    assert [s["status"] for s in listed if s["id"] == silence["id"]] == ["expired"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"matchers": ["app"], "duration": 60}, "bad matcher"),
        ({"matchers": ["app=x"]}, "end time"),
        ({"matchers": ["app=x"], "duration": 60, "ends_at": 1e10}, "not both"),
    ],
)
def test_bad_silences_get_400_with_the_reason(
    client: TestClient, body: dict[str, object], message: str
) -> None:
    full = {"created_by": "me", "comment": "why", **body}
    answer = client.post(
        "/api/v1/silences", json=full, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 400
    assert message in answer.json()["detail"]


def test_cli_adds_lists_and_expires_silences(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIMWATCH_API_TOKEN", TOKEN)
    runner = CliRunner()
    with serve(app.api) as url:
        added = runner.invoke(
            main,
            [
                "silence",
                "add",
                "app=crm",
                'alertname=~"Digital.*"',
                "-c",
                "migration",
                "-a",
                "me",
                "--until-resolved",
                "--url",
                url,
            ],
        )
        assert added.exit_code == 0, added.output
        silence_id = added.output.strip()
        listed = runner.invoke(main, ["silence", "list", "--url", url])
        assert silence_id in listed.output and "until resolved" in listed.output
        assert 'alertname=~"Digital.*"' in listed.output
        expired = runner.invoke(main, ["silence", "expire", silence_id, "--url", url])
        assert expired.exit_code == 0 and "expired" in expired.output
        assert silence_id not in runner.invoke(main, ["silence", "list", "--url", url]).output
        again = runner.invoke(main, ["silence", "expire", silence_id, "--url", url])
        assert again.exit_code == 1 and "404" in again.output
    down = runner.invoke(main, ["silence", "list", "--url", url])
    assert down.exit_code == 2 and "cannot reach" in down.output


def test_routes_test_prints_the_receivers(tmp_path: Path) -> None:
    config = tmp_path / "scimwatch.yaml"
    config.write_text(
        """
apps: [{name: crm}]
alerting:
  route:
    receiver: chat
    routes:
      - {matchers: ['severity="critical"'], receiver: pager, continue: true}
      - {matchers: ['app="crm"'], receiver: crm-team}
  receivers: [{name: chat}, {name: pager}, {name: crm-team}]
"""
    )
    runner = CliRunner()
    args = ["routes", "test", "-c", str(config), "-l"]
    critical = runner.invoke(main, [*args, "alertname=ScimAuthFailing severity=critical app=crm"])
    assert critical.output.split() == ["pager", "crm-team"]
    other = runner.invoke(main, [*args, "alertname=CollectorDown", "-l", "severity=warning"])
    assert other.output.split() == ["chat"]
    bad = runner.invoke(main, [*args, "severity"])
    assert bad.exit_code == 2 and "expected name=value" in bad.output


def test_status_page_leads_with_firing_alerts(client: TestClient) -> None:
    page = client.get("/").text
    alerts_at = page.index("Alerts firing")
    assert alerts_at < page.index("Deprovisions pending")
    first_row = page[alerts_at:].split("<tr>")[2]
    assert "critical" in first_row  # critical first
    assert "ActivityAfterDeprovision" in page[alerts_at:] and "DigitalTwin" in page[alerts_at:]
