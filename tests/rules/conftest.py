"""promtool and the list of series scimwatch exports, for the rule tests.

promtool comes from the Debian package `prometheus` (tests/services.sh installs it). Under CI the
tests fail without it, so a broken install cannot pass as a skip; locally they skip and say why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from monitor.store.sql import SqlStore
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.state import StateCollector

FIXTURES = Path(__file__).parent / "fixtures"
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


@pytest.fixture(scope="session")
def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI", "").lower() not in {"", "0", "false"}:
        pytest.fail("promtool is missing under CI: install the Debian package `prometheus`")
    pytest.skip("promtool not installed (apt-get install prometheus); CI runs these tests")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Every series name a scrape of the daemon can contain, read from its real registry."""
    registry = CollectorRegistry()
    Metrics(registry)
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('db') / 'state.db'}")
    registry.register(StateCollector(store, apps=["crm"], slo=lambda _app: 3600.0, now=lambda: 0))
    names = {
        family.name + suffix for family in registry.collect() for suffix in _SUFFIXES[family.type]
    }
    yield names
    store.close()
