"""Order independence, deterministically: the sample ingested one whole source after another
(as a daemon catching up on files might) reaches the deprovisions and findings of a replay in
event-time order, whichever kind of source comes first. The daemon end-to-end test checks the
same with real threads, where the interleaving is left to chance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from monitor.clock import FakeClock
from monitor.config import Config, SourceSpec, load
from monitor.ingest import Ingestor
from monitor.replay import replay
from monitor.report import build_report
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "basic" / "scimwatch.yaml"
KINDS = {"scim": ("scim_log",), "activity": ("app_activity_log",)}


def _ingestor(config: Config, path: Path) -> tuple[SqlStore, Ingestor]:
    store = SqlStore(f"sqlite:///{path}")
    metrics = Metrics(CollectorRegistry())
    return store, Ingestor(config=config, store=store, metrics=metrics, clock=FakeClock())


def _answers(store: SqlStore, config: Config) -> tuple[Any, Any]:
    report = build_report(store, config)
    return report["deprovisions"], report["findings"]


def _kind(spec: SourceSpec) -> str:
    return next((k for k, types in KINDS.items() if spec.kind.type in types), "idp")


@pytest.mark.parametrize(
    "order", ["idp,scim,activity", "scim,idp,activity", "activity,idp,scim", "activity,scim,idp"]
)
def test_whole_sources_in_any_order_reach_the_replays_answers(tmp_path: Path, order: str) -> None:
    config = load(SAMPLE)
    store, ingestor = _ingestor(config, tmp_path / "replay.db")
    replay(config, ingestor=ingestor)
    expected = _answers(store, config)
    store.close()

    store, ingestor = _ingestor(config, tmp_path / "by_source.db")
    sources = [s for s in config.sources if getattr(s.config, "path", None)]
    for kind in order.split(","):
        for spec in (s for s in sources if _kind(s) == kind):
            collector = spec.kind.make(spec.config, name=spec.name, base_dir=config.base_dir)
            collector.restore(None)
            while (batch := collector.poll(final=True)) is not None:
                ingestor.ingest(spec, batch)
            collector.close()
    deprovisions, findings = _answers(store, config)
    store.close()
    assert len(deprovisions) > 100 and len(findings) > 100  # the sample was read
    assert deprovisions == expected[0]
    assert findings == expected[1]
