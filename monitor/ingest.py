"""The ingest pipeline shared by `replay` and `run`: classify, detect, commit, publish.

collector batch -> classifier -> tallies + detectors -> store (one transaction with the
checkpoint) -> metrics. Metrics are published only after the commit, so what Prometheus shows
was durably counted; a crash between the two loses a scrape's worth of increments, never data.
Batches are serialised: the detectors read and write shared identity state.

Each batch is an `ingest.batch` span; its detection pass is one `detect.batch` child span (one
per batch, never per record: a span per record would cost as much as detecting many of them).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from opentelemetry import trace
from opentelemetry.trace import Tracer
from sqlalchemy import Connection

from collectors.base import Batch
from monitor.clock import Clock
from monitor.config import Config, SourceSpec
from monitor.detect.correlate import Correlator
from monitor.detect.findings import Outcomes
from monitor.detect.guard import detect_batch, record_skips
from monitor.detect.idp import AppIndex
from monitor.detect.traffic import Traffic
from monitor.events import ActivityRecord, Idp, IdpRecord, Record, RejectReason, ScimEvent
from monitor.store.base import Store
from monitor.tally import Sink, Tally, summarize
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.summary import BatchSummary
from monitor.telemetry.tracing import TRACER_NAME

__all__ = ["Ingestor", "app_index", "summarize"]

log = logging.getLogger("scimwatch.ingest")
_LOGGED_SKIPS = 5  # skipped records logged one by one per batch; the rest are counted
_PACKAGE = Path(__file__).parent


def _detector_frame(path: Path) -> bool:
    """scimwatch's own code, not the store layer: where a skipped record's log points."""
    return path.is_relative_to(_PACKAGE) and not path.is_relative_to(_PACKAGE / "store")


def app_index(config: Config) -> AppIndex:
    """The IdP ids of each configured app, and the apps each IdP provisions."""
    refs: dict[tuple[str, str], str] = {}
    by_idp: dict[str, list[str]] = {}
    for app in config.apps:
        for idp, ref in (
            ("okta", app.okta_app_id),
            ("entra", app.entra_service_principal_id),
            ("google", app.google_app_name),
        ):
            if ref:
                refs[(idp, ref.casefold())] = app.name
        if app.idp:
            by_idp.setdefault(app.idp, []).append(app.name)
    return AppIndex(refs, by_idp)


class Ingestor:
    """Turns collector batches into stored counts, detections and metric increments."""

    def __init__(
        self,
        *,
        config: Config,
        store: Store,
        metrics: Metrics,
        clock: Clock,
        tracer: Tracer | None = None,
    ) -> None:
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._idps = {app.name: Idp(app.idp) if app.idp else None for app in config.apps}
        self._apps = app_index(config)
        self._lock = threading.Lock()

    def ingest(self, source: SourceSpec, batch: Batch) -> BatchSummary:
        """Classify and detect, commit atomically with the batch's checkpoint, then publish."""
        with self._tracer.start_as_current_span(
            "ingest.batch", attributes={"scimwatch.source": source.name}
        ) as span:
            summary = self._ingest(source, batch)
            span.set_attribute("scimwatch.records", summary.units)
            span.set_attribute("scimwatch.rejected", sum(summary.rejected.values()))
            return summary

    def _ingest(self, source: SourceSpec, batch: Batch) -> BatchSummary:
        with self._lock, self._store.transaction() as conn:
            traffic = Traffic()
            items: list[ScimEvent | Record] = []
            summary = summarize(
                batch, app=source.app, idp=self._idp(source), sink=_both(traffic, items.append)
            )
            outcomes, skipped = self._detect(conn, items, source.name)
            traffic.write(conn)
            self._store.write_source(
                conn,
                source=source.name,
                checkpoint=batch.checkpoint,
                units=summary.units,
                newest_ts=summary.newest_ts,
                rejected=summary.rejected,
                now=self._clock.now(),
            )
            self._store.add_requests(conn, summary.requests)
        self._metrics.apply(source.name, summary)
        self._publish(outcomes, skipped)
        _log_rejects(source.name, batch.rejected, batch.examples)
        return summary

    def ingest_merged(self, items: Iterable[tuple[SourceSpec, Record]]) -> BatchSummary:
        """Records of several sources in event-time order (replay); sources finish separately."""
        with self._tracer.start_as_current_span("ingest.batch") as span:
            summary, records, sources = self._ingest_merged(items)
            span.set_attribute("scimwatch.records", records)
            span.set_attribute("scimwatch.sources", sources)
            return summary

    def _ingest_merged(
        self, items: Iterable[tuple[SourceSpec, Record]]
    ) -> tuple[BatchSummary, int, int]:
        """The merged batch's summary, its record count and how many sources it spans."""
        tally = Tally()
        with self._lock, self._store.transaction() as conn:
            traffic = Traffic()
            handled: list[ScimEvent | Record] = []
            sink = _both(traffic, handled.append)
            routes: dict[str, tuple[str | None, Idp | None]] = {}  # per source, read once
            for spec, record in items:
                route = routes.get(spec.name)
                if route is None:
                    route = routes[spec.name] = (spec.app, self._idp(spec))
                tally.add_all((record,), app=route[0], idp=route[1], sink=sink)
            outcomes, skipped = self._detect(conn, handled, "replay")
            traffic.write(conn)
            summary = tally.summary()
            self._store.add_requests(conn, summary.requests)
        self._metrics.apply_requests(summary)
        self._publish(outcomes, skipped)
        return summary, len(handled), len(routes)

    def _detect(
        self, conn: Connection, items: list[ScimEvent | Record], where: str
    ) -> tuple[Outcomes, list[str]]:
        """One detection pass over a batch, traced as a whole: its outcomes are counted once
        at the end, so the span costs the same for ten records as for ten thousand. A record
        detection cannot handle is skipped alone (`monitor.detect.guard`); the kinds of those
        skipped are returned, to be counted once the batch has committed."""
        skipped: list[str] = []

        def failed(item: ScimEvent | Record, err: Exception) -> None:
            skipped.append(record_kind(item))
            if len(skipped) <= _LOGGED_SKIPS:  # a bug that hits every record logs a few
                _log_skipped(where, item, err)

        with self._tracer.start_as_current_span(
            "detect.batch", attributes={"scimwatch.records": len(items)}
        ) as span:
            outcomes = detect_batch(conn, items, self._correlator, failed)
            record_skips(conn, skipped, self._clock.now())
            span.set_attribute("scimwatch.findings.opened", sum(outcomes.opened.values()))
            span.set_attribute("scimwatch.deprovisions.confirmed", len(outcomes.confirmed))
            span.set_attribute("scimwatch.records.skipped", len(skipped))
        if len(skipped) > _LOGGED_SKIPS:
            log.error("%s: detection skipped %d more records", where, len(skipped) - _LOGGED_SKIPS)
        return outcomes, skipped

    def _correlator(self, conn: Connection, outcomes: Outcomes) -> Correlator:
        return Correlator(conn, self._apps, outcomes)

    def _publish(self, outcomes: Outcomes, skipped: list[str]) -> None:
        self._metrics.apply_outcomes(
            confirmed=outcomes.confirmed, opened=outcomes.opened, idp_of=self._idp_label
        )
        self._metrics.skipped_records(skipped)

    def _idp_label(self, app: str) -> str:
        idp = self._idps.get(app)
        return str(idp) if idp is not None else "unknown"

    def refresh_statistics(self) -> None:
        """Let the store re-read its statistics (a replay's tables grow from nothing)."""
        self._store.refresh_statistics()

    def finish_sources(self, finished: Iterable[tuple[SourceSpec, Batch, float | None]]) -> None:
        """Merged sources' totals (spec, totals, newest event time): units, rejected lines,
        newest event, final checkpoint; one transaction for all of them (a replay of many
        files paid a commit per file)."""
        done: list[tuple[str, BatchSummary, Batch]] = []
        with self._store.transaction() as conn:
            for spec, batch, newest_ts in finished:
                summary = BatchSummary(units=batch.units, newest_ts=newest_ts)
                summary.rejected.update({str(reason): n for reason, n in batch.rejected.items()})
                self._store.write_source(
                    conn,
                    source=spec.name,
                    checkpoint=batch.checkpoint,
                    units=batch.units,
                    newest_ts=newest_ts,
                    rejected=summary.rejected,
                    now=self._clock.now(),
                )
                done.append((spec.name, summary, batch))
        for name, summary, batch in done:
            self._metrics.apply_source(name, summary)
            _log_rejects(name, batch.rejected, batch.examples)

    def _idp(self, spec: SourceSpec) -> Idp | None:
        return self._idps.get(spec.app or "")


