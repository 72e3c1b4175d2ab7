"""The demo's IdP audit logs: scimwatch replays them with the SCIM logs into deprovisions.

A few hours are written once per module: two quiet hours of history, then an hour at the live
pace so every IdP has leavers. The replay is the real CLI on the demo's own config.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.demo import DemoTraffic

START = 1_790_000_000.0
LIVE_FROM = START + 2 * 3600.0
END = LIVE_FROM + 3600.0
STAMP = {
    "okta_system_log": lambda r: r["published"],
    "entra_directory_audit": lambda r: r["activityDateTime"],
    "entra_provisioning_log": lambda r: r["activityDateTime"],
    "google_reports": lambda r: r["id"]["time"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("idp-demo")
    traffic = DemoTraffic(directory, start=START, live_from=LIVE_FROM)
    traffic.run_until(END)
    config = directory / "scimwatch.yaml"
    config.write_text(traffic.config_text())
    return directory, yaml.safe_load(config.read_text())


@pytest.fixture(scope="module")
def report(demo: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    directory = demo[0]
    out = directory / "report.json"
    config = str(directory / "scimwatch.yaml")
    args = ["replay", "--config", config, "--report", str(out), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def records(demo: tuple[Path, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    directory, config = demo
    (path,) = [s["path"] for s in config["sources"] if s["type"] == kind]
    return [json.loads(line) for line in (directory / path).read_text().splitlines()]


def test_replay_confirms_deprovisions_for_every_idp(
    demo: tuple[Path, dict[str, Any]], report: dict[str, Any]
) -> None:
    idp_of = {app["name"]: app["idp"] for app in demo[1]["apps"]}
    deprovisions = report["deprovisions"]
    assert report["rejected_lines"] == 0
    assert {idp_of[d["app"]] for d in deprovisions if d["requested_at"]} == {
        "okta",
        "entra",
        "google",
    }
    for idp in ("okta", "entra", "google"):
        mine = [d for d in deprovisions if idp_of[d["app"]] == idp and d["requested_at"]]
        confirmed = [d for d in mine if d["status"] == "confirmed"]
        assert len(confirmed) >= 0.7 * len(mine) and confirmed, idp
        assert all(d["lag_seconds"] > 0 for d in confirmed), idp
    assert any(d["overdue"] or d["status"] == "pending" for d in deprovisions)


def test_push_idps_confirm_in_seconds_and_stuck_disables_stay_pending(
    demo: tuple[Path, dict[str, Any]], report: dict[str, Any]
) -> None:
    idp_of = {app["name"]: app["idp"] for app in demo[1]["apps"]}
    okta = [d for d in report["deprovisions"] if idp_of[d["app"]] == "okta"]
    lags = sorted(d["lag_seconds"] for d in okta if d["status"] == "confirmed")
    assert lags[len(lags) // 2] < 120  # Okta pushes a deactivation within seconds
    waited = [
        seconds(report["now"]) - seconds(d["requested_at"])
        for d in report["deprovisions"]
        if d["status"] == "pending"
    ]
    assert max(waited) > 900  # held up or jammed, not only the last few minutes' leavers


def test_every_idp_file_is_in_event_time_order(demo: tuple[Path, dict[str, Any]]) -> None:
    for kind, stamp in STAMP.items():
        stamps = [stamp(r) for r in records(demo, kind)]
        assert stamps and stamps == sorted(stamps), kind


def test_records_carry_the_fields_scimwatch_correlates_on(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    apps = {app["name"]: app for app in demo[1]["apps"]}
    okta_apps = {a["okta_app_id"] for a in apps.values() if a["idp"] == "okta"}
    okta = records(demo, "okta_system_log")
    kinds = Counter(r["eventType"] for r in okta)
    assert {"user.lifecycle.create", "user.lifecycle.deactivate"} <= kinds.keys()
    assert {"application.user_membership.add", "application.provision.user.deactivate"} <= set(
        kinds
    )
    pushes = [r for r in okta if r["eventType"].startswith("application.provision.user.")]
    ok = [r for r in pushes if r["outcome"]["result"] == "SUCCESS"]
    assert all([t["type"] for t in r["target"]] == ["AppInstance", "User", "AppUser"] for r in ok)
    assert {r["target"][0]["id"] for r in pushes} == okta_apps

    audits = records(demo, "entra_directory_audit")
    updates = [r for r in audits if r["activityDisplayName"] == "Update user"]
    props = [p for r in updates for p in r["targetResources"][0]["modifiedProperties"]]
    assert props and {(p["oldValue"], p["newValue"]) for p in props} <= {
        ("[true]", "[false]"),
        ("[false]", "[true]"),
    }
    assert {"Add user", "Disable account"} <= {r["activityDisplayName"] for r in audits}

    entra_sps = {a["entra_service_principal_id"] for a in apps.values() if a["idp"] == "entra"}
    provisioning = records(demo, "entra_provisioning_log")
    assert {r["servicePrincipal"]["id"] for r in provisioning} == entra_sps
    assert {"create", "disable"} <= {r["provisioningAction"] for r in provisioning}
    created = [r for r in provisioning if r["provisioningAction"] == "create"]
    scim = "".join((demo[0] / f"scim/{name}.log").read_text() for name in apps)
    assert all(r["targetIdentity"]["id"] in scim for r in created[:50])

    google = Counter(e["name"] for r in records(demo, "google_reports") for e in r["events"])
    assert {"CREATE_USER", "SUSPEND_USER"} <= google.keys()
