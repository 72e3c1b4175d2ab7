"""The shared sample scenario scores 1.0 on every measure of the contract's scorer."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from contract_util import SAMPLE, score_perfectly

from monitor.cli import main
from monitor.store import SqlStore


def test_sample_scores_perfectly(tmp_path: Path, store: SqlStore, store_url: str) -> None:
    """On SQLite and on PostgreSQL: the same rules, the same answers."""
    report = tmp_path / "report.json"
    store.close()  # the fixture emptied the database; replay opens its own connections
    command = [
        "replay",
        "--config",
        str(SAMPLE / "scimwatch.yaml"),
        "--report",
        str(report),
        "--no-progress",
        "--db",
        store_url,
    ]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    scored = score_perfectly(SAMPLE / "truth.json", report)
    assert scored.returncode == 0, scored.stdout
    assert "status=1.000" in scored.stdout and "overdue=1.000" in scored.stdout
