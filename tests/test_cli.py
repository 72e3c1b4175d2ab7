"""Start-up failures of `scimwatch run` are one clear line and a non-zero exit."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main

CONFIG = Path(__file__).parents[1] / "deploy" / "config" / "scimwatch.example.yaml"


def test_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["run", "-c", str(CONFIG), "--listen", f"127.0.0.1:{port}"]
        )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"scimwatch: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_bad_listen_address() -> None:
    result = CliRunner().invoke(main, ["run", "-c", str(CONFIG), "--listen", "localhost"])
    assert result.exit_code == 2
    assert "is not host:port" in result.output


def test_unreachable_database_hides_its_password() -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            "-c",
            str(CONFIG),
            "--listen",
            "127.0.0.1:0",
            "--db",
            "postgresql://scim:hunter2@127.0.0.1:1/state",
        ],
    )
    assert result.exit_code == 2
    assert "hunter2" not in result.output
    assert result.output.startswith("scimwatch: cannot migrate postgresql+psycopg://scim:***@")


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "scimwatch" in result.output
