"""Order independence across a rehire: activity counts only while a deprovision was in force.

A person is deprovisioned (the IdP deactivates them, the app's SCIM log shows the disable),
keeps using the app with a token that still works, and is rehired (reactivated) hours later;
from then on, their use of the app and their sign-ins are legitimate. A time-ordered replay
counts the two uses and the one sign-in in between. A daemon reading whole sources one after
another must reach the same findings in every order: the rehire used to delete the deprovision,
so reading the activity after it lost the finding, and reading it before the IdP counted the
rehired person's later use too.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from order_kit import APPINST, PERSON, okta, report_after, scim

from collectors.app_activity_log import parse_activity
from monitor.events import ActivityRecord, Record

USER = {"id": "sp-1", "userName": "pia@example.com", "externalId": PERSON["id"], "active": True}


def use(ts: str) -> ActivityRecord:
    line = {"ts": ts, "app": "tickets", "user": "pia@example.com", "auth": "api_token"}
    record = parse_activity(json.dumps({**line, "action": "read", "status": 200}).encode())
    assert isinstance(record, ActivityRecord)
    return record


def patch(ts: str, active: bool) -> Record:
    body = {"Operations": [{"op": "replace", "value": {"active": active}}]}
    return scim({"ts": ts, "method": "PATCH", "path": "/scim/v2/Users/sp-1", "status": 200,
                 "request_body": body, "response_body": {**USER, "active": active}})  # fmt: skip


SOURCES: dict[str, list[Record]] = {
    "scim": [
        scim(
            {
                "ts": "2031-01-01T09:00:05Z",
                "method": "POST",
                "path": "/scim/v2/Users",
                "status": 201,
                "request_body": {**USER, "id": None},
                "response_body": USER,
            }
        ),
        patch("2031-01-01T10:00:40Z", active=False),  # the deprovision, confirmed
        patch("2031-01-01T12:00:30Z", active=True),  # the rehire, pushed
    ],
    "okta": [
        okta("e1", "2031-01-01T09:00:00.000Z", "application.user_membership.add", APPINST, PERSON),
        okta("e2", "2031-01-01T10:00:00.000Z", "user.lifecycle.deactivate", PERSON),
        okta("e3", "2031-01-01T10:20:00.000Z", "user.authentication.sso", APPINST, PERSON),
        okta("e4", "2031-01-01T12:00:00.000Z", "user.lifecycle.reactivate", PERSON),
        okta("e5", "2031-01-01T13:30:00.000Z", "user.authentication.sso", APPINST, PERSON),
    ],
    "activity": [
        use("2031-01-01T09:30:00Z"),  # before the deprovision
        use("2031-01-01T10:30:00Z"),  # after it: the token still works
        use("2031-01-01T11:00:00Z"),
        use("2031-01-01T13:00:00Z"),  # rehired: legitimate again
        use("2031-01-01T14:00:00Z"),
    ],
}


def findings(tmp_path: Path, url: str, order: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The activity findings after ingesting each source whole, in `order` ("time": merged)."""
    report = report_after(tmp_path, url, SOURCES, order)
    return sorted(
        (f["app"] or "", f["count"], f["first_at"], f["source"])
        for f in report["findings"]
        if f["type"] == "activity_after_deprovision"
    )


REPLAY = [
    ("", 1, "2031-01-01T10:20:00.000Z", "okta_session"),  # the sign-in while deactivated
    ("tickets", 2, "2031-01-01T10:30:00.000Z", "app_activity"),  # 10:30 and 11:00
]


def test_a_time_ordered_replay_counts_only_what_happened_while_removed(
    tmp_path: Path, empty_db_url: str
) -> None:
    assert findings(tmp_path, empty_db_url, ("time",)) == REPLAY


@pytest.mark.parametrize("order", list(itertools.permutations(SOURCES)))
def test_every_arrival_order_reaches_the_replays_findings(
    tmp_path: Path, empty_db_url: str, order: tuple[str, ...]
) -> None:
    assert findings(tmp_path, empty_db_url, order) == REPLAY
