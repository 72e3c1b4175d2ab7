"""Order independence: an IdP record naming a later account must not make an earlier one a twin.

A person's account is created, disabled and deleted; a day later they are provisioned again
and get a new SP id, which Entra's provisioning log names. A daemon that reads the IdP's log
before the SCIM log knows the new id before it sees the old account created, and used to
report the two as live at once (a digital twin, resolved an hour later) where a replay in time
order, rightly, reports nothing.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest
from fakes.fake_graph import provisioning
from order_kit import report_after, scim

from monitor.events import IdpRecord, Record

SP = "e394395f-7b85-4a43-a1be-365854c5a110"  # the app's service principal in Entra
CONFIG = (
    f"apps: [{{name: tickets, idp: entra, entra_service_principal_id: {SP}}}]\n"
    "sources:\n  - {type: scim_log, app: tickets, path: t.log}\n"
    "  - {type: entra_provisioning_log, path: p.json}\n"
)
OLD = {"id": "sp-old", "userName": "u1@example.com", "externalId": "u1", "active": True}
NEW = {**OLD, "id": "sp-u1"}  # the id the fake provisioning record names as its target


def request(ts: str, method: str, path: str, body: object, answer: object, status: int) -> Record:
    return scim({"ts": ts, "method": method, "path": path, "status": status,
                 "request_body": body, "response_body": answer})  # fmt: skip


def entra(key: str, when: str) -> IdpRecord:
    raw = provisioning(key, when, action="create", user="u1", app=SP)
    ts = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    return IdpRecord(ts=ts, kind="entra_provisioning_log", key=key, raw=json.loads(json.dumps(raw)))


OFF = {"Operations": [{"op": "replace", "value": {"active": False}}]}
SOURCES: dict[str, list[Record]] = {
    "scim": [
        request("2031-01-01T09:00:00Z", "POST", "/scim/v2/Users", {**OLD, "id": None}, OLD, 201),
        request(
            "2031-01-01T10:00:00Z",
            "PATCH",
            "/scim/v2/Users/sp-old",
            OFF,
            {**OLD, "active": False},
            200,
        ),
        request("2031-01-01T11:00:00Z", "DELETE", "/scim/v2/Users/sp-old", None, None, 204),
        request("2031-01-02T09:00:00Z", "POST", "/scim/v2/Users", {**NEW, "id": None}, NEW, 201),
    ],
    "entra": [entra("p1", "2031-01-02T09:00:02Z")],
}


def twins(tmp_path: Path, url: str, order: tuple[str, ...]) -> list[object]:
    report = report_after(
        tmp_path, url, SOURCES, order, config_text=CONFIG, names=("scim", "entra")
    )
    return [f for f in report["findings"] if f["type"] == "digital_twin"]


@pytest.mark.parametrize("order", [("time",), *itertools.permutations(SOURCES)])
def test_accounts_a_day_apart_are_never_twins(
    tmp_path: Path, empty_db_url: str, order: tuple[str, ...]
) -> None:
    assert twins(tmp_path, empty_db_url, order) == []
