"""`scimwatch replay` end to end: the sample's truth, and scenarios the sample does not show."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

SHARED = Path(__file__).parents[2] / "shared"
SAMPLE = SHARED / "samples" / "basic"


def outcome_of(status: int) -> str:
    """Contract section 4, written out independently of monitor.classify."""
    table = {
        401: "auth_error",
        403: "auth_error",
        404: "not_found",
        409: "conflict",
        429: "throttled",
    }
    if status < 400:
        return "ok"
    return table.get(status, "client_error" if status < 500 else "server_error")


def run_replay(config: Path, report: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        main, ["replay", "--config", str(config), "--report", str(report), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(report.read_text())
    return data


def test_sample_requests_match_the_truth(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run_replay(SAMPLE / "scimwatch.yaml", report)
    scored = subprocess.run(
        [
            sys.executable,
            str(SHARED / "tools" / "score_report.py"),
            str(SAMPLE / "truth.json"),
            str(report),
            "--only",
            "requests",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert scored.returncode == 0, scored.stdout + scored.stderr
    truth = json.loads((SAMPLE / "truth.json").read_text())
    data = json.loads(report.read_text())
    assert data["now"] == truth["now"]
    assert data["rejected_lines"] == 0


STATUSES = [200, 200, 200, 201, 204, 304, 400, 401, 403, 404, 409, 412, 429, 500, 503]


def flat(ts: str, base: str, status: int, rng: random.Random) -> str:
    return json.dumps(
        {
            "ts": ts,
            "app": "ignored",
            "method": "GET",
            "path": f"{base}/Users?x=1",
            "status": status,
            "latency_ms": rng.uniform(1, 90),
            "user_agent": "Okta SCIM Client 1.0.0",
            "request_id": str(rng.random()),
        }
    )


def ecs_dotted(ts: str, base: str, status: int, rng: random.Random) -> str:
    return json.dumps(
        {
            "@timestamp": ts,
            "service.name": "x",
            "http.request.method": "PATCH",
            "url.path": f"{base}/Users/{rng.randrange(10**6)}",
            "http.response.status_code": status,
            "event.duration": 12_000_000,
            "http.request.body.content": json.dumps(
                {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
            ),
        }
    )


def combined(ts: str, base: str, status: int, rng: random.Random) -> str:
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    clf = moment.strftime("%d/%b/%Y:%H:%M:%S %z")
    return (
        f'10.1.2.3 - - [{clf}] "DELETE {base}/Groups/g{rng.randrange(99)} HTTP/1.1" '
        f'{status} 0 "-" "Microsoft Azure AD SCIM provisioning 1.0" 0.0{rng.randrange(10, 99)}'
    )


def test_other_apps_paths_and_formats(tmp_path: Path) -> None:
    """App names, base paths and formats the sample does not use; broken lines mixed in."""
    rng = random.Random(11)
    apps = {
        "hr-portal": ("/v2/tenant-a", flat),
        "vpn": ("/scim", ecs_dotted),
        "erp": ("/api/identity/scim/v2", combined),
    }
    expected: dict[str, Counter[str]] = {}
    start = datetime(2027, 3, 1, tzinfo=UTC)
    newest = start
    (tmp_path / "logs").mkdir()
    for app, (base, fmt) in apps.items():
        lines, counts = [], Counter[str]()
        for i in range(400):
            moment = start + timedelta(seconds=rng.uniform(0, 86400))
            newest = max(newest, moment.replace(microsecond=moment.microsecond // 1000 * 1000))
            status = rng.choice(STATUSES)
            lines.append(
                fmt(
                    moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    base,
                    status,
                    rng,
                )
            )
            counts[outcome_of(status)] += 1
            if i % 97 == 0:
                lines.append('{"ts": "not json')
        expected[app] = counts
        (tmp_path / "logs" / f"{app}.log").write_text("\n".join(lines))  # no final newline
    config = tmp_path / "conf" / "scimwatch.yaml"
    config.parent.mkdir()
    config.write_text(
        "apps:\n"
        + "".join(f"  - name: {a}\n" for a in apps)
        + "sources:\n"
        + "".join(f"  - {{type: scim_log, app: {a}, path: ../logs/{a}.log}}\n" for a in apps)
    )
    data = run_replay(config, tmp_path / "report.json")
    assert data["requests"] == {app: dict(c) for app, c in expected.items()}
    assert data["rejected_lines"] == 3 * 5
    assert data["now"] == newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_unreadable_input_fails_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "scimwatch.yaml"
    config.write_text("apps: [{name: hr}]\nsources: [{type: scim_log, app: hr, path: gone.log}]\n")
    result = CliRunner().invoke(
        main,
        ["replay", "--config", str(config), "--report", str(tmp_path / "r.json"), "--no-progress"],
    )
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "gone.log" in result.output and "No such file" in result.output
    assert not (tmp_path / "r.json").exists()


def test_bad_config_fails_before_reading(tmp_path: Path) -> None:
    config = tmp_path / "scimwatch.yaml"
    config.write_text("apps: [{name: hr}]\nsources: [{type: scim_log, app: payroll, path: x}]\n")
    result = CliRunner().invoke(
        main, ["replay", "--config", str(config), "--report", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 2
    assert "unknown app 'payroll'" in result.output


def test_rejected_lines_are_logged_by_reason_without_their_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "hr.log"
    log.write_text(
        '{"ts": "x", "token": "s3cr3t-value"\nnot a log line at all\n'
        '{"ts": "2027-01-01T00:00:00Z", "method": "GET", "path": "/Users", "status": 9}\n'
    )
    config = tmp_path / "scimwatch.yaml"
    config.write_text(
        "apps: [{name: hr}]\nsources: [{type: scim_log, app: hr, path: hr.log, start_at: end}]\n"
    )
    with caplog.at_level(logging.WARNING, logger="scimwatch.ingest"):
        data = run_replay(config, tmp_path / "report.json")
    assert data["rejected_lines"] == 3  # start_at applies to run, not to replay
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "skipped 3 unreadable lines" in message
    assert "invalid_json: 1" in message and "bad_status: 1" in message
    assert "s3cr3t" not in message


def test_live_only_sources_are_skipped_by_replay(tmp_path: Path) -> None:
    """A polled API or a push endpoint has no file to replay; the files still are."""
    (tmp_path / "hr.log").write_text(
        json.dumps({"ts": "2027-01-01T00:00:00Z", "method": "GET", "path": "/Users", "status": 200})
        + "\n"
    )
    config = tmp_path / "scimwatch.yaml"
    config.write_text(
        "apps: [{name: hr, idp: okta}]\nsources:\n"
        "  - {type: scim_log, app: hr, path: hr.log}\n"
        "  - {type: okta_system_log, url: 'https://acme.okta.com', token_env: OKTA_TOKEN}\n"
        "  - {type: scim_push, app: hr, token_env: PUSH_TOKEN}\n"
    )
    data = run_replay(config, tmp_path / "report.json")
    assert data["requests"] == {"hr": {"ok": 1}}
