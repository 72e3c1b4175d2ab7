"""The demo's history written and replayed once, for tests that read what scimwatch made of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from monitor.cli import main
from monitor.demo import DemoTraffic

START = 1_790_000_000.0


def replayed_demo(directory: Path, seconds: float) -> tuple[DemoTraffic, dict[str, Any]]:
    """`seconds` of the demo's history (the default seed) in `directory`, with its config, and
    `scimwatch replay`'s report of it (the real CLI)."""
    traffic = DemoTraffic(directory, start=START)
    traffic.run_until(START + seconds)
    config = directory / "scimwatch.yaml"
    config.write_text(traffic.config_text(), encoding="utf-8")
    out = directory / "report.json"
    args = ["replay", "--config", str(config), "--report", str(out), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return traffic, json.loads(out.read_text(encoding="utf-8"))
