"""Google deprovisions: a `SUSPEND_USER` / `DELETE_USER` admin activity requests removal from
every Google-provisioned app where the person (known by primary email) has an account; the
connector answers with a PATCH of `active` false or a DELETE (scim-wire A.2.3)."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import Scenario, deprovision, user

EMAIL = "ines.duarte@corp.test"


def test_suspend_then_patch_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google", fmt="ecs", google_app_name="Team Chat")
    rep = chat.create("08:00", user("g-77", EMAIL, external_id="118230455120098331"))
    sc.google("admin", "14:00:00.125", "SUSPEND_USER", EMAIL)
    chat.patch(
        "14:52:12.470",
        "g-77",
        {"op": "replace", "path": "active", "value": False},
        status=200,
        response={**rep, "active": False},
    )

    report = sc.run()

    assert report.deprovisions == [
        deprovision("chat", EMAIL, "g-77", "14:00:00.125", "14:52:12.470")
    ]


def test_suspend_then_delete_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google", fmt="ecs_dotted")
    chat.create("08:00", user("g-78", EMAIL, external_id="118230455120098331"))
    sc.google("admin", "14:00", "SUSPEND_USER", EMAIL)
    chat.delete("14:20:05.005", "g-78")

    report = sc.run()

    assert report.deprovisions == [deprovision("chat", EMAIL, "g-78", "14:00", "14:20:05.005")]


def test_delete_user_in_two_apps(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    docs = sc.app("docs", idp="google", fmt="ecs")
    chat.create("08:00", user("g-1", EMAIL))
    docs.create("08:00", user("d-1", EMAIL.upper()))  # emails compare case-insensitively
    sc.google("admin", "15:00", "DELETE_USER", EMAIL)
    chat.delete("15:10", "g-1")
    docs.patch("15:30", "d-1", {"op": "replace", "value": {"active": False}})

    report = sc.run()

    assert report.deprovisions == [
        deprovision("chat", EMAIL, "g-1", "15:00", "15:10"),
        deprovision("docs", EMAIL.upper(), "d-1", "15:00", "15:30"),
    ]


def test_linked_by_primary_email_when_username_is_not_an_email(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google")
    chat.create("08:00", user("g-9", "iduarte", emails=[{"value": EMAIL, "primary": True}]))
    sc.google("admin", "14:00", "SUSPEND_USER", EMAIL)
    chat.patch("14:05", "g-9", {"op": "replace", "path": "active", "value": False})

    report = sc.run()

    assert report.deprovisions == [deprovision("chat", "iduarte", "g-9", "14:00", "14:05")]


def test_identity_first_seen_after_the_suspension(tmp_path: Path) -> None:
    """The account predates the logs: an import shows it (active) after the suspension and
    before the disable. It existed at the request, so the deprovision runs from the request."""
    sc = Scenario(tmp_path)
    chat = sc.app("chat", idp="google", fmt="ecs")
    sc.google("admin", "14:00", "SUSPEND_USER", EMAIL)
    rep = user("g-5", EMAIL, external_id="118230455120098331")
    chat.list("14:10", [rep])
    chat.patch(
        "14:40",
        "g-5",
        {"op": "replace", "path": "active", "value": False},
        status=200,
        response={**rep, "active": False},
    )

    report = sc.run()

    assert report.deprovisions == [deprovision("chat", EMAIL, "g-5", "14:00", "14:40")]
