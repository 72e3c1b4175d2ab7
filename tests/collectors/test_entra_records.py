"""The Entra checklist's record shapes (idp-audit-apis.md 2.11), polled from the fake Graph and
normalized: every provisioning status, and the directory audits that remove a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from collector_kit import fake_graph, graph_poller
from fakes.fake_graph import FakeGraph, audit, graph_utc, provisioning, scim_error
from fakes.fake_okta import SyncASGITransport

from collectors import entra_directory_audit, entra_provisioning_log
from collectors.base import Collector
from monitor.classify.idp import normalize
from monitor.clock import FakeClock
from monitor.events import IdpAction, IdpEvent, IdpRecord

TENANT = "t-records"
OID = "8b2e60d1-0f4c-4c55-a0b7-2d9e41c7f6aa"
APP = "5a1f7d2c-93e4-4b0a-8d6f-c1e2b3a4d5e6"


@pytest.fixture
def fake(clock: FakeClock) -> FakeGraph:
    return fake_graph(clock, TENANT)


def make(tmp_path: Path, clock: FakeClock, transport: httpx.BaseTransport, kind: Any) -> Collector:
    options = {"tenant_id": TENANT, "poll_interval_seconds": 0}  # every poll asks
    collector = graph_poller(tmp_path, clock, transport, kind=kind, **options)
    collector.restore(None)
    return collector


def events(collector: Collector, clock: FakeClock) -> dict[str, IdpEvent]:
    """Every fact of one polling cycle, by record id."""
    found: dict[str, IdpEvent] = {}
    for _ in range(20):
        batch = collector.poll()
        if batch is None:
            hint = collector.wait_hint()  # type: ignore[attr-defined]
            if not hint:
                return found
            clock.advance(hint)
            continue
        for record in batch.records:
            assert isinstance(record, IdpRecord)
            (event,) = normalize(record)
            found[record.key] = event
    raise AssertionError("the cycle never ended")


def test_every_provisioning_status_is_read(
    fake: FakeGraph, clock: FakeClock, tmp_path: Path
) -> None:
    """A failure refutes, a success confirms; skipped and warning do neither, and a skipped
    record does not claim the person is provisioned in the app."""
    when = [graph_utc(clock.now() - 300 + i) for i in range(5)]
    conflict = scim_error("EntryConflict", "Conflict", {"status": 409, "scimType": "uniqueness"})
    warned = {**scim_error("InvalidAnchor", "NotFound", {"status": 404}), "reason": "gone"}
    fake.add(
        "provisioning",
        provisioning("ok", when[0], user=OID, app=APP),
        provisioning("bad", when[1], action="create", status="failure", error=conflict, user=OID),
        provisioning("skip", when[2], status="skipped", user=OID, app=APP),
        provisioning("out", when[3], action="other", status="skipped", user=OID, app=APP),
        provisioning("warn", when[4], action="delete", status="warning", error=warned, user=OID),
    )
    got = events(make(tmp_path, clock, SyncASGITransport(fake.app), entra_provisioning_log), clock)
    assert {key: (e.action, e.operation, e.success) for key, e in got.items()} == {
        "ok": (IdpAction.PROVISION, "disable", True),
        "bad": (IdpAction.PROVISION, "create", False),
        "skip": (IdpAction.OTHER, "disable", None),
        "out": (IdpAction.OTHER, "other", None),
        "warn": (IdpAction.PROVISION, "delete", None),
    }
    assert (got["bad"].status, got["bad"].scim_type, got["bad"].detail) == (
        409,
        "uniqueness",
        "EntryConflict",
    )
    assert got["warn"].detail == "InvalidAnchor" and got["warn"].target_id == f"sp-{OID}"
    assert {e.user_id for e in got.values()} == {OID}
    assert got["skip"].app_ref == APP and got["skip"].user_name == f"{OID}@example.com"


def test_deleted_users_are_removals(fake: FakeGraph, clock: FakeClock, tmp_path: Path) -> None:
    """`Delete user` (soft, the UPN rewritten with the object id) and `Hard Delete user` both
    remove the person; a failed delete removes nobody."""
    when = [graph_utc(clock.now() - 300 + i) for i in range(5)]
    fake.add(
        "directoryAudits",
        audit("upd", when[0], activity="Update user", user=OID),
        audit("dis", when[1], activity="Disable account", user=OID),
        audit("del", when[2], activity="Delete user", user=OID),
        audit("hard", when[3], activity="Hard Delete user", user=OID),
        audit("fail", when[4], activity="Delete user", user=OID, result="failure"),
    )
    got = events(make(tmp_path, clock, SyncASGITransport(fake.app), entra_directory_audit), clock)
    assert {key: (e.action, e.success) for key, e in got.items()} == {
        "upd": (IdpAction.DEACTIVATE, True),  # AccountEnabled true -> false
        "dis": (IdpAction.DEACTIVATE, True),
        "del": (IdpAction.DELETE, True),
        "hard": (IdpAction.DELETE, True),
        "fail": (IdpAction.DELETE, False),
    }
    assert {(e.user_id, e.user_name) for e in got.values()} == {(OID, f"{OID}@example.com")}
    raw = fake.records["directoryAudits"][2]["targetResources"][0]
    assert raw["userPrincipalName"].startswith(OID.replace("-", ""))  # as the fake served it
