"""The demo writes the same bytes for a seed, however `run_until` calls are split."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.demo import DEFAULT_APPS, DemoApp, DemoTraffic

START = 1_790_000_000.0
# Two apps with different IdPs and formats keep these runs short.
APPS = (DEFAULT_APPS[0], DEFAULT_APPS[2])
END = START + 3600.0


def _run(
    directory: Path,
    steps: list[float],
    seed: int = 7,
    apps: tuple[DemoApp, ...] = APPS,
    live_from: float | None = None,
) -> tuple[int, dict[str, bytes]]:
    traffic = DemoTraffic(directory, apps=apps, seed=seed, start=START, live_from=live_from)
    written = sum(traffic.run_until(t) for t in steps)
    logs = {a.name: (directory / a.log_path).read_bytes() for a in apps}
    activity = {
        a.activity_path: (directory / a.activity_path).read_bytes() for a in apps if a.activity_log
    }
    idp = {p.name: p.read_bytes() for p in sorted((directory / "idp").iterdir())}
    return written, logs | idp | activity


def test_same_seed_same_bytes_and_two_calls_equal_one(tmp_path: Path) -> None:
    once = _run(tmp_path / "once", [END])
    steps = [START - 1.0, START, START + 0.5, START + 61.0, START + 61.0, START + 1799.9, END, END]
    split = _run(tmp_path / "split", steps)
    assert once[0] > 500
    idp_files = [name for name in once[1] if name.endswith(".jsonl")]
    assert len(idp_files) == 3 and all(once[1][name] for name in idp_files)
    assert once == split


def test_another_seed_writes_another_story(tmp_path: Path) -> None:
    _, seven = _run(tmp_path / "seven", [START + 300.0])
    _, eight = _run(tmp_path / "eight", [START + 300.0], seed=8)
    okta = APPS[0].name  # Okta pushes at once; Entra may not have cycled yet
    assert seven[okta] and eight[okta] and seven[okta] != eight[okta]


def test_a_new_demo_starts_its_logs_afresh(tmp_path: Path) -> None:
    first = _run(tmp_path, [START + 300.0])
    second = _run(tmp_path, [START + 300.0])
    assert first == second


def test_live_from_sets_where_the_live_pace_begins(tmp_path: Path) -> None:
    okta = (DEFAULT_APPS[0],)
    reads = {}
    for name, live_from in (("quiet", None), ("live", START + 300.0)):
        traffic = DemoTraffic(tmp_path / name, apps=okta, start=START, live_from=live_from)
        traffic.run_until(START + 900.0)
        lines = (tmp_path / name / okta[0].log_path).read_text().splitlines()
        later = [d for d in map(json.loads, lines) if d["ts"] >= "2026-09-21T14:18:20.000Z"]
        reads[name] = sum(d["method"] == "GET" for d in later)
    assert reads["live"] > reads["quiet"] + 150  # a read every ~2 s instead of every ~2 min


def test_staged_incidents_and_activity_logs_are_deterministic_too(tmp_path: Path) -> None:
    """A short history puts every scripted incident (and the first live one) in a few minutes."""
    okta = tuple(a for a in DEFAULT_APPS if a.idp.startswith("okta"))
    live_from, end = START + 1200.0, START + 1500.0
    once = _run(tmp_path / "once", [end], apps=okta, live_from=live_from)
    steps = [START + 100.0, START + 361.0, live_from, live_from + 61.0, end]
    split = _run(tmp_path / "split", steps, apps=okta, live_from=live_from)
    assert once == split
    (salesforge,) = [a for a in okta if a.activity_log]
    activity = once[1][salesforge.activity_path].decode().splitlines()
    assert any('"auth":"sso"' in line for line in activity)  # the JIT sign-in
