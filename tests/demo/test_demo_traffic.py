"""24 h of demo history, read back with plain json/regex (not scimwatch's own parser).

One simulated day is written once per module and every test inspects those lines: formats,
IdP wire shapes, deprovisions in each dialect, and each injected fault.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.demo import DEFAULT_APPS, DemoApp, DemoTraffic

START = 1_790_000_000.0  # 2026-09-21T14:13:20Z
DAY = 24 * 3600.0
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
COMBINED = re.compile(
    r"(?P<ip>[\d.]+) - - \[(?P<ts>\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) (?P<size>\d+) '
    r'"-" "(?P<ua>[^"]*)" (?P<request_time>\d+\.\d{3})'
)
UA = {
    "okta_oin": "Okta SCIM Client 1.0.0",
    "okta_aiw": "Okta SCIM Client 1.0.0",
    "entra_legacy": "Microsoft Azure AD SCIM provisioning 1.0",
    "entra_flagged": "Microsoft Azure AD SCIM provisioning 1.0",
    "google": "Google-Auto-Provisioning/1.0",
}


@dataclass
class Line:
    """One log line, whatever its format, reduced to what the tests look at."""

    fmt: str
    app: str | None
    ts: str
    method: str
    path: str
    status: int
    ua: str
    request: Any
    response: Any
    retry_after: str | None


def _body(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _flat(d: dict[str, Any]) -> Line:
    raw = [d.get("request_body"), d.get("response_body")]
    fmt = "flat_str" if any(isinstance(b, str) for b in raw) else "flat"
    retry = (d.get("response_headers") or {}).get("Retry-After")
    return Line(
        fmt,
        d["app"],
        d["ts"],
        d["method"],
        d["path"],
        d["status"],
        d["user_agent"],
        _body(raw[0]),
        _body(raw[1]),
        retry,
    )


def _ecs(d: dict[str, Any]) -> Line:
    if "service.name" in d:
        get: Callable[[str], Any] = d.get
        fmt = "ecs_dotted"
    else:
        fmt = "ecs"

        def get(key: str) -> Any:
            node: Any = d
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            return node

    query = get("url.query")
    path = get("url.path") + (f"?{query}" if query else "")
    request, response = get("http.request.body.content"), get("http.response.body.content")
    assert request is None or isinstance(request, str)
    retry = (get("http.response.headers") or {}).get("retry-after")
    return Line(
        fmt,
        get("service.name"),
        d["@timestamp"],
        get("http.request.method"),
        path,
        get("http.response.status_code"),
        get("user_agent.original"),
        _body(request),
        _body(response),
        retry,
    )


def parse(text: str) -> Line:
    if text.startswith("{"):
        d = json.loads(text)
        return _flat(d) if "ts" in d else _ecs(d)
    m = COMBINED.fullmatch(text)
    assert m is not None, text
    return Line(
        "combined",
        None,
        m["ts"],
        m["method"],
        m["path"],
        int(m["status"]),
        m["ua"],
        None,
        None,
        None,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoTraffic, Path, int]:
    directory = tmp_path_factory.mktemp("demo")
    traffic = DemoTraffic(directory, start=START)
    written = traffic.run_until(START + DAY)
    return traffic, directory, written


@pytest.fixture(scope="module")
def logs(demo: tuple[DemoTraffic, Path, int]) -> dict[str, list[Line]]:
    directory = demo[1]
    return {
        app.name: [parse(t) for t in (directory / app.log_path).read_text().splitlines()]
        for app in DEFAULT_APPS
    }


def by_idp(logs: dict[str, list[Line]], idp: str) -> list[Line]:
    return [line for app in DEFAULT_APPS if app.idp == idp for line in logs[app.name]]


def ops(line: Line) -> list[dict[str, Any]]:
    return list(line.request.get("Operations", [])) if isinstance(line.request, dict) else []


def test_a_day_of_history_is_thousands_of_whole_lines(
    demo: tuple[DemoTraffic, Path, int], logs: dict[str, list[Line]]
) -> None:
    _, directory, written = demo
    assert 5_000 <= written <= 20_000
    assert sum(len(lines) for lines in logs.values()) == written
    for app in DEFAULT_APPS:
        assert (directory / app.log_path).read_bytes().endswith(b"\n")


def test_every_app_writes_its_format_with_its_idp_user_agent(logs: dict[str, list[Line]]) -> None:
    assert len({(a.idp, a.log_format, a.base_path, a.name) for a in DEFAULT_APPS}) == 5
    assert {a.idp for a in DEFAULT_APPS} == set(UA)
    for app in DEFAULT_APPS:
        lines = logs[app.name]
        assert len(lines) > 500, app.name
        formats = Counter(line.fmt for line in lines)
        expected = {app.log_format, "flat"} if app.log_format == "flat_str" else {app.log_format}
        assert set(formats) <= expected and formats[app.log_format] > 0, (app.name, formats)
        assert {line.ua for line in lines} == {UA[app.idp]}
        assert all(line.path.startswith(app.base_path + "/") for line in lines)
        assert all(line.app in (app.name, None) for line in lines)


def test_timestamps_are_utc_milliseconds_in_order(logs: dict[str, list[Line]]) -> None:
    for app in DEFAULT_APPS:
        stamps = [line.ts for line in logs[app.name]]
        if app.log_format != "combined":
            assert all(ISO_MS.fullmatch(ts) for ts in stamps)
            assert stamps == sorted(stamps)
        assert stamps[0].startswith(("2026-09-21T14:", "21/Sep/2026:14:"))  # within an hour


def test_okta_oin_matches_creates_and_deactivates_with_no_path_patch(
    logs: dict[str, list[Line]],
) -> None:
    lines = by_idp(logs, "okta_oin")
    creates = [x for x in lines if x.method == "POST" and x.path.endswith("/Users")]
    assert creates and all(x.request["groups"] == [] and x.request["password"] for x in creates)
    assert any("filter=userName%20eq%20" in x.path and "count=100" in x.path for x in lines)
    disables = [x for x in lines if {"op": "replace", "value": {"active": False}} in ops(x)]
    assert any(x.status == 200 and x.response["active"] is False for x in disables)
    assert any(x.method == "PUT" and x.status == 200 for x in lines)
    group_push = [x for x in lines if "/Groups/" in x.path and x.method == "PATCH"]
    assert any(o["op"] == "replace" and "id" in o["value"] for x in group_push for o in ops(x))


def test_okta_aiw_deactivates_with_put(logs: dict[str, list[Line]]) -> None:
    puts = [x for x in by_idp(logs, "okta_aiw") if x.method == "PUT" and "/Users/" in x.path]
    assert any(x.request["active"] is False and x.status == 200 for x in puts)
    assert not any(x.method == "PATCH" for x in by_idp(logs, "okta_aiw"))


def test_entra_legacy_sends_capitalised_string_shapes_and_a_strict_sp_rejects_some(
    logs: dict[str, list[Line]],
) -> None:
    lines = by_idp(logs, "entra_legacy")
    disable = {"op": "Replace", "path": "active", "value": "False"}
    assert any(disable in ops(x) and x.status == 204 for x in lines)
    assert any(x.method == "DELETE" and x.status == 204 for x in lines)
    rejected = [x for x in lines if x.status == 400 and x.method == "PATCH"]
    remove_with_value = [
        x for x in rejected if any(o["op"] == "Remove" and "value" in o for o in ops(x))
    ]
    manager = [
        x
        for x in rejected
        if any(o["path"].endswith(":manager") and isinstance(o["value"], str) for o in ops(x))
    ]
    assert remove_with_value and manager
    assert all(x.response["scimType"] == "invalidValue" for x in remove_with_value + manager)


def test_entra_flagged_sends_dotted_no_path_replace_and_lowercase_disable(
    logs: dict[str, list[Line]],
) -> None:
    lines = by_idp(logs, "entra_flagged")
    dotted = [o for x in lines for o in ops(x) if "path" not in o]
    assert any("." in key for o in dotted for key in o["value"])
    disable = {"op": "replace", "path": "active", "value": False}
    assert any(disable in ops(x) and x.status == 200 for x in lines)
    assert any(x.method == "DELETE" and x.status == 204 for x in lines)


def test_google_suspends_and_deletes(logs: dict[str, list[Line]]) -> None:
    lines = by_idp(logs, "google")
    assert any(x.method == "DELETE" and "/Users/" in x.path and x.status == 204 for x in lines)
    assert any(x.method == "PATCH" and "/Users/" in x.path and x.status == 204 for x in lines)


def test_patch_answers_both_200_and_204(logs: dict[str, list[Line]]) -> None:
    statuses = {x.status for lines in logs.values() for x in lines if x.method == "PATCH"}
    assert {200, 204} <= statuses


def test_faults_throttling_server_errors_and_an_expired_token(logs: dict[str, list[Line]]) -> None:
    everything = [x for lines in logs.values() for x in lines]
    throttled = [x for x in everything if x.status == 429]
    assert throttled
    assert all(
        x.retry_after is not None and x.retry_after.isdigit()
        for x in throttled
        if x.fmt != "combined"
    )
    assert any(x.retry_after for x in throttled)
    assert {500, 503} <= {x.status for x in everything}
    unauthorized = Counter(name for name, lines in logs.items() for x in lines if x.status == 401)
    assert len(unauthorized) == 1 and next(iter(unauthorized.values())) >= 10


def test_config_names_every_app_and_its_log(demo: tuple[DemoTraffic, Path, int]) -> None:
    traffic, directory, _ = demo
    config = yaml.safe_load(traffic.config_text())
    idps = {
        "okta_oin": "okta",
        "okta_aiw": "okta",
        "entra_legacy": "entra",
        "entra_flagged": "entra",
        "google": "google",
    }
    keys = {
        "okta": "okta_app_id",
        "entra": "entra_service_principal_id",
        "google": "google_app_name",
    }
    apps = config["apps"]
    assert [(x["name"], x["idp"]) for x in apps] == [(a.name, idps[a.idp]) for a in DEFAULT_APPS]
    assert all(set(x) == {"name", "idp", keys[x["idp"]]} and x[keys[x["idp"]]] for x in apps)
    assert len({x[keys[x["idp"]]] for x in apps}) == len(apps)
    sources = config["sources"]
    scim = [s for s in sources if s["type"] == "scim_log"]
    activity = [s for s in sources if s["type"] == "app_activity_log"]
    idp = [s for s in sources if s not in scim + activity]
    for source, app in zip(scim, DEFAULT_APPS, strict=True):
        assert source == {"type": "scim_log", "app": app.name, "path": f"scim/{app.name}.log"}
        assert (directory / source["path"]).is_file()
    logged = [a for a in DEFAULT_APPS if a.activity_log]
    assert logged and activity == [
        {"type": "app_activity_log", "app": a.name, "path": f"activity/{a.name}.log"}
        for a in logged
    ]
    assert all((directory / s["path"]).stat().st_size > 0 for s in activity)
    assert {s["type"] for s in idp} == {
        "okta_system_log",
        "entra_directory_audit",
        "entra_provisioning_log",
        "google_reports",
    }
    assert all((directory / s["path"]).stat().st_size > 0 for s in idp)


def test_live_pace_is_a_few_requests_per_second(
    demo: tuple[DemoTraffic, Path, int], logs: dict[str, list[Line]]
) -> None:
    traffic = demo[0]  # `logs` is requested so the history is read before live lines append
    written = [traffic.run_until(START + DAY + s) for s in range(1, 61)]
    assert 60 <= sum(written) <= 600
    assert traffic.run_until(START + DAY + 60) == 0


def test_demo_apps_are_validated() -> None:
    with pytest.raises(ValueError, match="log format"):
        DemoApp("x", "google", "xml", "/scim")
    with pytest.raises(ValueError, match="dialect"):
        DemoApp("x", "okta", "flat", "/scim")
    with pytest.raises(ValueError, match="mishaps"):
        DemoApp("x", "google", "flat", "/scim", mishaps=frozenset({"patch_as_delete"}))
    with pytest.raises(ValueError, match="distinct"):
        DemoTraffic(Path("/nonexistent"), apps=DEFAULT_APPS[:1] * 2, start=START)
