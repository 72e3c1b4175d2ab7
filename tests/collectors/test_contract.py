"""The contract every registered source meets; a new entry in COLLECTORS is checked here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from collectors import COLLECTORS, CollectorKind
from collectors.base import Batch, Collector

# One valid input per source type, shaped like the vendor or contract format.
GOOD: dict[str, tuple[dict[str, Any], bytes]] = {
    "scim_log": (
        {"app": "hr"},
        json.dumps(
            {
                "ts": "2026-11-05T10:00:00Z",
                "method": "GET",
                "path": "/scim/v2/Users/1",
                "status": 200,
            }
        ).encode()
        + b"\n",
    ),
    "app_activity_log": (
        {"app": "hr"},
        json.dumps(
            {
                "ts": "2026-11-05T10:00:00Z",
                "app": "hr",
                "user": "a@example.com",
                "auth": "session",
                "action": "login",
                "status": 200,
            }
        ).encode()
        + b"\n",
    ),
    "okta_system_log": (
        {},
        json.dumps(
            [
                {
                    "uuid": "e1",
                    "published": "2026-11-05T10:00:00.000Z",
                    "eventType": "user.lifecycle.deactivate",
                }
            ]
        ).encode(),
    ),
    "entra_provisioning_log": (
        {},
        json.dumps(
            {"value": [{"id": "p1", "activityDateTime": "2026-11-05T10:00:00.1234567Z"}]}
        ).encode(),
    ),
    "entra_directory_audit": (
        {},
        json.dumps(
            {
                "value": [
                    {
                        "id": "d1",
                        "activityDateTime": "2026-11-05T10:00:00Z",
                        "activityDisplayName": "Disable account",
                    }
                ]
            }
        ).encode(),
    ),
    "google_reports": (
        {"application": "admin"},
        json.dumps(
            {"items": [{"id": {"time": "2026-11-05T10:00:00.000Z", "uniqueQualifier": "-42"}}]}
        ).encode(),
    ),
}


FILE_KINDS = tuple(kind for kind in COLLECTORS if "path" in kind.config.model_fields)
PUSH_KINDS = tuple(kind for kind in COLLECTORS if kind not in FILE_KINDS)


def test_every_registered_kind_has_a_contract_fixture() -> None:
    assert sorted(kind.type for kind in FILE_KINDS) == sorted(GOOD)
    assert [kind.type for kind in PUSH_KINDS] == ["scim_push"]


def _build(kind: CollectorKind, tmp_path: Path, data: bytes) -> Collector:
    extra, _ = GOOD[kind.type]
    (tmp_path / "input").write_bytes(data)
    config = kind.config.model_validate({"type": kind.type, "path": "input", **extra})
    return kind.make(config, name=kind.default_name(config), base_dir=tmp_path)


def _drain(collector: Collector) -> tuple[list[object], list[Batch]]:
    records: list[object] = []
    batches: list[Batch] = []
    while (batch := collector.poll(final=True)) is not None:
        records.extend(batch.records)
        batches.append(batch)
    return records, batches


@pytest.fixture(params=FILE_KINDS, ids=lambda kind: kind.type)
def kind(request: pytest.FixtureRequest) -> CollectorKind:
    value: CollectorKind = request.param
    return value


def test_config_rejects_unknown_keys(kind: CollectorKind) -> None:
    extra, _ = GOOD[kind.type]
    with pytest.raises(ValidationError):
        kind.config.model_validate({"type": kind.type, "path": "x", "colour": 1, **extra})


def test_reads_its_input_and_resumes_without_duplicates(
    kind: CollectorKind, tmp_path: Path
) -> None:
    collector = _build(kind, tmp_path, GOOD[kind.type][1])
    collector.restore(None)
    records, batches = _drain(collector)
    collector.close()
    assert len(records) == 1
    assert sum(b.units for b in batches) == 1 and not any(b.rejected for b in batches)
    resumed = _build(kind, tmp_path, GOOD[kind.type][1])
    resumed.restore(batches[-1].checkpoint)
    assert _drain(resumed)[0] == []
    json.dumps(batches[-1].checkpoint)  # checkpoints are stored as JSON


@pytest.mark.parametrize(
    "garbage", [b"\x00\xff garbage\n", b'{"half": \n', b'[1, 2, "x"]\n', b"{}\n", b"\n\n"]
)
def test_garbage_is_counted_never_raised(
    kind: CollectorKind, tmp_path: Path, garbage: bytes
) -> None:
    collector = _build(kind, tmp_path, garbage)
    collector.restore(None)
    records, batches = _drain(collector)
    assert records == []
    units = sum(b.units for b in batches)
    assert sum(sum(b.rejected.values()) for b in batches) == units


def test_missing_input_is_not_an_error(kind: CollectorKind, tmp_path: Path) -> None:
    collector = _build(kind, tmp_path, b"")
    (tmp_path / "input").unlink()
    collector.restore(None)
    assert collector.poll() is None


@pytest.mark.parametrize("kind", PUSH_KINDS, ids=lambda kind: kind.type)
def test_pushed_sources_need_exactly_one_token_reference(kind: CollectorKind) -> None:
    good = kind.config.model_validate({"type": kind.type, "app": "hr", "token_env": "T"})
    assert getattr(good, "token_env") == "T"  # noqa: B009
    for bad in ({}, {"token_env": "T", "token_file": "t"}):
        with pytest.raises(ValidationError, match="one of token_env or token_file"):
            kind.config.model_validate({"type": kind.type, "app": "hr", **bad})


@pytest.mark.parametrize("kind", PUSH_KINDS, ids=lambda kind: kind.type)
def test_pushed_sources_have_nothing_to_poll(kind: CollectorKind, tmp_path: Path) -> None:
    config = kind.config.model_validate({"type": kind.type, "app": "hr", "token_env": "T"})
    collector = kind.make(config, name="push/hr", base_dir=tmp_path)
    collector.restore(None)
    assert collector.poll(final=True) is None
    collector.close()
