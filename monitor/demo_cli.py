"""`scimwatch demo`: simulated IdPs provisioning real SCIM service providers, watched live.

It writes a history of traffic first so every panel has data at once, then keeps writing
live traffic while the daemon tails the logs on an embedded SQLite database.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import click

from monitor.app import App, bind
from monitor.clock import SystemClock
from monitor.config import load
from monitor.demo import DemoTraffic
from monitor.secret import Secret
from monitor.settings import Settings

__all__ = ["run_demo"]

_OWN_FILES = (
    "scimwatch.yaml",
    "scimwatch.db",
    "scimwatch.db-wal",
    "scimwatch.db-shm",
    "report.json",
)


def _fresh(directory: Path) -> None:
    """Start from a clean slate, removing only what an earlier demo wrote."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in _OWN_FILES:
        (directory / name).unlink(missing_ok=True)
    logs = [*(directory / "scim").glob("*.log"), *(directory / "activity").glob("*.log")]
    for log in [*logs, *(directory / "idp").glob("*.jsonl")]:
        log.unlink()


def _keep_writing(app: App, traffic: DemoTraffic, directory: Path, stop: threading.Event) -> None:
    clock = SystemClock()
    ticks = 0
    while not clock.sleep(1.0, stop):
        traffic.run_until(clock.now())
        ticks += 1
        if ticks % 5 == 0:
            report = json.dumps(app.report(), indent=2) + "\n"
            (directory / "report.json").write_text(report, encoding="utf-8")


def run_demo(directory: Path, *, listen: str, hours: float, duration: float | None) -> None:
    _fresh(directory)
    now = time.time()
    traffic = DemoTraffic(directory, start=now - hours * 3600, live_from=now)
    config_path = directory / "scimwatch.yaml"
    config_path.write_text(traffic.config_text(), encoding="utf-8")
    click.echo(f"scimwatch demo: simulating {hours:g} h of provisioning traffic ...", err=True)
    lines = traffic.run_until(now)
    try:
        sock = bind(listen)
    except OSError as err:
        raise click.ClickException(
            f"cannot listen on {listen}: {err.strerror}; try --listen 127.0.0.1:0"
        ) from None
    settings = Settings(
        listen=listen,
        poll_interval=0.25,
        database_url=Secret(f"sqlite:///{directory.resolve() / 'scimwatch.db'}"),
    )
    app = App(settings=settings, config=load(config_path))
    app.start()
    stop = threading.Event()
    writer = threading.Thread(
        target=_keep_writing, args=(app, traffic, directory, stop), name="demo-traffic", daemon=True
    )
    writer.start()
    if duration is not None:
        threading.Timer(duration, stop.set).start()
    host, port = sock.getsockname()[:2]
    base = f"http://{host}:{port}"
    click.echo(_banner(base, directory, lines, len(app.config.apps)), err=True)
    try:
        app.serve([sock], until=stop)
    finally:
        stop.set()


def _banner(base: str, directory: Path, lines: int, apps: int) -> str:
    return "\n".join(
        [
            f"scimwatch demo: {lines} SCIM requests of history for {apps} apps, more every second.",
            "",
            f"  status page   {base}/",
            f"  metrics       {base}/metrics",
            f"  report (JSON) {base}/api/v1/report   (also written to {directory / 'report.json'})",
            f"  alerts        {base}/api/v1/alerts   (firing ones also lead the status page)",
            f"  logs, config  {directory}/scim/*.log, {directory}/activity/*.log, "
            f"{directory}/idp/*.jsonl, {directory / 'scimwatch.yaml'}",
            "",
            f"  try: curl -s {base}/metrics | grep scimwatch_scim_requests_total",
            f"       scimwatch replay --config {directory / 'scimwatch.yaml'} --report report.json",
            f"       scimwatch silence add app=intranet -c 'looking into it' -d 1h --url {base}",
            "",
            "Press Ctrl-C to stop.",
        ]
    )
