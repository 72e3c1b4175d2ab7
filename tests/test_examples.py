"""Examples are tests: every config shipped in deploy/ loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load

EXAMPLES = sorted((Path(__file__).parents[1] / "deploy").rglob("scimwatch*.yaml"))


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_config_loads(path: Path) -> None:
    config = load(path)
    assert config.apps and config.sources
