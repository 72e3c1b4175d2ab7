"""A record detection cannot handle is skipped alone: the rest of its batch lands exactly as
it would have without it, on SQLite and PostgreSQL; an outage of the database still fails the
whole batch (retried later), PostgreSQL's error classes deciding which is which; and an id no
PostgreSQL index can hold no longer stops a replay or stalls its source, while ids longer than
the old 255-character limit are stored."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from deadline import wait_for
from detect.sample_items import SAMPLE, Items, dump_tables, sample_items
from prometheus_client import CollectorRegistry
from sqlalchemy import Connection, select, text

from monitor.classify import classify
from monitor.clock import FakeClock
from monitor.config import Config, load
from monitor.detect.correlate import Correlator
from monitor.detect.findings import Outcomes
from monitor.detect.guard import detect_batch
from monitor.detect.scim import ScimDetector
from monitor.events import Idp, Operation, ScimEvent, ScimRequest
from monitor.ingest import Ingestor, app_index
from monitor.replay import replay
from monitor.store import SqlStore
from monitor.store.bulk import COPY_MIN_ROWS
from monitor.store.tables import metadata, sp_resources
from monitor.telemetry.metrics import DETECTION_SKIPPED, Metrics

CONFIG = load(SAMPLE / "scimwatch.yaml")
APPS = app_index(CONFIG)
BATCH = 5000


def _poison(items: Items) -> ScimEvent:
    """A create in the first batch whose account later events of that batch touch: detection
    writes for it before it fails, and what it wrote must not be seen by those events."""
    first = [i for i in items[:BATCH] if isinstance(i, ScimEvent)]
    for n, event in enumerate(first):
        later = {(e.app, e.sp_id) for e in first[n + 1 :] if e.operation is not Operation.CREATE}
        if event.operation is Operation.CREATE and (event.app, event.sp_id) in later:
            return event
    raise AssertionError("the sample has no create followed by more traffic to that account")


class _Failing(ScimDetector):
    """The real SCIM detector, failing on one event after doing all its work for it."""

    def __init__(self, base: ScimDetector, bad: ScimEvent, error: Exception) -> None:
        super().__init__(base.resources, base.deprovisions, base.findings)
        self.bad, self.error = bad, error

    def handle(self, event: ScimEvent) -> None:
        super().handle(event)
        if event is self.bad:
            raise self.error


def _failing_on(bad: ScimEvent, error: Callable[[Connection], Exception]) -> Any:
    def make(conn: Connection, outcomes: Outcomes) -> Correlator:
        correlator = Correlator(conn, APPS, outcomes)
        correlator.scim = _Failing(correlator.scim, bad, error(conn))
        return correlator

    return make


def _plain(conn: Connection, outcomes: Outcomes) -> Correlator:
    return Correlator(conn, APPS, outcomes)


def _clear(store: SqlStore) -> None:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def _detect(store: SqlStore, items: Items, make: Any) -> tuple[list[Outcomes], list[object]]:
    _clear(store)
    outcomes, failed = [], []
    for start in range(0, len(items), BATCH):
        with store.transaction() as conn:
            found = detect_batch(
                conn, items[start : start + BATCH], make, lambda i, e: failed.append(i)
            )
            outcomes.append(found)
    return outcomes, failed


def test_the_rest_of_the_batch_lands_as_without_the_record(store: SqlStore) -> None:
    items = sample_items(CONFIG)
    bad = _poison(items)
    without = [item for item in items if item is not bad]
    expected_outcomes, none_failed = _detect(store, without, _plain)
    expected = dump_tables(store)

    got_outcomes, failed = _detect(store, items, _failing_on(bad, lambda conn: ValueError("bug")))

    assert none_failed == [] and failed == [bad]
    assert sum(map(len, expected.values())) > 10_000  # the sample filled the tables
    for table, rows in expected.items():
        assert dump_tables(store)[table] == rows, table
    for want, got in zip(expected_outcomes, got_outcomes, strict=True):
        assert (got.opened, sorted(got.confirmed)) == (want.opened, sorted(want.confirmed))


def test_an_outage_fails_the_whole_batch(store: SqlStore) -> None:
    items = sample_items(CONFIG)[:BATCH]
    bad = _poison(items)
    _clear(store)
    failed: list[object] = []

    def outage(conn: Connection) -> Exception:
        error: Exception = conn.dialect.loaded_dbapi.OperationalError("disk I/O error")
        return error

    with pytest.raises(Exception, match="disk I/O error"), store.transaction() as conn:
        detect_batch(conn, items, _failing_on(bad, outage), lambda i, e: failed.append(i))

    assert failed == []  # not a record's fault: nothing skipped, nothing committed
    assert sum(map(len, dump_tables(store).values())) == 0


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("error", "skipped"),
    [
        ("StringDataRightTruncation", True),  # 22001: the record's value
        ("UniqueViolation", True),  # 23505
        ("ProgramLimitExceeded", True),  # 54000, filed under OperationalError by psycopg
        ("SerializationFailure", False),  # 40001: another transaction's doing, retry
        ("AdminShutdown", False),  # 57P01
        ("DiskFull", False),  # 53100
        ("UndefinedTable", False),  # 42P01: the schema, not the record
    ],
)
def test_postgresql_error_classes_decide_record_or_outage(
    postgres_url: str, error: str, skipped: bool
) -> None:
    import psycopg.errors

    store = SqlStore(postgres_url)
    _clear(store)
    items = sample_items(CONFIG)[:300]
    bad = next(i for i in items if isinstance(i, ScimEvent) and i.operation is Operation.CREATE)
    make = _failing_on(bad, lambda conn: getattr(psycopg.errors, error)("refused"))
    failed: list[object] = []
    try:
        with store.transaction() as conn:
            detect_batch(conn, items, make, lambda i, e: failed.append(i))
        raised = False
    except Exception:
        raised = True
    store.close()
    assert (failed == [bad], raised) == (skipped, not skipped)


# -- ids PostgreSQL cannot index, end to end through replay and a live batch ------------------


def _line(ts: str, sp_id: str, user: str) -> str:
    rep = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": sp_id, "userName": user}
    exchange = {
        "ts": ts,
        "method": "POST",
        "path": "/scim/v2/Users",
        "status": 201,
        "request_body": {"userName": user, "active": True},
        "response_body": {**rep, "active": True},
        "user_agent": "Okta SCIM Client 1.0.0",
    }
    return json.dumps(exchange)


# Past the 2,704 bytes a PostgreSQL index entry may hold, and incompressible (PostgreSQL
# compresses a long entry first): no database keeps an index of such ids.
HUGE_ID = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(100))
LONG_ID = "x" * 300  # more than the 255 characters ids were once limited to (migration 0008)


MIXED = (
    _line("2026-03-01T10:00:00Z", "c-1", "ann@corp.test"),
    _line("2026-03-01T10:01:00Z", HUGE_ID, "bob@corp.test"),
    _line("2026-03-01T10:01:30Z", LONG_ID, "cyd@corp.test"),
    _line("2026-03-01T10:02:00Z", "c-3", "ANN@corp.test"),  # a twin of c-1
)


def _config(tmp_path: Path, lines: Sequence[str] = MIXED) -> Config:
    (tmp_path / "crm.log").write_text("\n".join(lines) + "\n")
    (tmp_path / "scimwatch.yaml").write_text(
        "apps: [{name: crm, idp: okta}]\nsources: [{type: scim_log, app: crm, path: crm.log}]\n"
    )
    return load(tmp_path / "scimwatch.yaml")


def _replayed(
    url: str, config: Config, caplog: pytest.LogCaptureFixture
) -> tuple[SqlStore, CollectorRegistry, list[str]]:
    """Replay `config` into a cleared store: the store (open), the metrics, the errors logged."""
    store = SqlStore(url)
    _clear(store)
    registry = CollectorRegistry()
    ingestor = Ingestor(config=config, store=store, metrics=Metrics(registry), clock=FakeClock())
    with caplog.at_level(logging.ERROR, logger="scimwatch.ingest"):
        replay(config, ingestor=ingestor)
    return store, registry, [r.getMessage() for r in caplog.records]


@pytest.mark.postgres
def test_a_live_source_moves_past_an_id_postgresql_cannot_index(
    postgres_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    spec = config.sources[0]
    store = SqlStore(postgres_url)
    _clear(store)
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    collector = spec.kind.make(spec.config, name=spec.name, base_dir=config.base_dir)
    collector.restore(None)
    batch = collector.poll()
    assert batch is not None and batch.units == 4

    ingestor.ingest(spec, batch)  # raised before, and every retry raised again

    checkpoint = store.checkpoint(source=spec.name)
    collector.close()
    store.close()
    assert checkpoint == batch.checkpoint  # committed: the next poll reads what follows


@pytest.mark.postgres
def test_an_id_postgresql_cannot_index_is_skipped_and_counted(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, registry, logged = _replayed(postgres_url, _config(tmp_path), caplog)

    twins, _total = store.finding_rows(type="digital_twin")
    with store.engine.connect() as conn:
        stored = set(conn.execute(select(sp_resources.c.sp_id)).scalars())
    store.close()
    assert [row["fields"]["sp_ids"] for row in twins] == [["c-1", "c-3"]]
    assert stored == {"c-1", LONG_ID, "c-3"}
    assert registry.get_sample_value(DETECTION_SKIPPED, {"kind": "scim"}) == 1
    assert registry.get_sample_value(DETECTION_SKIPPED, {"kind": "idp"}) == 0
    assert len(logged) == 1 and "skipped a scim record of 2026-03-01T10:01:00Z" in logged[0]
    assert "ProgramLimitExceeded" in logged[0] and HUGE_ID[:64] not in logged[0]


@pytest.mark.postgres
def test_a_batch_of_bad_records_logs_a_few_and_counts_all(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = [
        _line(f"2026-03-01T10:{n:02d}:00Z", f"{n}-{HUGE_ID}", f"u{n}@corp.test") for n in range(8)
    ]
    store, registry, logged = _replayed(postgres_url, _config(tmp_path, lines), caplog)
    store.close()

    assert registry.get_sample_value(DETECTION_SKIPPED, {"kind": "scim"}) == 8
    assert len(logged) == 6 and logged[-1] == "replay: detection skipped 3 more records"


@pytest.mark.postgres
@pytest.mark.parametrize("accounts", [1, COPY_MIN_ROWS + 2], ids=["one row", "by COPY"])
def test_a_row_another_replica_inserts_first_is_no_reason_to_skip(
    postgres_url: str, accounts: int
) -> None:
    """Two replicas sharing PostgreSQL: one commits the account a moment before the other's
    batch inserts it. PostgreSQL answers the second insert (one row, or a batch's COPY) with
    a unique violation (class 23, a record's error to the guard); redone one record at a
    time, the record reads the committed row and lands: nothing is skipped."""
    store = SqlStore(postgres_url)
    _clear(store)
    items: Items = []
    for n in range(accounts):
        name = f"ann{n}@corp.test"
        request = ScimRequest(
            ts=1_767_225_600.0 + n,
            method="POST",
            path="/scim/v2/Users",
            status=201,
            request_body={"userName": name},
            response_body={"id": f"u-{n + 1}", "userName": name, "active": True},
        )
        items.append(classify(request, app="crm", idp=Idp.OKTA))
    other = store.engine.connect()
    other.begin()
    other.execute(
        sp_resources.insert().values(
            app="crm", sp_id="u-1", resource_type="User", first_seen=1.0, last_seen=1.0
        )
    )
    failed: list[object] = []
    done = threading.Event()

    def batch() -> None:
        with store.transaction() as conn:
            detect_batch(conn, items, _plain, lambda i, e: failed.append(i))
        done.set()

    worker = threading.Thread(target=batch)
    worker.start()
    wait_for(lambda: _waiting_on_a_lock(store), what="the batch to wait for the other insert")
    other.commit()
    other.close()
    worker.join(30)

    with store.engine.connect() as conn:
        rows = conn.execute(select(sp_resources).order_by(sp_resources.c.first_seen)).all()
    store.close()
    assert done.is_set() and failed == []
    assert [row.user_name for row in rows] == [f"ann{n}@corp.test" for n in range(accounts)]
    assert all(row.representation is not None for row in rows)


def _waiting_on_a_lock(store: SqlStore) -> bool:
    with store.engine.connect() as conn:
        waiting = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        ).scalar_one()
    return bool(waiting)
