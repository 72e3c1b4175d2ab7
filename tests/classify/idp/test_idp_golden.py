"""Golden tests: IdP export pages (`tests/golden/idp/<source>.json`) against expected facts.

Each page is read by the real collector, so record kinds, keys and timestamps are what the
daemon would pass; the expected file holds one IdpEvent per line as sorted-key JSON, ordered
by time then key (so the order the collector delivers records in does not matter).
SCIMWATCH_UPDATE_GOLDEN=1 rewrites the expected files; review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from golden_util import assert_golden

from monitor.classify.idp import normalize
from monitor.events import IdpEvent, IdpRecord

ReadRecords = Callable[[Path, str, dict[str, str]], list[IdpRecord]]  # the conftest fixture

GOLDEN = Path(__file__).parents[2] / "golden" / "idp"
SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "okta": ("okta_system_log", {}),
    "entra_provisioning": ("entra_provisioning_log", {}),
    "entra_directory_audit": ("entra_directory_audit", {}),
    "google_admin": ("google_reports", {"application": "admin"}),
    "google_token": ("google_reports", {"application": "token"}),
    "google_login": ("google_reports", {"application": "login"}),
    "google_saml": ("google_reports", {"application": "saml"}),
    "google_user_accounts": ("google_reports", {"application": "user_accounts"}),
}


def event_json(event: IdpEvent) -> str:
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS).decode()


def test_every_input_file_has_a_source() -> None:
    assert {p.name.removesuffix(".json") for p in GOLDEN.glob("*.json")} == set(SOURCES)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_source(source: str, read_records: ReadRecords) -> None:
    source_type, options = SOURCES[source]
    records = read_records(GOLDEN / f"{source}.json", source_type, options)
    events = sorted(
        (event for record in records for event in normalize(record)),
        key=lambda event: (event.ts, event.key),
    )
    assert len({event.key for event in events}) == len(events), "event keys must be unique"
    assert events, "a golden input with no events tests nothing"
    assert_golden(GOLDEN / f"{source}.golden.jsonl", map(event_json, events))
