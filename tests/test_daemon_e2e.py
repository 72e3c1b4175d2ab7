"""`scimwatch run` as a real process: tailing, rotation, SIGKILL and restart, /metrics.

Real files, real renames, a real kill -9, and the real HTTP server on port 0. Waiting is
polling with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from deadline import wait_for

from monitor.cli import main

BIN = Path(sys.executable).parent / "scimwatch"


class Daemon:
    def __init__(self, config: Path, db: Path, log: Path) -> None:
        env = {**os.environ, "SCIMWATCH_POLL_INTERVAL": "0.05", "SCIMWATCH_LOG_LEVEL": "INFO"}
        self.log = log
        self._offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as stderr:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [
                    str(BIN),
                    "run",
                    "-c",
                    str(config),
                    "--listen",
                    "127.0.0.1:0",
                    "--db",
                    f"sqlite:///{db}",
                ],
                stderr=stderr,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        self.base = str(wait_for(self._announced, what="the daemon to listen"))

    def _announced(self) -> str | None:
        if self.proc.poll() is not None:
            raise AssertionError("daemon exited:\n" + self.log.read_text())
        text = self.log.read_bytes()[self._offset :].decode()
        found = re.findall(r"metrics on (http://[\d.]+:\d+)/metrics", text)
        return found[-1] if found else None

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=5) as response:
            return str(response.read().decode())

    def report(self) -> dict[str, dict[str, dict[str, int]]]:
        return dict(json.loads(self.get("/api/v1/report")))

    def total(self, app: str) -> int:
        return sum(self.report()["requests"].get(app, {}).values())

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)


def line(i: int, status: int = 200) -> str:
    return (
        json.dumps(
            {
                "ts": f"2026-11-05T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
                "method": "GET",
                "path": f"/scim/v2/Users/u{i}",
                "status": status,
                "latency_ms": 5,
            }
        )
        + "\n"
    )


def append(path: Path, start: int, count: int, status: int = 200) -> None:
    with path.open("a") as handle:
        handle.writelines(line(i, status) for i in range(start, start + count))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Path, Path, Path, Path]]:
    log = tmp_path / "logs" / "hr.log"
    log.parent.mkdir()
    config = tmp_path / "scimwatch.yaml"
    config.write_text(
        "apps: [{name: hr, idp: okta}]\nsources: [{type: scim_log, app: hr, path: logs/hr.log}]\n"
    )
    yield config, tmp_path / "state.db", log, tmp_path / "daemon.log"


def test_tail_rotate_kill_restart_counts_every_line_once(
    setup: tuple[Path, Path, Path, Path],
) -> None:
    config, db, log, daemon_log = setup
    append(log, 0, 300)
    daemon = Daemon(config, db, daemon_log)
    try:
        wait_for(lambda: daemon.total("hr") == 300, what="the first 300 lines")
        os.rename(log, log.with_suffix(".log.1"))  # logrotate's rename + create
        append(log.with_suffix(".log.1"), 300, 20)  # late writes to the renamed file
        append(log, 320, 200, status=429)
        wait_for(lambda: daemon.total("hr") == 520, what="lines across the rotation")
        append(log, 520, 5000)
        wait_for(lambda: daemon.total("hr") > 520, what="some of the next batch")
        daemon.kill()  # possibly mid-batch
    finally:
        if daemon.proc.poll() is None:
            daemon.kill()
    append(log, 5520, 80, status=500)
    restarted = Daemon(config, db, daemon_log)
    try:
        wait_for(lambda: restarted.total("hr") == 5600, what="all 5600 lines after the restart")
        report = restarted.report()
        assert report["requests"]["hr"] == {"ok": 5320, "throttled": 200, "server_error": 80}
        metrics = restarted.get("/metrics")
        assert 'scimwatch_collector_up{collector="scim_log/hr"} 1.0' in metrics
        assert restarted.stop() == 0
    finally:
        if restarted.proc.poll() is None:
            restarted.kill()
    assert "Traceback" not in daemon_log.read_text()


def test_copytruncate_and_health_endpoints(setup: tuple[Path, Path, Path, Path]) -> None:
    config, db, log, daemon_log = setup
    append(log, 0, 50)
    daemon = Daemon(config, db, daemon_log)
    try:
        assert json.loads(daemon.get("/healthz")) == {"status": "ok"}
        wait_for(lambda: daemon.total("hr") == 50, what="50 lines")
        assert json.loads(daemon.get("/readyz"))["status"] == "ok"
        with log.open("r+") as handle:  # copytruncate: copy away, then truncate in place
            handle.truncate(0)
        append(log, 50, 70, status=401)
        try:
            wait_for(lambda: daemon.total("hr") == 120, what="lines after copytruncate")
        except AssertionError as err:  # what the daemon did, for a failure seen once in CI
            tail = daemon_log.read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{err}; total {daemon.total('hr')}; daemon log:\n{tail}"
            ) from None
        assert daemon.report()["requests"]["hr"] == {"ok": 50, "auth_error": 70}
        page = daemon.get("/")
        assert "hr" in page and "scim_log/hr" in page
    finally:
        assert daemon.stop() == 0


def _key(finding: dict[str, object]) -> tuple[object, ...]:
    return tuple(sorted((k, str(v)) for k, v in finding.items() if k not in {"count", "last_at"}))


def test_run_reaches_the_same_detections_as_replay(tmp_path: Path) -> None:
    """Sources are read in parallel threads, not in event-time order, yet the answers agree."""
    sample = Path(__file__).parents[2] / "shared" / "samples" / "basic"
    shutil.copytree(sample, tmp_path / "sample")
    config = tmp_path / "sample" / "scimwatch.yaml"
    result = CliRunner().invoke(
        main,
        [
            "replay",
            "--config",
            str(config),
            "--report",
            str(tmp_path / "replay.json"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    expected = json.loads((tmp_path / "replay.json").read_text())
    daemon = Daemon(config, tmp_path / "state.db", tmp_path / "daemon.log")
    try:

        def caught_up() -> dict[str, object] | None:
            got = daemon.report()
            same = (
                got["requests"] == expected["requests"]
                and len(got["deprovisions"]) == len(expected["deprovisions"])
                and len(got["findings"]) == len(expected["findings"])
            )
            return dict(got) if same else None

        report = wait_for(caught_up, timeout=120, what="the daemon to catch up")
        assert isinstance(report, dict)
        assert report["deprovisions"] == expected["deprovisions"]
        assert sorted(map(_key, report["findings"])) == sorted(map(_key, expected["findings"]))
        assert report["now"] == expected["now"]
    finally:
        assert daemon.stop() == 0
