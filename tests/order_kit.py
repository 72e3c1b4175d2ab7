"""Records for the order-independence tests: Okta LogEvents and SCIM log lines, built small."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from collectors.base import Batch
from collectors.scimlog import parse_line
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.events import IdpRecord, Record, ScimRequest
from monitor.ingest import Ingestor
from monitor.report import build_report
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

APP_ID = "0oaTicketsApp"
USER = "00uPersonOne000000001"


def okta(uuid: str, published: str, event_type: str, *targets: dict[str, str]) -> IdpRecord:
    raw = {
        "uuid": uuid,
        "published": published,
        "eventType": event_type,
        "outcome": {"result": "SUCCESS"},
        "target": list(targets),
    }
    ts = datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()
    return IdpRecord(ts=ts, kind="okta_system_log", key=uuid, raw=raw)


PERSON = {"id": USER, "type": "User", "alternateId": "pia@example.com"}
APPINST = {"id": APP_ID, "type": "AppInstance", "alternateId": "Tickets"}


def scim(line: dict[str, object]) -> ScimRequest:
    record = parse_line(json.dumps(line).encode())
    assert isinstance(record, ScimRequest)
    record.app = "tickets"
    return record


# One Okta app with a SCIM log and an activity log, in the order `report_after` names them.
SOURCES_CONFIG = (
    f"apps: [{{name: tickets, idp: okta, okta_app_id: {APP_ID}}}]\n"
    "sources:\n  - {type: scim_log, app: tickets, path: t.log}\n"
    "  - {type: okta_system_log, path: okta.json}\n"
    "  - {type: app_activity_log, app: tickets, path: a.log}\n"
)
_NAMES = ("scim", "okta", "activity")


def report_after(
    tmp_path: Path,
    url: str,
    sources: dict[str, list[Record]],
    order: tuple[str, ...],
    *,
    config_text: str = SOURCES_CONFIG,
    names: tuple[str, ...] = _NAMES,
) -> dict[str, Any]:
    """The report after a daemon ingested each source whole, in `order` (`names` name the
    configured sources in their order), or a replay of them merged by time (`("time",)`)."""
    config = parse(config_text, source="x.yaml", base_dir=tmp_path)
    store = SqlStore(url)
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    specs = dict(zip(names, config.sources, strict=True))
    if order == ("time",):
        merged = sorted(
            ((record.ts, name, record) for name, records in sources.items() for record in records),
            key=lambda item: (item[0], item[1]),
        )
        ingestor.ingest_merged((specs[name], record) for _, name, record in merged)
    for name in order if order != ("time",) else ():
        records = sources.get(name, [])
        ingestor.ingest(specs[name], Batch(records=records, checkpoint={}, units=len(records)))
    report = build_report(store, config)
    store.close()
    return report