def _both(traffic: Traffic, detect: Sink) -> Sink:
    """Feed the traffic windows of the alert conditions and the detectors from one pass."""
    add = traffic.add

    def sink(item: ScimEvent | Record) -> None:
        if type(item) is ScimEvent:
            add(item)
        detect(item)

    return sink


def record_kind(item: ScimEvent | Record) -> str:
    """`scim`, `idp` or `activity`: the `kind` label of a skipped record."""
    if isinstance(item, IdpRecord):
        return "idp"
    return "activity" if isinstance(item, ActivityRecord) else "scim"


def _log_skipped(where: str, item: ScimEvent | Record, err: Exception) -> None:
    """Where detection failed and on what kind of record, never the record's content (it may
    hold secrets) nor the error's message (it may quote the content)."""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if _detector_frame(Path(f.filename))] or frames
    at = f" in {ours[-1].name} ({Path(ours[-1].filename).name}:{ours[-1].lineno})" if ours else ""
    log.error(
        "%s: detection skipped a %s record of %s: %s%s",
        where,
        record_kind(item),
        _when(item.ts),
        type(err).__name__,
        at,
    )


def _when(ts: float) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):  # the time itself may be what broke
        return "an unreadable time"


def _log_rejects(
    source: str, rejected: Counter[RejectReason], examples: Mapping[RejectReason, str]
) -> None:
    """`invalid_json: 3, e.g. not JSON; ...`: details never echo input, which may hold secrets."""
    if not rejected:
        return
    parts = []
    for reason, n in sorted(rejected.items()):
        example = examples.get(reason)
        parts.append(f"{reason}: {n}, e.g. {example}" if example else f"{reason}: {n}")
    log.warning(
        "source %s: skipped %d unreadable lines (%s)",
        source,
        sum(rejected.values()),
        "; ".join(parts),
    )
