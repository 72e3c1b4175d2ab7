"""A daemon that reads the demo's sources one whole source after another, in an order a replay
never would (the IdP's log or the activity logs before the SCIM logs), reaches the replay's
deprovisions and findings. The demo has what the sample lacks: rehires between uses of a token
that survived the deprovision, and Entra records naming accounts before the SCIM log shows them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from demo_kit import replayed_demo
from prometheus_client import CollectorRegistry

from monitor.clock import FakeClock
from monitor.config import SourceSpec, load
from monitor.ingest import Ingestor
from monitor.report import build_report
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The demo's history (12 hours, the default seed) and `scimwatch replay`'s report of it."""
    directory = tmp_path_factory.mktemp("order-demo")
    return directory, replayed_demo(directory, 12 * 3600)[1]


def _kind(spec: SourceSpec) -> str:
    name = spec.kind.type
    return "scim" if name == "scim_log" else "activity" if name == "app_activity_log" else "idp"


def _rows(items: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in items)


@pytest.mark.parametrize("order", [("idp", "scim", "activity"), ("activity", "scim", "idp")])
def test_whole_sources_in_any_order_reach_the_replays_report(
    day: tuple[Path, dict[str, Any]], tmp_path: Path, order: tuple[str, ...]
) -> None:
    directory, replayed = day
    config = load(directory / "scimwatch.yaml")
    store = SqlStore(f"sqlite:///{tmp_path / 'daemon.db'}")
    metrics = Metrics(CollectorRegistry())
    ingestor = Ingestor(config=config, store=store, metrics=metrics, clock=FakeClock())
    for kind in order:
        for spec in (s for s in config.sources if _kind(s) == kind):
            collector = spec.kind.make(spec.config, name=spec.name, base_dir=config.base_dir)
            collector.restore(None)
            while (batch := collector.poll(final=True)) is not None:
                ingestor.ingest(spec, batch)
            collector.close()
    report = build_report(store, config)
    store.close()
    assert replayed["findings"], "the demo's history shows findings"
    assert _rows(report["findings"]) == _rows(replayed["findings"])
    assert _rows(report["deprovisions"]) == _rows(replayed["deprovisions"])
