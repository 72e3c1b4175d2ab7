"""No secret reaches a log line, an error, a metric, a checkpoint or an API answer.

A daemon with every secret-bearing source (Okta SSWS token, an Okta OAuth Service app's private
key with the client assertions it signs and the access token it gets, Graph client secret,
Google service account key, push token) runs its pollers against vendor endpoints that fail,
takes pushes with right and wrong tokens, and is then scraped and queried; every output is
scanned.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import select

from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.secret import Secret
from monitor.settings import Settings
from monitor.store.tables import sources

OKTA = "00okta-SSWS-s3cret-token-value"
GRAPH = "graph~client~s3cret~value"
PUSH = "push-s3cret-bearer-token"


OKTA_OAUTH = "https://beta.okta.com"  # an org the OAuth Service app reads
ACCESS = "eyJraWQiOiJvYXV0aC1hY2Nlc3MtczNjcmV0In0.payload.sig"


class Vendors:
    """Vendor endpoints during an outage: token requests are refused, APIs answer 503.

    Except the OAuth Okta org's token endpoint, which issues an access token, so that the
    client assertion signed with the app's private key and the bearer token both exist and
    can be scanned for; its log API then fails with 503 (the token is dropped on 401 only).
    """

    def __init__(self) -> None:
        self.assertions: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/v1/token" and request.url.host == "beta.okta.com":
            form = parse_qs(request.read().decode())
            self.assertions += form.get("client_assertion", [])
            body = {"token_type": "Bearer", "expires_in": 3600, "access_token": ACCESS}
            return httpx.Response(200, json=body)
        if "token" in request.url.path:
            return httpx.Response(401, json={"error": "invalid_client"})
        return httpx.Response(503, json={"error": {"code": "ServiceUnavailable"}})


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _key_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if "PRIVATE KEY" not in line][:3]


@pytest.fixture
def secrets_app(tmp_path: Path) -> tuple[App, list[str], Vendors]:
    pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))  # throwaway
    okta_pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    (tmp_path / "okta.pem").write_text(okta_pem)
    (tmp_path / "sa.json").write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "kid1",
                "private_key": pem,
                "client_email": "sw@p.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    for name, value in (("okta", OKTA), ("graph", GRAPH), ("push", PUSH)):
        (tmp_path / name).write_text(value)
    config = parse(
        "apps: [{name: hr, idp: okta}, {name: wiki, idp: entra}, {name: chat, idp: google}]\n"
        "sources:\n"
        "  - {type: okta_system_log, url: 'https://acme.okta.com', token_file: okta}\n"
        f"  - {{type: okta_system_log, name: okta_oauth, url: '{OKTA_OAUTH}',"
        " client_id: 0oaSERVICEAPP, private_key_file: okta.pem, key_id: kid-1}\n"
        "  - {type: entra_provisioning_log, tenant_id: t1, client_id: c1,"
        " client_secret_file: graph}\n"
        "  - {type: google_reports, application: admin, credentials_file: sa.json,"
        " subject: admin@example.com}\n"
        "  - {type: scim_push, app: hr, token_file: push}\n",
        source="scimwatch.yaml",
        base_dir=tmp_path,
    )
    app = App(
        settings=Settings(database_url=Secret(f"sqlite:///{tmp_path / 'db'}")),
        config=config,
        clock=FakeClock(),
        registry=CollectorRegistry(),
        transport=httpx.MockTransport(vendors := Vendors()),
    )
    return app, [OKTA, GRAPH, PUSH, ACCESS, *_key_lines(pem), *_key_lines(okta_pem)], vendors


def test_no_secret_in_any_output(
    secrets_app: tuple[App, list[str], Vendors], caplog: pytest.LogCaptureFixture
) -> None:
    app, secrets, vendors = secrets_app
    client = TestClient(app.api)
    outputs: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for worker in app.workers:
            for _ in range(3):
                worker.step()
        line = json.dumps(
            {"ts": "2027-01-01T00:00:00Z", "method": "GET", "path": "/Users", "status": 200}
        ).encode()
        for token in (PUSH, "wrong", OKTA):
            answer = client.post(
                "/api/v1/ingest/scim",
                params={"app": "hr"},
                content=line,
                headers={"Authorization": f"Bearer {token}"},
            )
            outputs.append(answer.text + json.dumps(dict(answer.headers)))
        for path in (
            "/metrics",
            "/api/v1/report",
            "/api/v1/deprovisions",
            "/api/v1/findings",
            "/",
            "/readyz",
            "/api/openapi.json",
        ):
            outputs.append(client.get(path).text)
    outputs.append(generate_latest(app.registry).decode())
    outputs.append(caplog.text)
    outputs.extend(str(record.exc_info) for record in caplog.records if record.exc_info)
    with app.store.engine.connect() as conn:  # type: ignore[attr-defined]
        outputs.extend(str(row) for row in conn.execute(select(sources)))
    # the OAuth source signed assertions and got its token: both are secrets to look for
    assert vendors.assertions
    for assertion in vendors.assertions:
        secrets += [assertion, assertion.rsplit(".", 1)[1]]  # the whole JWT and its signature
    for source in (
        "okta_system_log",
        "okta_oauth",
        "entra_provisioning_log",
        "google_reports/admin",
    ):
        # the pollers really ran against the failing endpoints, and said so in the metrics
        assert app.registry.get_sample_value("scimwatch_collector_up", {"collector": source}) == 0
    assert "okta_system_log" in caplog.text
    everything = "\n".join(outputs)
    for secret in secrets:
        assert secret not in everything
    app.store.close()
