"""The normalizers over a whole recorded scenario: invariants only, no expected values.

Each export file is recognised by its content (not its name), read by the real collector
and normalized; the counts of the facts that drive deprovisioning are then checked against
counts taken from the raw records by a deliberately simpler reading. The directory defaults
to the shared basic scenario; SCIMWATCH_IDP_SAMPLES points elsewhere.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from monitor.classify.idp import normalize
from monitor.events import IdpAction, IdpEvent, IdpRecord

SAMPLES = Path(os.environ.get("SCIMWATCH_IDP_SAMPLES", "/work/shared/samples/basic/idp"))
ReadRecords = Callable[[Path, str, dict[str, str]], list[IdpRecord]]  # the conftest fixture
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no samples at {SAMPLES}")


def source_of(path: Path) -> tuple[str, dict[str, str]]:
    """The collector type (and options) that reads this export, from its content."""
    doc = orjson.loads(path.read_bytes())
    if isinstance(doc, list):
        return "okta_system_log", {}
    if "items" in doc:
        apps = {item["id"]["applicationName"] for item in doc["items"]}
        assert len(apps) == 1, f"{path.name} mixes Reports applications {apps}"
        return "google_reports", {"application": apps.pop()}
    first = doc["value"][0] if doc["value"] else {}
    if "provisioningAction" in first or "provisioningStatusInfo" in first:
        return "entra_provisioning_log", {}
    return "entra_directory_audit", {}


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


@pytest.fixture(name="normalized", scope="module")
def normalized_fixture(read_records: ReadRecords) -> list[tuple[IdpRecord, list[IdpEvent]]]:
    pairs = []
    for path in sample_files():
        source_type, options = source_of(path)
        pairs += [(r, normalize(r)) for r in read_records(path, source_type, options)]
    return pairs


def test_the_scenario_has_every_source(normalized: list[tuple[IdpRecord, list[IdpEvent]]]) -> None:
    kinds = {record.kind.split("/")[0] for record, _ in normalized}
    assert {"okta_system_log", "entra_provisioning_log", "entra_directory_audit"} <= kinds


def test_every_record_gives_events_with_unique_keys(
    normalized: list[tuple[IdpRecord, list[IdpEvent]]],
) -> None:
    keys: Counter[tuple[str, str]] = Counter()
    for record, events in normalized:
        assert events, f"{record.kind} {record.key} gave no event"
        keys.update((record.kind, event.key) for event in events)
    assert [key for key, count in keys.items() if count > 1] == []


def test_fact_counts_match_the_raw_records(
    normalized: list[tuple[IdpRecord, list[IdpEvent]]],
) -> None:
    expected: Counter[IdpAction] = Counter()
    for record, _ in normalized:
        expected.update(raw_facts(record))
    actual = Counter(event.action for _, events in normalized for event in events)
    for action in (IdpAction.DEACTIVATE, IdpAction.SUSPEND, IdpAction.PROVISION):
        assert expected[action] == actual[action], action


def test_okta_facts_name_the_person_not_the_admin(
    normalized: list[tuple[IdpRecord, list[IdpEvent]]],
) -> None:
    for record, events in normalized:
        if record.kind != "okta_system_log":
            continue
        raw: Any = record.raw
        users = [t for t in raw.get("target") or [] if t.get("type") == "User"]
        for event in events:
            if users and event.action is not IdpAction.OTHER:
                assert users[0]["id"] == event.user_id


def test_provisioning_failures_carry_what_the_reason_says(
    normalized: list[tuple[IdpRecord, list[IdpEvent]]],
) -> None:
    failures = 0
    for record, events in normalized:
        for event in events:
            if event.action is not IdpAction.PROVISION or event.success is not False:
                continue
            failures += 1
            reason = raw_reason(record)
            if "StatusCode:" in reason:
                assert event.status is not None and 400 <= event.status <= 599, reason
            if "retried again after this date" in reason:
                assert event.retry_at is not None and event.retry_at > record.ts, reason
    assert failures, "the scenario has no provisioning failure: the invariant tests nothing"


def raw_facts(record: IdpRecord) -> Iterator[IdpAction]:
    """The facts a record states, read the simple way (an oracle, not the implementation)."""
    raw: Any = record.raw
    if record.kind == "okta_system_log":
        event_type = str(raw.get("eventType"))
        if event_type == "user.lifecycle.deactivate":
            yield IdpAction.DEACTIVATE
        elif event_type == "user.lifecycle.suspend":
            yield IdpAction.SUSPEND
        elif event_type.startswith("application.provision.user."):
            yield IdpAction.PROVISION
    elif record.kind == "entra_provisioning_log":
        identity = raw.get("sourceIdentity") or {}
        if identity.get("identityType", "User").lower() == "user":
            yield IdpAction.PROVISION
    elif record.kind == "entra_directory_audit":
        if raw.get("activityDisplayName") == "Disable account" or disables_in_update(raw):
            yield IdpAction.DEACTIVATE
    else:
        for event in raw.get("events") or []:
            if event.get("name") == "SUSPEND_USER":
                yield IdpAction.SUSPEND


def disables_in_update(raw: Any) -> bool:
    """`Update user` that turns AccountEnabled from true to false, in any encoding."""
    if raw.get("activityDisplayName") != "Update user":
        return False
    for target in raw.get("targetResources") or []:
        for prop in target.get("modifiedProperties") or []:
            if prop.get("displayName") == "AccountEnabled":
                old, new = str(prop.get("oldValue")).lower(), str(prop.get("newValue")).lower()
                return "true" in old and "false" in new
    return False


def raw_reason(record: IdpRecord) -> str:
    raw: Any = record.raw
    if record.kind == "entra_provisioning_log":
        status = raw.get("provisioningStatusInfo") or {}
        return str((status.get("errorInformation") or {}).get("reason") or "")
    return str((raw.get("outcome") or {}).get("reason") or "")
