"""Property test: loading any text raises nothing but ConfigError (Alertmanager's FuzzLoad)."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import ConfigError, parse

SAMPLE = (Path(__file__).parents[3] / "shared" / "samples" / "basic" / "scimwatch.yaml").read_text()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "apps",
                    "sources",
                    "slo",
                    "name",
                    "idp",
                    "type",
                    "app",
                    "path",
                    "token",
                    "application",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


def _parse(text: str) -> None:
    try:
        parse(text, source="fuzz.yaml", base_dir=Path("/tmp"))
    except ConfigError as err:
        assert err.problems and all(p.startswith("fuzz.yaml") for p in err.problems)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_yaml_document(document: object) -> None:
    _parse(yaml.safe_dump(document))


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _parse(text)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=len(SAMPLE) - 1), st.text(max_size=6))
def test_mutated_sample(position: int, insert: str) -> None:
    _parse(SAMPLE[:position] + insert + SAMPLE[position + 1 :])
