"""The shared sample as one classified, time-ordered list of records, and a dump of every
detection table: for tests that compare what two ways of detecting leave in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from monitor.classify import classify
from monitor.config import Config
from monitor.events import Record, ScimEvent, ScimRequest
from monitor.store import SqlStore
from monitor.store.tables import (
    activity,
    deprovisions,
    findings,
    idp_links,
    idp_people,
    idp_seen,
    scim_removals,
    sp_resources,
)

__all__ = ["SAMPLE", "TABLES", "Items", "dump_tables", "sample_items"]

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "basic"
TABLES = (sp_resources, idp_people, idp_links, idp_seen, deprovisions, scim_removals, activity)
Items = list[ScimEvent | Record]


def sample_items(config: Config) -> Items:
    """Every record of the sample, classified, in event-time order as a replay merges them."""
    merged: list[tuple[float, int, int, Record]] = []
    for order, spec in enumerate(s for s in config.sources if getattr(s.config, "path", None)):
        collector = spec.kind.make(spec.config, name=spec.name, base_dir=config.base_dir)
        collector.restore(None)
        while (batch := collector.poll(final=True)) is not None:
            merged += [(r.ts, order, len(merged), r) for r in batch.records]
        collector.close()
    idps = {app.name: app.idp for app in config.apps}
    apps = {spec.name: spec.app for spec in config.sources}
    items: Items = []
    for _, order, _, record in sorted(merged, key=lambda m: m[:3]):
        if isinstance(record, ScimRequest):
            app = apps[config.sources[order].name] or record.app or "unknown"
            items.append(classify(record, app=app, idp=idps.get(app)))  # type: ignore[arg-type]
        else:
            items.append(record)
    return items


def dump_tables(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        dumped = {}
        for table in (*TABLES, findings):
            columns = [c for c in table.c if c.name not in ("id", "updated_at")]
            rows = conn.execute(select(*columns)).all()
            dumped[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return dumped
