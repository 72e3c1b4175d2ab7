"""The demo's day of history, replayed by scimwatch, shows every finding type of the contract,
and each finding is the mishap the demo staged, read back from the logs it wrote.

One day is simulated and replayed (the real CLI, the demo's own config) once per module. The
logs are read with plain json here, not with scimwatch's parser.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from contract_util import FINDING_TYPES
from demo_kit import replayed_demo

from monitor.demo import DEFAULT_APPS, DemoTraffic

DAY = 24 * 3600.0
TYPES = set(FINDING_TYPES)


@dataclass(frozen=True)
class Ex:
    """One SCIM exchange of an app's log (flat or ECS JSON), bodies decoded."""

    ts: float
    method: str
    path: str
    status: int
    request: Any
    response: Any


@dataclass
class Demo:
    traffic: DemoTraffic
    directory: Path
    report: dict[str, Any]

    def findings(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["type"] == kind]

    def exchanges(self, app: str) -> list[Ex]:
        text = (self.directory / f"scim/{app}.log").read_text(encoding="utf-8")
        return [_exchange(json.loads(line)) for line in text.splitlines()]

    def staged(self, kind: str) -> list[tuple[str, int]]:
        """(app, person key) of each incident of `kind` the demo staged."""
        return [(app, key) for _t, k, app, key in self.traffic.incidents.staged if k == kind]


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _body(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _exchange(d: dict[str, Any]) -> Ex:
    if "ts" in d:
        return Ex(
            seconds(d["ts"]),
            d["method"],
            d["path"],
            d["status"],
            _body(d.get("request_body")),
            _body(d.get("response_body")),
        )
    flat = d if "url.path" in d else _dotted(d)
    return Ex(
        seconds(flat["@timestamp"]),
        flat["http.request.method"],
        flat["url.path"],
        flat["http.response.status_code"],
        _body(flat.get("http.request.body.content")),
        _body(flat.get("http.response.body.content")),
    )


def _dotted(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict) and key != "headers":
            out |= _dotted(value, f"{prefix}{key}.")
        else:
            out[prefix + key] = value
    return out


def _app_with(mishap: str) -> str:
    (app,) = [a.name for a in DEFAULT_APPS if mishap in a.mishaps]
    return app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    directory = tmp_path_factory.mktemp("findings-demo")
    traffic, report = replayed_demo(directory, DAY)
    return Demo(traffic, directory, report)


def test_a_day_shows_every_finding_type_a_few_times_and_open(demo: Demo) -> None:
    findings = demo.report["findings"]
    counts = Counter(f["type"] for f in findings)
    assert set(counts) == TYPES, counts
    assert all(1 <= n <= 20 for n in counts.values()), counts  # a few a day, not hundreds
    assert {f["type"] for f in findings if f["status"] == "open"} == TYPES
    assert demo.report["rejected_lines"] == 0


def test_each_incident_was_staged_twice_in_the_history(demo: Demo) -> None:
    kinds = Counter(kind for _t, kind, _app, _key in demo.traffic.incidents.staged)
    assert kinds == dict.fromkeys(
        ("kept_token", "rename", "jit", "ignored_disable", "patch_as_put"), 2
    )


def test_twins_are_a_jit_account_beside_the_scim_one(demo: Demo) -> None:
    app = _app_with("jit_sign_in")
    twins = demo.findings("digital_twin")
    assert twins and {f["app"] for f in twins} == {app}
    exchanges = demo.exchanges(app)
    created = {x.response["id"]: x.response for x in exchanges if x.status == 201}
    listed = {
        r["id"]: r
        for x in exchanges
        if x.method == "GET" and isinstance(x.response, dict)
        for r in x.response.get("Resources", [])
    }
    people = demo.traffic.population.people
    jit_names = {people[key].nickname for _app, key in demo.staged("jit")}
    activity = (demo.directory / f"activity/{app}.log").read_text(encoding="utf-8")
    for twin in twins:
        scim_ids = [i for i in twin["sp_ids"] if i in created]
        jit_ids = [i for i in twin["sp_ids"] if i not in created]
        assert len(scim_ids) == len(jit_ids) == 1, twin
        jit, scim = listed[jit_ids[0]], created[scim_ids[0]]
        assert "externalId" not in jit and scim["externalId"]
        assert twin["user_name"] == jit["userName"] and jit["userName"] in jit_names
        assert jit["emails"][0]["value"] == scim["userName"]
        assert f'"user":"{jit["userName"]}","auth":"sso","action":"sign_in"' in activity


def test_silent_loss_is_the_release_that_handled_patch_as_put(demo: Demo) -> None:
    app = _app_with("patch_as_put")
    losses = demo.findings("silent_attribute_loss")
    assert losses and {f["app"] for f in losses} == {app}
    # This SP answers a PATCH with 204; only the buggy release answered 200, with what it left.
    answered = [x for x in demo.exchanges(app) if x.method == "PATCH" and x.status == 200]
    assert {f["sp_id"] for f in losses} == {x.path.rpartition("/")[2] for x in answered}
    assert all("emails" in f["lost_attributes"] for f in losses)
    assert all("emails" not in x.response and x.response["userName"] for x in answered)


def test_churn_is_an_okta_username_change_recreating_the_account(demo: Demo) -> None:
    app = _app_with("rename_recreates")
    churns = demo.findings("recreate_churn")
    assert churns and {f["app"] for f in churns} == {app}
    exchanges = demo.exchanges(app)
    people = demo.traffic.population.people
    renamed = {people[key].okta_id for _app, key in demo.staged("rename")}
    assert {f["external_id"] for f in churns} == renamed
    for churn in churns:
        old_id, new_id = churn["old_sp_id"], churn["new_sp_id"]
        (disable,) = [
            x
            for x in exchanges
            if x.method == "PUT" and x.path.endswith(old_id) and x.request["active"] is False
        ]
        (create,) = [x for x in exchanges if x.status == 201 and x.response["id"] == new_id]
        assert create.request["externalId"] == disable.request["externalId"]
        assert create.request["userName"] != disable.request["userName"]
        assert 0 < create.ts - disable.ts < 3600


def test_not_applied_is_the_sp_keeping_an_owner_active(demo: Demo) -> None:
    app = _app_with("ignores_disable")
    not_applied = demo.findings("deprovision_not_applied")
    assert not_applied and {f["app"] for f in not_applied} == {app}
    protected = demo.traffic.apps[app].bugs.protected
    assert {f["sp_id"] for f in not_applied} == protected
    for finding in not_applied:
        ignored = [
            x
            for x in demo.exchanges(app)
            if x.path.endswith(finding["sp_id"]) and _deactivates(x) and x.status == 200
        ]
        # Told to deactivate, the SP said 200 and showed the account still active.
        assert ignored and all(x.response["active"] is True for x in ignored), finding
    pending = [d for d in demo.report["deprovisions"] if d["sp_id"] in protected]
    assert pending and all(d["status"] == "pending" for d in pending)


def _deactivates(x: Ex) -> bool:
    ops = x.request.get("Operations", []) if isinstance(x.request, dict) else []
    return any(op.get("value") == {"active": False} for op in ops)


def test_activity_after_deprovision_is_a_leavers_token_that_still_works(demo: Demo) -> None:
    logged = {a.name for a in DEFAULT_APPS if a.activity_log}
    everything = demo.findings("activity_after_deprovision")
    found = [f for f in everything if f["app"] is not None]
    assert found and {f["app"] for f in found} <= logged
    assert all(f["source"] == "app_activity" for f in found)
    # The Okta session a kept token's script rides on outlived the removal: IdP-level findings.
    idp_level = [f for f in everything if f["app"] is None]
    assert idp_level and {f["source"] for f in idp_level} == {"okta_session"}
    assert {f["user_name"] for f in idp_level} <= {user for _app, user in demo.traffic.usage.kept}
    people = demo.traffic.population.people
    staged = {people[key].user_name for _app, key in demo.staged("kept_token")}
    assert staged <= {f["user_name"] for f in found}
    # Only a forgotten token acts for a leaver: everyday use is the employees'.
    assert {(f["app"], f["user_name"]) for f in found} <= set(demo.traffic.usage.kept)
    confirmed = {
        (d["app"], d["user_name"]): seconds(d["confirmed_at"])
        for d in demo.report["deprovisions"]
        if d["confirmed_at"]
    }
    for finding in found:
        app, user = finding["app"], finding["user_name"]
        first, last = seconds(finding["first_at"]), seconds(finding["last_at"])
        lines = (demo.directory / f"activity/{app}.log").read_text(encoding="utf-8")
        calls = [
            r
            for r in map(json.loads, lines.splitlines())
            if r["user"] == user and first <= seconds(r["ts"]) <= last
        ]
        assert len(calls) == finding["count"]
        assert {(r["auth"], r["status"]) for r in calls} == {("api_token", 200)}
        # A re-hire starts a new cycle and drops the deprovision; otherwise it came first.
        assert confirmed.get((app, user), 0.0) < first


def test_employees_use_the_apps_with_activity_logs(demo: Demo) -> None:
    for app in (a.name for a in DEFAULT_APPS if a.activity_log):
        lines = (demo.directory / f"activity/{app}.log").read_text(encoding="utf-8")
        records = [json.loads(line) for line in lines.splitlines()]
        assert 100 <= len(records) <= 1000, app  # every few minutes, all day
        assert [r["ts"] for r in records] == sorted(r["ts"] for r in records)
        assert {"session", "api_token"} <= {r["auth"] for r in records}
        assert Counter(r["status"] for r in records).most_common(1)[0][0] == 200


def test_vendor_quirks_are_the_strict_sp_rejecting_legacy_entra_shapes(demo: Demo) -> None:
    (quirk,) = demo.findings("vendor_quirk_rejected")
    (legacy,) = [a.name for a in DEFAULT_APPS if a.idp == "entra_legacy"]
    assert (quirk["app"], quirk["idp"]) == (legacy, "entra")
    assert {"capitalized_op", "remove_with_value"} <= set(quirk["quirks"])
