"""Committed generated files: write one, or check that the committed copy is current.

Why one implementation: CI runs each generator's `--check`, so every generator must dump YAML
the same way and judge staleness the same way (the exact text; a missing file is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

__all__ = ["dump_yaml", "write_or_check"]


def dump_yaml(document: Any) -> str:
    """YAML in the document's own key order, never wrapped (long PromQL stays on one line)."""
    return yaml.safe_dump(document, sort_keys=False, width=10_000, allow_unicode=True)


def write_or_check(out: Path, text: str, *, check: bool, command: str) -> int:
    """The exit status of a generator's CLI. With `check`: 1, naming `command` on stderr, when
    `out` does not hold exactly `text`. Otherwise `out` is written and its path printed."""
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{out} is stale: run {command}", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(out)
    return 0
