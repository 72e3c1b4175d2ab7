"""Findings opened within a batch are mended within it too.

A batch reads an app's open findings of a type once, the first time a mending event asks
(`Findings.open_subjects`), and adds every finding raised after that. Here one SCIM batch
deletes an unrelated account first (which reads the app's open twins: none), then creates two
accounts for the same person (a digital twin) and deletes one of them: the twin raised after
the read must still be resolved by the delete."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from order_kit import scim
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from collectors.base import Batch
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.events import Record
from monitor.ingest import Ingestor
from monitor.store import SqlStore
from monitor.store.tables import findings
from monitor.telemetry.metrics import Metrics

CONFIG = (
    "apps: [{name: tickets, idp: okta}]\n"
    "sources:\n  - {type: scim_log, app: tickets, path: t.log}\n"
)


def _user(sp_id: str, name: str) -> dict[str, object]:
    return {"id": sp_id, "userName": name, "active": True}


def _post(ts: str, rep: dict[str, object]) -> Record:
    return scim({"ts": ts, "method": "POST", "path": "/scim/v2/Users", "status": 201,
                 "request_body": {**rep, "id": None}, "response_body": rep})  # fmt: skip


def _delete(ts: str, sp_id: str) -> Record:
    return scim({"ts": ts, "method": "DELETE", "path": f"/scim/v2/Users/{sp_id}", "status": 204})


def test_a_twin_raised_after_the_read_is_resolved_in_the_same_batch(tmp_path: Path) -> None:
    config = parse(CONFIG, source="x.yaml", base_dir=tmp_path)
    store = SqlStore(f"sqlite:///{tmp_path / 'db'}")
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    records = [
        _post("2031-01-01T08:00:00Z", _user("t-9", "someone.else@example.com")),
        _delete("2031-01-01T08:30:00Z", "t-9"),  # reads the open twins of the app: none
        _post("2031-01-01T09:00:00Z", _user("t-1", "pia@example.com")),
        _post("2031-01-01T09:05:00Z", _user("t-2", "Pia@Example.com")),  # a twin of t-1
        _delete("2031-01-01T09:10:00Z", "t-2"),
    ]
    ingestor.ingest(config.sources[0], Batch(records=records, checkpoint={}, units=len(records)))
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(findings.c.type, findings.c.subject, findings.c.status, findings.c.resolved_at)
        ).all()
    store.close()
    resolved_at = datetime(2031, 1, 1, 9, 10, tzinfo=UTC).timestamp()
    assert [tuple(row) for row in rows] == [("digital_twin", "t-1|t-2", "resolved", resolved_at)]
