"""The shared contract material beside the checkout, and its scorer run on a report."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["FINDING_TYPES", "SAMPLE", "SHARED", "load_bench", "score_perfectly"]

SHARED = Path(__file__).parents[2] / "shared"
SAMPLE = SHARED / "samples" / "basic"
# Contract section 6: the finding types every scimwatch reports.
FINDING_TYPES = (
    "silent_attribute_loss",
    "digital_twin",
    "recreate_churn",
    "activity_after_deprovision",
    "vendor_quirk_rejected",
    "deprovision_not_applied",
)
_BENCH = Path(__file__).parents[1] / "bench"


def score_perfectly(truth: Path, report: Path) -> subprocess.CompletedProcess[str]:
    """`score_report.py` with recall and precision bars of 1.0 (exit 0 when every measure is)."""
    return subprocess.run(
        [
            sys.executable,
            str(SHARED / "tools" / "score_report.py"),
            str(truth),
            str(report),
            "--min-recall",
            "1.0",
            "--min-precision",
            "1.0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def load_bench(name: str) -> ModuleType:
    """A script of `bench/` as a module (the directory is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", _BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
