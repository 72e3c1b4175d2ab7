"""bench/generate.py: exact line counts, parseable lines, the demo's mix of shapes."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from contract_util import load_bench

COMBINED = re.compile(
    r'[\d.]+ - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "[A-Z]+ \S+ HTTP/1\.1" \d{3} \d+ '
    r'"-" "[^"]+" \d+\.\d{3}'
)
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("generate")


def _shape(line: str) -> str:
    if not line.startswith("{"):
        assert COMBINED.fullmatch(line), line
        return "combined"
    d = json.loads(line)
    if "ts" in d:
        assert ISO_MS.fullmatch(d["ts"])
        bodies = [d.get("request_body"), d.get("response_body")]
        return "flat_str" if any(isinstance(b, str) for b in bodies) else "flat"
    assert ISO_MS.fullmatch(d["@timestamp"])
    return "ecs_dotted" if "service.name" in d else "ecs"


@pytest.mark.parametrize("fmt", ["flat", "ecs", "combined", "mixed"])
def test_writes_exactly_n_parseable_lines(bench: ModuleType, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "scim.log"
    bench.generate(out, 25_001, fmt, 3)
    lines = out.read_text().splitlines()
    assert len(lines) == 25_001
    shapes = Counter(_shape(line) for line in lines)
    expected = {"mixed": {"flat", "flat_str", "ecs", "ecs_dotted", "combined"}}.get(fmt, {fmt})
    if fmt == "flat":
        expected = {"flat"} if shapes.keys() == {"flat"} else {"flat", "flat_str"}
    assert set(shapes) == expected


def test_json_lines_carry_the_demo_mix(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "scim.log"
    bench.generate(out, 20_000, "flat", 5)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    mix = Counter((d["method"], d["status"]) for d in lines)
    assert {
        ("GET", 200),
        ("POST", 201),
        ("PUT", 200),
        ("PATCH", 204),
        ("PATCH", 200),
        ("DELETE", 204),
        ("POST", 409),
        ("PATCH", 400),
    } <= set(mix)
    assert {401, 404, 429, 500, 503} <= {status for _, status in mix}
    assert mix[("GET", 200)] > len(lines) / 2
    throttled = [d for d in lines if d["status"] == 429]
    assert all(d["response_headers"]["Retry-After"].isdigit() for d in throttled)
    errors = [d["response_body"] for d in lines if d["status"] in (400, 409)]
    assert errors and all(e["scimType"] for e in errors)
    writes = [d for d in lines if d["method"] in ("POST", "PUT", "PATCH")]
    assert all("request_body" in d for d in writes)
    assert len({d["request_id"] for d in lines}) == len(lines)
    assert [d["ts"] for d in lines] == sorted(d["ts"] for d in lines)


def test_same_seed_same_file_and_cli(bench: ModuleType, tmp_path: Path) -> None:
    bench.generate(tmp_path / "a.log", 1_000, "mixed", 11)
    assert bench.main([str(tmp_path / "b.log"), "--lines", "1000", "--seed", "11"]) == 0
    assert (tmp_path / "a.log").read_bytes() == (tmp_path / "b.log").read_bytes()
    bench.generate(tmp_path / "c.log", 1_000, "mixed", 12)
    assert (tmp_path / "a.log").read_bytes() != (tmp_path / "c.log").read_bytes()
    bench.generate(tmp_path / "empty.log", 0, "ecs", 1)
    assert (tmp_path / "empty.log").read_bytes() == b""
    with pytest.raises(ValueError, match="unknown format"):
        bench.generate(tmp_path / "x.log", 1, "xml", 1)
