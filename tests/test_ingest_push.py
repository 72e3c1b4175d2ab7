"""POST /api/v1/ingest/scim: what Vector's http sink and Fluent Bit's http output send."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from monitor.app import App
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.secret import Secret, SecretError
from monitor.settings import Settings

TOKEN = "push-t0ken-5ecret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def flat(i: int, status: int = 200) -> dict[str, object]:
    return {
        "ts": f"2027-02-01T10:00:{i:02d}Z",
        "method": "GET",
        "path": f"/scim/v2/Users/u{i}",
        "status": status,
        "latency_ms": 4,
    }


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    (tmp_path / "token").write_text(TOKEN + "\n")
    config = parse(
        "apps: [{name: hr, idp: okta}, {name: erp}]\n"
        "sources: [{type: scim_push, app: hr, token_file: token, max_body_bytes: 4096}]\n",
        source="scimwatch.yaml",
        base_dir=tmp_path,
    )
    app = App(
        settings=Settings(database_url=Secret(f"sqlite:///{tmp_path / 'db'}")),
        config=config,
        clock=FakeClock(),
        registry=CollectorRegistry(),
    )
    yield app
    app.store.close()


@pytest.fixture
def client(app: App) -> TestClient:
    return TestClient(app.api)


def post(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post(
        "/api/v1/ingest/scim", params={"app": "hr"}, content=body, headers={**AUTH, **headers}
    )


def test_json_lines_are_committed_and_bad_lines_counted(app: App, client: TestClient) -> None:
    body = b"\n".join(
        [json.dumps(flat(1)).encode(), b"{not json", json.dumps(flat(2, 429)).encode()]
    )
    response = post(client, body)
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 2,
        "rejected": 1,
        "rejected_by_reason": {"invalid_json": 1},
    }
    assert app.report()["requests"] == {"hr": {"ok": 1, "throttled": 1}}
    lines = app.registry.get_sample_value(
        "scimwatch_ingest_lines_total", {"source": "scim_push/hr"}
    )
    assert lines == 3


def test_a_json_array_as_fluent_bit_sends_it(app: App, client: TestClient) -> None:
    records = [
        {**flat(3), "date": 1.8e9},
        {
            "@timestamp": "2027-02-01T10:00:04Z",
            "http.request.method": "PATCH",
            "url.path": "/scim/v2/Users/u4",
            "http.response.status_code": 204,
        },
    ]
    response = post(client, json.dumps(records).encode(), **{"Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    assert app.report()["requests"] == {"hr": {"ok": 2}}


def test_gzip_bodies(app: App, client: TestClient) -> None:
    body = gzip.compress(json.dumps(flat(5)).encode())
    assert post(client, body, **{"Content-Encoding": "gzip"}).status_code == 202
    bad = post(client, b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert bad.status_code == 400


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_the_bearer_token_is_required(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post(
        "/api/v1/ingest/scim",
        params={"app": "hr"},
        content=json.dumps(flat(1)).encode(),
        headers=headers,
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert TOKEN not in response.text


def test_unknown_or_unpushed_app(client: TestClient) -> None:
    for app in ("erp", "nope"):
        response = client.post(
            "/api/v1/ingest/scim", params={"app": app}, content=b"{}", headers=AUTH
        )
        assert response.status_code == 404
        assert "no scim_push source" in response.json()["detail"]


def test_size_limits(client: TestClient) -> None:
    big = b"\n".join(json.dumps(flat(i % 60)).encode() for i in range(100))
    assert post(client, big).status_code == 413
    chunked = client.post(
        "/api/v1/ingest/scim",
        params={"app": "hr"},
        headers=AUTH,
        content=iter([big[:3000], big[3000:]]),
    )
    assert chunked.status_code == 413
    bomb = gzip.compress(b" " * 100_000)
    assert post(client, bomb, **{"Content-Encoding": "gzip"}).status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "holds no records"),
        (b"[1, 2", "starts like a JSON array but is not one"),
    ],
)
def test_unreadable_bodies_are_400_with_a_reason(
    client: TestClient, body: bytes, message: str
) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_a_missing_token_fails_at_start_up(tmp_path: Path) -> None:
    config = parse(
        "apps: [{name: hr}]\nsources: [{type: scim_push, app: hr, token_file: absent}]\n",
        source="x.yaml",
        base_dir=tmp_path,
    )
    with pytest.raises(SecretError, match="cannot read secret file"):
        App(
            settings=Settings(database_url=Secret(f"sqlite:///{tmp_path / 'db'}")),
            config=config,
            clock=FakeClock(),
            registry=CollectorRegistry(),
        )
