"""BulkHistogram exposes exactly what prometheus_client's Histogram would for the same values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from monitor.telemetry.histogram import BulkHistogram
from monitor.telemetry.metrics import DURATION_BUCKETS

values = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.floats(min_value=0, max_value=500, allow_nan=False)),
    max_size=60,
)


@given(values, st.integers(min_value=1, max_value=7))
def test_same_exposition_as_a_client_histogram(
    observed: list[tuple[str, float]], batch: int
) -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    reference = Histogram("x_seconds", "doc", ["app"], buckets=DURATION_BUCKETS, registry=theirs)
    bulk = BulkHistogram("x_seconds", "doc", ["app"], buckets=DURATION_BUCKETS, registry=ours)
    for start in range(0, len(observed), batch):
        tallies = {}
        for app, value in observed[start : start + batch]:
            reference.labels(app).observe(value)
            tallies.setdefault(app, bulk.tally()).observe(value)
        for app, tally in tallies.items():
            bulk.add((app,), tally)
    assert samples(ours) == pytest.approx(samples(theirs))
    assert _types(ours) == _types(theirs)


def samples(registry: CollectorRegistry) -> dict[str, float]:
    """Every sample but `_created` (a client Histogram's creation time)."""
    return {
        f"{s.name}{sorted(s.labels.items())}": s.value
        for family in registry.collect()
        for s in family.samples
        if not s.name.endswith("_created")
    }


def _types(registry: CollectorRegistry) -> list[str]:
    return [
        line
        for line in generate_latest(registry).decode().splitlines()
        if line.startswith("# TYPE") and "_created" not in line
    ]


def test_boundary_value_lands_in_its_own_bucket() -> None:
    registry = CollectorRegistry()
    bulk = BulkHistogram("y_seconds", "doc", [], buckets=(1.0, 2.0), registry=registry)
    bulk.observe((), 1.0)
    assert registry.get_sample_value("y_seconds_bucket", {"le": "1.0"}) == 1
    assert registry.get_sample_value("y_seconds_count") == 1
    assert registry.get_sample_value("y_seconds_sum") == 1.0
