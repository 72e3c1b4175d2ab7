"""Skipped records reach the DetectionSkippingRecords condition through the store: counted per
kind and minute in the batch's transaction, read back for the window only, on SQLite and
PostgreSQL (so the replica holding the alerting lease sees every replica's skips)."""

from __future__ import annotations

from alerts.snapshot import read_snapshot
from monitor.detect.guard import record_skips
from monitor.store import SqlStore

NOW = 1_767_225_600.0


def test_skips_are_read_for_the_window_only(store: SqlStore) -> None:
    with store.transaction() as conn:
        record_skips(conn, ["scim", "scim", "idp"], NOW - 7200)  # two hours ago: outside
    with store.transaction() as conn:
        record_skips(conn, ["scim"], NOW - 600)
        record_skips(conn, ["scim", "activity"], NOW - 590)  # the same minute: added up
    with store.transaction() as conn:
        record_skips(conn, [], NOW)  # nothing skipped writes nothing

    with store.engine.connect() as conn:
        recent = read_snapshot(conn, now=NOW, error_window=900, mass_window=900)
        wide = read_snapshot(conn, now=NOW, error_window=900, mass_window=900, skip_window=3 * 3600)

    assert recent.skipped == {"scim": 2, "activity": 1}
    assert wide.skipped == {"scim": 4, "activity": 1, "idp": 1}
