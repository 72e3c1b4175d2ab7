"""Golden tests: each IdP dialect's requests (`<dialect>.jsonl`) against the expected events.

Inputs are ScimRequest fields, one request per line; the expected file holds each ScimEvent
as sorted-key JSON without `request`. SCIMWATCH_UPDATE_GOLDEN=1 rewrites the expected files;
review the diff. Every request is classified with no configured IdP, so fingerprinting is
exercised too.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import orjson
import pytest
from golden_util import assert_golden

from monitor.classify import classify
from monitor.events import ScimEvent, ScimRequest

GOLDEN = Path(__file__).parents[1] / "golden" / "classifier"
DIALECTS = sorted(
    p.name.removesuffix(".jsonl") for p in GOLDEN.glob("*.jsonl") if ".golden" not in p.name
)
REQUIRED = {
    "entra_legacy",
    "entra_flagged",
    "okta_oin",
    "okta_aiw",
    "google",
    "onelogin_jumpcloud",
    "errors",
    "discovery_and_bulk",
}


def event_json(event: ScimEvent) -> str:
    """The event as the golden files spell it: sorted keys, no `request`, quirks sorted."""
    out: dict[str, object] = {}
    for f in fields(event):
        value = getattr(event, f.name)
        if f.name == "request":
            continue
        if isinstance(value, frozenset):
            value = sorted(value)
        out[f.name] = value
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS).decode()


def test_every_dialect_has_a_golden_file() -> None:
    assert set(DIALECTS) >= REQUIRED


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dialect(dialect: str) -> None:
    lines = (GOLDEN / f"{dialect}.jsonl").read_bytes().splitlines()
    actual = []
    for line in lines:
        req = ScimRequest(**orjson.loads(line))
        actual.append(event_json(classify(req, app=req.app or "app", idp=None)))
    assert_golden(GOLDEN / f"{dialect}.golden.jsonl", actual)
