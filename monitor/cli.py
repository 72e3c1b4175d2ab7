"""`scimwatch`: the thin command line. Each command parses flags and calls into `monitor`."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import click

from monitor import __version__
from monitor.cli_alerting import routes_group, silence_group
from monitor.config import Config, ConfigError, load
from monitor.secret import SecretError
from monitor.settings import Settings
from monitor.store import StoreError

__all__ = ["main"]


def _fail(message: str) -> None:
    click.echo(f"scimwatch: {message}", err=True)
    sys.exit(2)


def load_or_exit(path: Path) -> Config:
    try:
        return load(path)
    except ConfigError as err:
        click.echo("\n".join(err.problems), err=True)
        sys.exit(2)


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(overrides=overrides)
    except (SecretError, ValueError) as err:
        _fail(str(err))
        raise AssertionError("unreachable") from None


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scimwatch")
def main() -> None:
    """scimwatch: observability and alerting for SCIM identity provisioning."""


main.add_command(silence_group)
main.add_command(routes_group)


@main.group("config")
def config_group() -> None:
    """Work with configuration files."""


@config_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def config_check(files: tuple[Path, ...]) -> None:
    """Validate config files; exit non-zero with one line per problem."""
    failed = False
    for path in files:
        try:
            config = load(path)
        except ConfigError as err:
            click.echo("\n".join(err.problems), err=True)
            failed = True
            continue
        click.echo(f"{path}: ok ({len(config.apps)} apps, {len(config.sources)} sources)")
    sys.exit(1 if failed else 0)


@main.command("run")
@click.option(
    "-c",
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Behaviour file (YAML).",
)
@click.option("--listen", default=None, help="host:port for HTTP [env SCIMWATCH_LISTEN].")
@click.option(
    "--db",
    "database_url",
    default=None,
    help="SQLAlchemy URL [env SCIMWATCH_DATABASE_URL or SCIMWATCH_DATABASE_URL_FILE].",
)
def run(config_path: Path, listen: str | None, database_url: str | None) -> None:
    """Run the daemon: follow every source and serve /metrics and the API."""
    from monitor.app import App, bind

    settings = _settings(listen=listen, database_url=database_url)
    _logging(settings.log_level)
    config = load_or_exit(config_path)
    try:
        sock = bind(settings.listen)
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        _fail(f"cannot listen on {settings.listen}: {reason}")
        return
    from monitor.telemetry.tracing import TracingError, tracer_provider_from_env

    try:
        tracing = tracer_provider_from_env(os.environ, version=__version__)
        app = App(settings=settings, config=config, tracer_provider=tracing)
    except (StoreError, SecretError, TracingError) as err:
        sock.close()
        _fail(str(err))
        return
    host, port = sock.getsockname()[:2]
    logging.getLogger("scimwatch").info(
        "watching %d sources; metrics on http://%s:%d/metrics", len(config.sources), host, port
    )
    app.start()
    try:
        app.serve([sock])
    finally:
        if tracing is not None:
            tracing.shutdown()  # flush the last spans


@main.command("replay")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path))
@click.option("--report", "report_path", required=True, type=click.Path(path_type=Path))
@click.option(
    "--db",
    "database_url",
    default=None,
    help="Keep replay state in this database (default: a temporary SQLite file).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: when stderr is a terminal).",
)
@click.option("--pushgateway", default=None, help="Push the replay's metrics to this Pushgateway.")
@click.option("--push-job", default="scimwatch_replay", show_default=True, help="Its job label.")
@click.option(
    "--push-label",
    "push_labels",
    multiple=True,
    help="Grouping key label name=value (repeatable), e.g. --push-label scenario=weekly.",
)
def replay_command(
    config_path: Path,
    report_path: Path,
    database_url: str | None,
    progress: bool | None,
    pushgateway: str | None,
    push_job: str,
    push_labels: tuple[str, ...],
) -> None:
    """Replay files through the detection pipeline and write the report."""
    from monitor.replay_cli import Push, PushError, run_replay

    config = load_or_exit(config_path)
    push = Push(pushgateway, push_job, _pairs(push_labels)) if pushgateway else None
    with tempfile.TemporaryDirectory(prefix="scimwatch-replay-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'replay.db'}"
        show = sys.stderr.isatty() if progress is None else progress
        try:
            report = run_replay(config, url=url, progress=show, push=push)
        except PushError as err:
            report_path.write_text(json.dumps(err.report, indent=2) + "\n", encoding="utf-8")
            _fail(f"{err} (the report was written)")
            return
        except (StoreError, OSError) as err:
            _fail(str(err))
            return
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    click.echo(_summary(report), err=True)


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"{item!r}: expected name=value", param_hint="--push-label")
        pairs[name] = value
    return pairs


def _summary(report: dict[str, object]) -> str:
    from monitor.summary import summarize_report

    return summarize_report(report)


@main.command("demo")
@click.option(
    "--dir",
    "directory",
    default="scimwatch-demo",
    type=click.Path(path_type=Path),
    help="Where the demo writes its logs, config and database.",
)
@click.option("--listen", default="127.0.0.1:9780", show_default=True)
@click.option("--hours", default=24.0, show_default=True, help="Simulated history to start with.")
@click.option(
    "--duration",
    default=None,
    type=float,
    help="Stop after this many seconds (default: until Ctrl-C).",
)
def demo(directory: Path, listen: str, hours: float, duration: float | None) -> None:
    """Generate realistic SCIM traffic and watch it: the embedded default, no services needed."""
    from monitor.demo_cli import run_demo

    _logging("WARNING")
    run_demo(directory, listen=listen, hours=hours, duration=duration)
