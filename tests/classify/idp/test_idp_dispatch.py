"""`normalize` routes each record by the kind its collector gave it."""

from __future__ import annotations

import pytest

from monitor.classify.idp import normalize
from monitor.events import Idp, IdpAction, IdpRecord

OKTA_DEACTIVATE = {
    "eventType": "user.lifecycle.deactivate",
    "outcome": {"result": "SUCCESS", "reason": None},
    "actor": {"id": "00uadmin", "type": "User", "alternateId": "admin@corp.test"},
    "target": [{"id": "00uleaver", "type": "User", "alternateId": "leaver@corp.test"}],
}
GOOGLE_SUSPEND = {
    "actor": {"email": "admin@corp.test"},
    "events": [{"name": "SUSPEND_USER", "parameters": [{"name": "USER_EMAIL", "value": "l@c.t"}]}],
}


def record(kind: str, raw: object) -> IdpRecord:
    return IdpRecord(ts=1.5, kind=kind, key="k1", raw=raw)  # type: ignore[arg-type]


def test_okta_person_is_the_target_not_the_actor() -> None:
    (event,) = normalize(record("okta_system_log", OKTA_DEACTIVATE))
    assert (
        event.idp,
        event.action,
        event.user_id,
        event.user_name,
        event.success,
    ) == (Idp.OKTA, IdpAction.DEACTIVATE, "00uleaver", "leaver@corp.test", True)
    assert (event.ts, event.key) == (1.5, "k1")


def test_google_application_comes_from_the_kind() -> None:
    (admin,) = normalize(record("google_reports/admin", GOOGLE_SUSPEND))
    (other,) = normalize(record("google_reports/drive", GOOGLE_SUSPEND))
    assert (admin.action, admin.user_id) == (IdpAction.SUSPEND, "l@c.t")
    assert (
        other.action,
        other.user_id,
        other.detail,
    ) == (IdpAction.OTHER, "admin@corp.test", "SUSPEND_USER")


@pytest.mark.parametrize("kind", ["scim_log", "okta", "google_reports", "", "entra_provisioning"])
def test_unknown_kind_gives_nothing(kind: str) -> None:
    assert normalize(record(kind, OKTA_DEACTIVATE)) == []


@pytest.mark.parametrize(
    "kind",
    [
        "okta_system_log",
        "entra_provisioning_log",
        "entra_directory_audit",
        "google_reports/admin",
    ],
)
@pytest.mark.parametrize("raw", [None, [OKTA_DEACTIVATE], "user.lifecycle.deactivate", 7])
def test_record_that_is_not_an_object_gives_nothing(kind: str, raw: object) -> None:
    assert normalize(record(kind, raw)) == []


@pytest.mark.parametrize(
    ("kind", "idp"),
    [
        ("okta_system_log", Idp.OKTA),
        ("entra_provisioning_log", Idp.ENTRA),
        ("entra_directory_audit", Idp.ENTRA),
    ],
)
def test_empty_record_of_a_known_kind_is_one_event(kind: str, idp: Idp) -> None:
    (event,) = normalize(record(kind, {}))
    assert (idp, "k1") == (event.idp, event.key)
