"""Golden tests: each `tests/golden/scimlog/<name>.log` against `<name>.golden.jsonl`.

Every input line yields one output line: the ScimRequest's fields (plus `ts_utc`, the same
instant spelled out for reviewers) or the Rejected's reason and detail, as sorted-key JSON.
SCIMWATCH_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from golden_util import assert_golden

from collectors.scimlog import parse_line
from monitor.events import Rejected, ScimRequest

GOLDEN = Path(__file__).parents[2] / "golden" / "scimlog"
NAMES = sorted(path.stem for path in GOLDEN.glob("*.log"))
REQUIRED = {
    "flat_bodies",
    "ecs_nested",
    "ecs_dotted",
    "ecs_mixed",
    "combined_request_time",
    "combined_plain",
    "common",
    "timestamps",
    "rejected",
}


def result_json(result: ScimRequest | Rejected) -> str:
    """One parse result as the golden files spell it."""
    if isinstance(result, Rejected):
        out: dict[str, object] = {"rejected": result.reason.value, "detail": result.detail}
    else:
        out = {field.name: getattr(result, field.name) for field in fields(result)}
        out["ts_utc"] = datetime.fromtimestamp(result.ts, UTC).isoformat(timespec="microseconds")
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS).decode()


def input_lines(name: str) -> list[bytes]:
    """The file's lines without their `\\n`; blank and odd lines are inputs too."""
    data = (GOLDEN / f"{name}.log").read_bytes()
    return data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")


def test_every_required_scenario_has_a_golden_input() -> None:
    assert set(NAMES) >= REQUIRED


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str) -> None:
    actual = [result_json(parse_line(line)) for line in input_lines(name)]
    assert_golden(GOLDEN / f"{name}.golden.jsonl", actual)


def test_only_the_rejected_file_has_rejects() -> None:
    """Guards the golden files themselves: a valid-input scenario must not drift into rejects."""
    for name in NAMES:
        results = [parse_line(line) for line in input_lines(name)]
        rejected = [r for r in results if isinstance(r, Rejected)]
        if name == "rejected":
            assert len(rejected) == len(results)
        else:
            assert rejected == [], name
