"""Which IdP sent a request: configuration first, then User-Agent, then payload shapes."""

from __future__ import annotations

import pytest

from monitor.classify import classify
from monitor.events import Idp, ScimRequest


def idp_of(
    *,
    agent: str | None = None,
    body: object = None,
    method: str = "PATCH",
    path: str = "/Users/u1",
    configured: Idp | None = None,
) -> Idp:
    req = ScimRequest(
        ts=0.0, method=method, path=path, status=200, user_agent=agent, request_body=body
    )
    return classify(req, app="a", idp=configured).idp


@pytest.mark.parametrize(
    ("agent", "idp"),
    [
        ("Okta SCIM Client 1.0.0", Idp.OKTA),
        ("Microsoft Azure AD SCIM provisioning 1.0", Idp.ENTRA),
        ("Azure Active Directory SCIM Client", Idp.ENTRA),
        ("Microsoft.Identity.Provisioning SCIM/2.0", Idp.ENTRA),
        ("Google-Auto-Provisioning/1.0", Idp.GOOGLE),
        ("OneLogin SCIM v2", Idp.ONELOGIN),
        ("JumpCloud-SCIM/1.1", Idp.JUMPCLOUD),
        ("curl/8.5.0", Idp.GENERIC),
        ("Microsoft Office/16.0", Idp.GENERIC),
        ("", Idp.GENERIC),
    ],
)
def test_user_agents(agent: str, idp: Idp) -> None:
    assert idp == idp_of(agent=agent)


def test_configured_idp_wins_generic_included() -> None:
    entra = {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert idp_of(agent="Okta SCIM Client", body=entra, configured=Idp.GOOGLE) == Idp.GOOGLE
    assert idp_of(agent="Okta SCIM Client", body=entra, configured=Idp.GENERIC) == Idp.GENERIC
    assert idp_of(body=entra, configured=None) == Idp.ENTRA
    assert idp_of(body=entra, configured=Idp.UNKNOWN) == Idp.ENTRA


@pytest.mark.parametrize(
    "body",
    [
        {"Operations": [{"op": "Add", "path": "nickName", "value": "B"}]},
        {"Operations": [{"op": "replace", "path": "active", "value": "False"}]},
        {"Operations": [{"op": "replace", "value": {"name.familyName": "J"}}]},
    ],
)
def test_entra_payloads(body: object) -> None:
    assert idp_of(body=body) == Idp.ENTRA


def test_entra_group_schema() -> None:
    urn = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", urn], "displayName": "G"}
    assert idp_of(method="POST", path="/Groups", body=body) == Idp.ENTRA


def test_okta_payloads() -> None:
    assert idp_of(method="PUT", body={"externalId": "00ujl29u0le5T6Aj10h7"}) == Idp.OKTA
    assert idp_of(method="PUT", body={"externalId": "00ujl29u0le5T6Aj10h7x"}) == Idp.GENERIC
    assert idp_of(method="PUT", body={"externalId": "00u-l29u0le5T6Aj10h"}) == Idp.GENERIC
    create = {"userName": "a", "password": "p", "groups": []}
    assert idp_of(method="POST", path="/Users", body=create) == Idp.OKTA
    assert idp_of(method="POST", path="/Users", body={**create, "groups": ["g"]}) == Idp.GENERIC
    rename = {"Operations": [{"op": "replace", "value": {"id": "g1", "displayName": "G"}}]}
    assert idp_of(path="/Groups/g1", body=rename) == Idp.OKTA
    assert idp_of(path="/Users/u1", body=rename) == Idp.GENERIC


def test_generic_for_scim_endpoints_unknown_elsewhere() -> None:
    assert idp_of(method="GET", path="/scim/v2/ServiceProviderConfig") == Idp.GENERIC
    assert idp_of(method="POST", path="/.search") == Idp.GENERIC
    assert idp_of(method="GET", path="/healthz", agent="kube-probe/1.29") == Idp.UNKNOWN
