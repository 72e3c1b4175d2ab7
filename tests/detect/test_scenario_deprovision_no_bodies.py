"""An app whose SCIM log has no bodies (nginx combined): the PATCH that disables cannot be read,
so Entra's provisioning record of a successful `disable` naming the SP id
(`targetIdentity.id`) confirms the deprovision (contract section 5). Where the SP logs bodies,
its own evidence outranks the IdP's claim."""

from __future__ import annotations

from pathlib import Path

from detect.scenario import App, Scenario, deprovision, user

OID = "8b2e60d1-0f4c-4c55-a0b7-2d9e41c7f6aa"
UPN = "theo.brandt@corp.test"
LEDGER = "5a1f7d2c-93e4-4b0a-8d6f-c1e2b3a4d5e6"  # the app's servicePrincipal id


def _provisioned(sc: Scenario) -> App:
    ledger = sc.app("ledger", idp="entra", fmt="combined", entra_service_principal_id=LEDGER)
    ledger.exchange("08:00:00", "POST", "/Users", 201)
    sc.entra_provisioning("08:00:03", "create", OID, UPN, principal=LEDGER, target_id="L-77")
    sc.entra_audit("09:00:00", "Disable account", OID, UPN)
    ledger.exchange("09:40:00", "PATCH", "/Users/L-77", 204)
    return ledger


def test_idp_disable_record_confirms(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    _provisioned(sc)
    sc.entra_provisioning("09:40:02", "disable", OID, UPN, principal=LEDGER, target_id="L-77")

    report = sc.run()

    assert report.deprovisions == [deprovision("ledger", UPN, "L-77", "09:00:00", "09:40:02")]
    assert report.data["requests"] == {"ledger": {"ok": 2}}


def test_failed_idp_disable_leaves_it_pending(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    _provisioned(sc)
    sc.entra_provisioning(
        "09:40:02", "disable", OID, UPN, principal=LEDGER, target_id="L-77", status="failure"
    )

    report = sc.run()

    assert report.deprovisions == [deprovision("ledger", UPN, "L-77", "09:00:00")]


def test_delete_line_confirms_without_bodies(tmp_path: Path) -> None:
    sc = Scenario(tmp_path)
    ledger = _provisioned(sc)
    sc.app("payroll", idp="entra")  # a second Entra app, where the person has no account
    ledger.exchange("09:55:30", "DELETE", "/Users/L-77", 204)

    report = sc.run()

    assert report.deprovisions == [deprovision("ledger", UPN, "L-77", "09:00:00", "09:55:30")]


def test_idp_claim_does_not_confirm_where_the_sp_logs_bodies(tmp_path: Path) -> None:
    """The SP's log shows the account still active after the IdP's claimed disable."""
    sc = Scenario(tmp_path)
    vault = sc.app("vault", idp="entra", fmt="ecs", entra_service_principal_id=LEDGER)
    rep = vault.create("08:00", user("v-5", UPN))
    sc.entra_provisioning("08:00:03", "create", OID, UPN, principal=LEDGER, target_id="v-5")
    sc.entra_audit("09:00", "Disable account", OID, UPN)
    sc.entra_provisioning("09:40", "disable", OID, UPN, principal=LEDGER, target_id="v-5")
    vault.get("09:45", rep)

    report = sc.run()

    assert report.deprovisions == [deprovision("vault", UPN, "v-5", "09:00")]


def test_okta_provision_deactivate_record_confirms(tmp_path: Path) -> None:
    """Okta's `application.provision.user.deactivate` SUCCESS is the confirmation for an Okta
    app logged without bodies. Okta never names the SP id, so the entry may carry the id seen
    in the log or none."""
    sc = Scenario(tmp_path)
    okta_id, login = "00uN0B0d13sOkta12345", "vera.lind@corp.test"
    board = sc.app("board", idp="okta", fmt="combined", okta_app_id="0oaB0ARD")
    sc.okta("07:59:59", "application.user_membership.add", okta_id, login, app_id="0oaB0ARD")
    board.exchange("08:00:00", "POST", "/Users", 201)
    sc.okta("08:00:01", "application.provision.user.push", okta_id, login, app_id="0oaB0ARD")
    sc.okta("09:00:00", "user.lifecycle.deactivate", okta_id, login)
    board.exchange("09:20:00", "PATCH", "/Users/ok-5", 204)
    sc.okta("09:20:01", "application.provision.user.deactivate", okta_id, login, app_id="0oaB0ARD")

    report = sc.run()

    rows = [{**d, "sp_id": None} for d in report.deprovisions if d["sp_id"] in ("ok-5", None)]
    assert rows == [{**deprovision("board", login, "-", "09:00:00", "09:20:01"), "sp_id": None}]
    assert len(report.deprovisions) == 1
