"""Records for the order-independence tests: Okta LogEvents and SCIM log lines, built small."""

from __future__ import annotations

import json
from datetime import datetime

from collectors.scimlog import parse_line
from monitor.events import IdpRecord, ScimRequest

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
