"""A batch's rows read up front (`Correlator.handle_all`) change no answer: the shared sample,
cut into batches, leaves every detection table exactly as handling record by record does, on
SQLite and PostgreSQL. Duplicates within a batch and across batches are deduplicated once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.classify import classify
from monitor.classify.idp import normalize
from monitor.config import Config, load
from monitor.detect.correlate import Correlator
from monitor.detect.prefetch import IN_SIZE, in_params, slices
from monitor.events import IdpRecord, Record, ScimEvent, ScimRequest
from monitor.ingest import app_index
from monitor.store import SqlStore
from monitor.store.tables import (
    activity,
    deprovisions,
    findings,
    idp_links,
    idp_people,
    idp_seen,
    metadata,
    scim_removals,
    sp_resources,
)

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "basic"
TABLES = (sp_resources, idp_people, idp_links, idp_seen, deprovisions, scim_removals, activity)
Items = list[ScimEvent | Record]


def _items(config: Config) -> Items:
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


def _dump(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        dumped = {}
        for table in (*TABLES, findings):
            columns = [c for c in table.c if c.name not in ("id", "updated_at")]
            rows = conn.execute(select(*columns)).all()
            dumped[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return dumped


Handler = Callable[[Correlator, Items], None]


def _run(
    store: SqlStore, config: Config, items: Items, size: int, how: Handler
) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    for start in range(0, len(items), size):
        with store.transaction() as conn:
            correlator = Correlator(conn, app_index(config))
            how(correlator, items[start : start + size])
            correlator.finish()
    return _dump(store)


def _one_by_one(correlator: Correlator, items: Items) -> None:
    for item in items:
        correlator.handle(item)


def _up_front(correlator: Correlator, items: Items) -> None:
    correlator.handle_all(items)


@pytest.mark.parametrize("size", [700, 5000])
def test_handle_all_stores_what_one_by_one_stores(store: SqlStore, size: int) -> None:
    config = load(SAMPLE / "scimwatch.yaml")
    items = _items(config)
    # Each IdP record twice more: once in the same batch, once (re-read) far later.
    idp = [item for item in items if isinstance(item, IdpRecord)][:300]
    items = [*items[:2000], *idp, *items[2000:], *idp]
    expected = _run(store, config, items, size, _one_by_one)
    got = _run(store, config, items, size, _up_front)
    assert sum(map(len, expected.values())) > 10_000  # the sample filled the tables
    keys = {
        event.key
        for record in idp
        for event in normalize(record)
        if event.user_id and event.success is not False
    }
    assert keys and keys <= {row[0] for row in expected["idp_seen"]}
    for table, rows in expected.items():
        assert got[table] == rows, table


def test_slices_are_distinct_in_order_and_padded() -> None:
    values = [f"k{i % 450}" for i in range(900)]
    parts = list(slices(values))
    assert [len(p) for p in parts] == [IN_SIZE, IN_SIZE, 50]
    assert [v for p in parts for v in p] == [f"k{i}" for i in range(450)]
    params = in_params(parts[-1])
    assert len(params) == IN_SIZE
    assert set(params.values()) == set(parts[-1])
    assert params[f"v{IN_SIZE - 1}"] == parts[-1][-1]
