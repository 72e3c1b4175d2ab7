"""Golden-file comparison shared by the tests (mtail's `.golden`, node_exporter's `-u`).

`SCIMWATCH_UPDATE_GOLDEN=1` rewrites the expected files instead of comparing; review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["assert_golden"]


def assert_golden(path: Path, actual_lines: Iterable[str]) -> None:
    """Compare `actual_lines` with the lines of `path`, or rewrite `path` when updating."""
    actual = list(actual_lines)
    if os.environ.get("SCIMWATCH_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in actual), encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run with SCIMWATCH_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8").splitlines()
    assert expected == actual, f"{path} differs; rerun with SCIMWATCH_UPDATE_GOLDEN=1 and review"
