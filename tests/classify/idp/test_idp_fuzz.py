"""Property: the IdP normalizers never raise, whatever a collector hands them.

Records are generated in each vendor's shape (so the deep paths are reached) with any JSON
value wherever a field may hold one, plus arbitrary JSON as the whole record.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.classify.idp import normalize
from monitor.events import Idp, IdpAction, IdpEvent, IdpRecord

TEXT = st.text(max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


REASON = st.lists(
    st.sampled_from(
        [
            "StatusCode: ",
            "Conflict",
            "TooManyRequests",
            "Bad Request",
            "409",
            "\r\n",
            ".",
            " ",
            "Web Response: ",
            '{"status": ',
            '"400"',
            ', "scimType": "uniqueness"',
            "}",
            "[",
            "It will be retried again after this date: ",
            "2026-03-24T13:23:44.9198514Z",
            "9999-12-31T23:59:59-23:59",
            " UTC",
            "Errors reported by remote server: ",
        ]
    )
    | TEXT,
    max_size=12,
).map("".join)
GOOGLE_KINDS = [f"google_reports/{app}" for app in ("admin", "token", "login", "saml", "x", "")]
Strategy = st.SearchStrategy[object]


class Shapes:
    """Vendor-shaped records. With `noise`, any field may be missing or any JSON value; without
    it every field is present with a plausible value, so the deepest paths are reached often."""

    def __init__(self, *, noise: bool) -> None:
        self.noise = noise

    def maybe(self, values: list[str]) -> Strategy:
        return self.mostly(st.sampled_from(values))

    def record(self, fields: dict[str, Strategy]) -> Strategy:
        if not self.noise:
            return st.fixed_dictionaries(fields)
        return self.mostly(st.fixed_dictionaries({}, optional=fields))

    def mostly(self, shaped: Strategy) -> Strategy:
        return st.one_of(shaped, shaped, shaped, JSON) if self.noise else shaped

    def records(self) -> st.SearchStrategy[tuple[str, object]]:
        return st.one_of(
            st.tuples(st.just("okta_system_log"), self.okta()),
            st.tuples(st.just("entra_provisioning_log"), self.provisioning()),
            st.tuples(st.just("entra_directory_audit"), self.audit()),
            st.tuples(st.sampled_from(GOOGLE_KINDS), self.google()),
        )

    def okta(self) -> Strategy:
        target = self.record(
            {
                "id": self.maybe(["00u1", "0oa1", ""]),
                "type": self.maybe(["User", "AppInstance", "AppUser", "user"]),
                "alternateId": self.maybe(["a@b.test"]),
                "changeDetails": self.record(
                    {"to": self.record({"userName": self.maybe(["new@b.test", ""])})}
                ),
            }
        )
        return self.record(
            {
                "eventType": self.maybe(
                    [
                        "user.lifecycle.deactivate",
                        "user.lifecycle.delete.completed",
                        "application.user_membership.change_username",
                        "application.provision.user.deactivate",
                        "application.provision.user.",
                        "user.session.start",
                        "user.authentication.sso",
                        "system.org.rate_limit.warning",
                    ]
                ),
                "outcome": self.record(
                    {
                        "result": self.maybe(["SUCCESS", "FAILURE", "DENY", "SKIPPED"]),
                        "reason": self.mostly(REASON),
                    }
                ),
                "target": self.mostly(st.lists(target, max_size=4)),
                "actor": target,
                "debugContext": self.record(
                    {"debugData": self.record({"newUserName": self.maybe(["n@b.test"])})}
                ),
            }
        )

    def provisioning(self) -> Strategy:
        error = self.record(
            {"errorCode": self.maybe(["EntryConflict"]), "reason": self.mostly(REASON)}
        )
        status = self.record(
            {
                "status": self.maybe(["success", "failure", "skipped", "Failure"]),
                "errorInformation": error,
            }
        )
        identity = self.record(
            {
                "id": self.maybe(["u1", ""]),
                "identityType": self.maybe(["User", "Group"]),
                "details": self.record({"UserPrincipalName": self.maybe(["a@b.test"])}),
            }
        )
        return self.record(
            {
                "provisioningAction": self.maybe(["create", "disable", "stageddelete"]),
                "action": self.maybe(["delete"]),
                "provisioningStatusInfo": status,
                "statusInfo": status,
                "sourceIdentity": identity,
                "targetIdentity": identity,
                "servicePrincipal": self.record({"id": self.maybe(["sp1"])})
                | st.lists(self.record({"id": self.maybe(["sp1"])}), max_size=2),
                "targetSystem": self.record(
                    {"details": self.record({"ServicePrincipalId": self.maybe(["sp1"])})}
                ),
            }
        )

    def audit(self) -> Strategy:
        flag = self.maybe(["[true]", "[false]", '["True"]', "[]", "True", "[", "null", '"no"'])
        change = self.record(
            {
                "displayName": self.maybe(["AccountEnabled", "accountenabled", "DisplayName"]),
                "oldValue": flag | st.lists(flag, max_size=2),
                "newValue": flag | st.lists(flag, max_size=2),
            }
        )
        target = self.record(
            {
                "type": self.maybe(["User", "Group"]),
                "id": self.maybe(["3f2e1d0c-b9a8", ""]),
                "userPrincipalName": self.maybe(["3f2e1d0cb9a8a@b.test", "3f2e1d0cb9a8"]),
                "modifiedProperties": self.mostly(st.lists(change, max_size=3)),
            }
        )
        return self.record(
            {
                "activityDisplayName": self.maybe(["Update user", "Disable account", "x"]),
                "result": self.maybe(["success", "failure"]),
                "resultReason": self.mostly(TEXT),
                "targetResources": self.mostly(st.lists(target, max_size=3)),
            }
        )

    def google(self) -> Strategy:
        names = ["USER_EMAIL", "NEW_VALUE", "app_name", "client_type", "application_name"]
        param = self.record({"name": self.maybe(names), "value": self.maybe(["a@b.test", ""])})
        event = self.record(
            {
                "name": self.maybe(["SUSPEND_USER", "RENAME_USER", "activity", "login_success"]),
                "parameters": self.mostly(st.lists(param, max_size=4)),
            }
        )
        return self.record(
            {
                "actor": self.record({"email": self.maybe(["a@b.test"])}),
                "events": self.mostly(st.lists(event, max_size=4)),
            }
        )


SHAPED = Shapes(noise=True).records() | Shapes(noise=False).records()
ANY_KIND = st.sampled_from(["okta_system_log", "entra_directory_audit", *GOOGLE_KINDS]) | TEXT
OPTIONAL_TEXT = (str, type(None))


def check(event: IdpEvent, record: IdpRecord) -> None:
    assert event.key == record.key or event.key.startswith(record.key + "#")
    assert event.ts is record.ts
    assert isinstance(event.idp, Idp) and isinstance(event.action, IdpAction)
    for name in ("user_id", "user_name", "app_ref", "operation", "scim_type", "target_id"):
        assert isinstance(getattr(event, name), OPTIONAL_TEXT), name
    assert isinstance(event.new_user_name, OPTIONAL_TEXT)
    assert isinstance(event.detail, str)
    assert event.success is None or isinstance(event.success, bool)
    assert event.status is None or (type(event.status) is int and 100 <= event.status <= 599)
    assert event.retry_at is None or isinstance(event.retry_at, float)
    json.dumps([event.user_id, event.user_name, event.app_ref, event.detail])


@settings(max_examples=1000)
@given(
    shaped=SHAPED | st.tuples(ANY_KIND, JSON),
    ts=st.floats(),
    key=TEXT,
)
def test_normalize_never_raises(shaped: tuple[str, object], ts: float, key: str) -> None:
    kind, raw = shaped
    record = IdpRecord(ts=ts, kind=kind, key=key, raw=raw)  # type: ignore[arg-type]
    events = normalize(record)
    assert isinstance(events, list)
    for event in events:
        check(event, record)
    assert len({event.key for event in events}) == len(events)
