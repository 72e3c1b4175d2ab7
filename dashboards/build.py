"""Write every dashboard as Grafana JSON: `python -m dashboards.build [--out DIR]`.

The JSON under dashboards/json/ is committed, so a review shows what a code change does to the
dashboards, and Grafana provisioning (deploy/grafana/) loads it without Python. Keys are sorted
and indented so regenerating is byte-for-byte stable; tests/dashboards fails on a stale file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import collectors, deprovisioning, errors, findings, overview
from dashboards._common import RUNBOOKS_URL

__all__ = ["DASHBOARDS", "JSON_DIR", "build_all", "main", "render"]

JSON_DIR = Path(__file__).parent / "json"
DASHBOARDS: tuple[Callable[..., Dashboard], ...] = (
    overview.build,
    deprovisioning.build,
    errors.build,
    findings.build,
    collectors.build,
)


def _number_panels(dashboard: Dashboard) -> Dashboard:
    """Stable panel ids (1, 2, ...): Grafana links and alerts address panels by id."""
    for number, panel in enumerate(dashboard.panels or [], start=1):
        panel.id_val = number
    return dashboard


def build_all(*, runbooks_url: str = RUNBOOKS_URL) -> list[Dashboard]:
    return [_number_panels(build(runbooks_url=runbooks_url)) for build in DASHBOARDS]


def render(dashboard: Dashboard) -> str:
    """The committed form: sorted keys, two-space indent, trailing newline."""
    return json.dumps(dashboard, cls=JSONEncoder, sort_keys=True, indent=2) + "\n"


def write_all(out: Path, *, runbooks_url: str = RUNBOOKS_URL) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for dashboard in build_all(runbooks_url=runbooks_url):
        path = out / f"{dashboard.uid}.json"
        path.write_text(render(dashboard), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.build", description=__doc__)
    parser.add_argument("--out", type=Path, default=JSON_DIR, help="output directory")
    parser.add_argument(
        "--runbooks-url", default=RUNBOOKS_URL, help="where docs/runbooks/ is published"
    )
    args = parser.parse_args(argv)
    for path in write_all(args.out, runbooks_url=args.runbooks_url):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
