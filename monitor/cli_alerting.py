"""`scimwatch silence ...` and `scimwatch routes test`: the amtool-like side of the CLI.

Silences go through the daemon's API (`--url`, default the local daemon), so every replica
sees them at once; `routes test` reads only the config file.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx

from alerts.config import parse_duration
from alerts.route import build_routes

__all__ = ["routes_group", "silence_group"]

DEFAULT_URL = "http://127.0.0.1:9780"


def _client(url: str) -> httpx.Client:
    headers = {}
    token = os.environ.get("SCIMWATCH_API_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=10.0)


def _call(url: str, method: str, path: str, **kwargs: object) -> dict[str, object]:
    try:
        with _client(url) as client:
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as err:
        click.echo(f"scimwatch: cannot reach {url}: {type(err).__name__}", err=True)
        sys.exit(2)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        click.echo(f"scimwatch: {response.status_code}: {detail}", err=True)
        sys.exit(1)
    body = response.json()
    return body if isinstance(body, dict) else {}


def _when(ts: object) -> str:
    if not isinstance(ts, int | float):
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


url_option = click.option(
    "--url", envvar="SCIMWATCH_URL", default=DEFAULT_URL, show_default=True, help="Daemon API."
)


@click.group("silence")
def silence_group() -> None:
    """Mute alerts for a while or until they resolve."""


@silence_group.command("add")
@click.argument("matchers", nargs=-1, required=True)
@click.option("--comment", "-c", required=True, help="Why (shown to whoever looks later).")
@click.option("--author", "-a", default=lambda: os.environ.get("USER", ""), help="Who.")
@click.option("--duration", "-d", help="How long, e.g. 2h or 30m.")
@click.option("--until-resolved", is_flag=True, help="Expire once the matched alerts resolve.")
@url_option
def silence_add(
    matchers: tuple[str, ...],
    comment: str,
    author: str,
    duration: str | None,
    until_resolved: bool,
    url: str,
) -> None:
    """Add a silence: MATCHERS like alertname="DigitalTwin" app=crm."""
    if not duration and not until_resolved:
        raise click.UsageError("give --duration or --until-resolved")
    try:
        seconds = parse_duration(duration) if duration else None
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    body = {
        "matchers": list(matchers),
        "created_by": author or "unknown",
        "comment": comment,
        "duration": seconds,
        "until_resolved": until_resolved,
    }
    created = _call(url, "POST", "/api/v1/silences", json=body)
    click.echo(str(created.get("id")))


@silence_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include expired silences.")
@url_option
def silence_list(show_all: bool, url: str) -> None:
    """List silences."""
    items = _call(url, "GET", "/api/v1/silences").get("items")
    rows = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    click.echo(f"{'ID':36}  {'STATUS':8}  {'ENDS':20}  {'AUTHOR':12}  MATCHERS / COMMENT")
    for item in rows:
        if item.get("status") == "expired" and not show_all:
            continue
        ends = "until resolved" if item.get("until_resolved") else _when(item.get("ends_at"))
        matchers = item.get("matchers")
        shown = " ".join(str(m) for m in matchers) if isinstance(matchers, list) else ""
        click.echo(
            f"{item.get('id')!s:36}  {item.get('status')!s:8}  {ends:20}  "
            f"{item.get('created_by')!s:12}  {shown}  # {item.get('comment')}"
        )


@silence_group.command("expire")
@click.argument("ids", nargs=-1, required=True)
@url_option
def silence_expire(ids: tuple[str, ...], url: str) -> None:
    """Expire silences now."""
    for silence_id in ids:
        _call(url, "DELETE", f"/api/v1/silences/{silence_id}")
        click.echo(f"expired {silence_id}")


@click.group("routes")
def routes_group() -> None:
    """Inspect the alert routing tree."""


@routes_group.command("test")
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
)
@click.option("--labels", "-l", "labels", multiple=True, required=True, help="name=value")
@click.option("--tree", is_flag=True, help="Also show the route and the group key.")
def routes_test(config_path: Path, labels: tuple[str, ...], tree: bool) -> None:
    """Which receivers an alert with these labels reaches (e.g. -l alertname=X -l app=crm)."""
    from monitor.cli import load_or_exit

    values: dict[str, str] = {}
    for item in labels:
        for part in item.split():
            name, sep, value = part.partition("=")
            if not sep or not name:
                raise click.UsageError(f"bad label {part!r}: expected name=value")
            values[name] = value.strip('"')
    root = build_routes(load_or_exit(config_path).alerting.route)
    for route in root.match(values):
        if tree:
            click.echo(f"{route.receiver}\troute {route.path}\tgroup {route.group_key(values)}")
        else:
            click.echo(route.receiver)
