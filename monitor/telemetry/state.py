"""Gauges read from the store at scrape time: what is pending, overdue and open right now.

These describe state, not events, so they are computed from the store when Prometheus scrapes
(a custom collector, as client_python recommends for values owned elsewhere). A failing query
is logged and skipped: telemetry never breaks the scrape of everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from monitor.store.base import Store, StoreError

__all__ = [
    "COLLECTOR_LAG",
    "DEPROVISIONS_OVERDUE",
    "DEPROVISIONS_PENDING",
    "FINDINGS_OPEN",
    "OLDEST_PENDING",
    "StateCollector",
]

DEPROVISIONS_PENDING = "scimwatch_deprovisions_pending"
OLDEST_PENDING = "scimwatch_deprovision_oldest_pending_seconds"
DEPROVISIONS_OVERDUE = "scimwatch_deprovisions_overdue"
FINDINGS_OPEN = "scimwatch_findings_open"
COLLECTOR_LAG = "scimwatch_collector_lag_seconds"

log = logging.getLogger("scimwatch.telemetry")


class StateCollector:
    """Pending and overdue deprovisions per app, open findings per app and type."""

    def __init__(
        self,
        store: Store,
        *,
        apps: Iterable[str],
        slo: Callable[[str], float],
        now: Callable[[], float],
    ) -> None:
        self._store = store
        self._apps = tuple(apps)
        self._slo = slo
        self._now = now

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterable[Metric]:
        families = self._families()
        pending, oldest, overdue, open_, lag = families
        try:
            now = self._now()
            rows = self._store.pending_deprovisions()
            for app in self._apps:
                waiting = [now - requested for a, requested in rows if a == app]
                pending.add_metric([app], len(waiting))
                oldest.add_metric([app], max(waiting, default=0.0))
                overdue.add_metric([app], sum(1 for age in waiting if age > self._slo(app)))
            for (app, kind), n in sorted(self._store.open_findings().items()):
                open_.add_metric([app, kind], n)
            for source, newest in sorted(self._store.newest_by_source().items()):
                lag.add_metric([source], max(now - newest, 0.0))
        except StoreError as err:
            log.warning("state metrics unavailable: %s", err)
            return []
        return families

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                DEPROVISIONS_PENDING, "Deprovisions requested and not confirmed.", labels=["app"]
            ),
            GaugeMetricFamily(
                OLDEST_PENDING, "Age of the oldest pending deprovision.", labels=["app"]
            ),
            GaugeMetricFamily(
                DEPROVISIONS_OVERDUE,
                "Pending deprovisions older than the app's SLO (zombie risk).",
                labels=["app"],
            ),
            GaugeMetricFamily(FINDINGS_OPEN, "Findings currently open.", labels=["app", "type"]),
            GaugeMetricFamily(
                COLLECTOR_LAG,
                "Now minus the newest event a collector delivered (stale sources grow).",
                labels=["collector"],
            ),
        ]
