"""Every catalog alert has a runbook with the required sections, and every runbook an alert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alerts.catalog import CATALOG, RUNBOOKS

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / RUNBOOKS
# The sections every runbook has, in this order (docs/runbooks/README.md says the same).
SECTIONS = ("Meaning", "Impact", "Confirm", "Mitigate", "Silence", "Escalate")
IDP_HEADINGS = ("Okta", "Entra ID", "Google Workspace", "All", "Revoke sessions and tokens")


def _pages() -> dict[str, str]:
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in DIR.glob("*.md")
        if path.name != "README.md"
    }


def _sections(text: str) -> list[str]:
    return re.findall(r"^## (.+?)\s*$", text, re.M)


def problems(pages: dict[str, str], names: set[str]) -> list[str]:
    """What is wrong with a set of runbooks against a set of alert names (empty when fine)."""
    found = [f"{n}: no runbook" for n in sorted(names - pages.keys())]
    found += [f"{n}: runbook for no catalog alert" for n in sorted(pages.keys() - names)]
    for name, text in sorted(pages.items()):
        if not text.startswith(f"# {name}\n"):
            found.append(f"{name}: title is not '# {name}'")
        headings = [h for h in _sections(text) if h in SECTIONS]
        if tuple(headings) != SECTIONS:
            found.append(f"{name}: sections {headings}, want {list(SECTIONS)}")
        mitigate = text.split("## Mitigate", 1)[-1].split("\n## ", 1)[0]
        subs = re.findall(r"^### (.+?)\s*$", mitigate, re.M)
        if not subs or set(subs) - set(IDP_HEADINGS):
            found.append(f"{name}: Mitigate needs ### subsections from {IDP_HEADINGS}: {subs}")
        if f"scimwatch silence add alertname={name}" not in text:
            found.append(f"{name}: no silence command for this alert")
        if "```promql" not in text or "curl " not in text:
            found.append(f"{name}: Confirm needs a PromQL query and an API call")
        confirm = text.split("## Confirm", 1)[-1].split("\n## ", 1)[0]
        if not re.search(r"^Logs:", confirm, re.M):
            found.append(f"{name}: Confirm needs the log lines to look for (Logs: ...)")
    return found


# The mitigations the runbooks exist to carry (issue 6): (runbook, ### heading, text that must be
# in that subsection, case-insensitive).
MITIGATIONS = (
    ("VendorQuirkRejected", "Entra ID", "aadOptscim062020"),
    ("ProvisioningStalled", "Entra ID", "quarantin"),
    ("ScimThrottled", "Google Workspace", "backoff"),
    ("ScimThrottled", "Google Workspace", "429"),
    ("RecreateChurn", "Okta", "username"),
    ("MassDeprovisionSpike", "Okta", "import safeguard"),
    ("ActivityAfterDeprovision", "Revoke sessions and tokens", "revoke"),
)


def _subsection(text: str, heading: str) -> str:
    part = text.split(f"\n### {heading}\n", 1)
    return re.split(r"\n##+ ", part[1], maxsplit=1)[0] if len(part) == 2 else ""


@pytest.mark.parametrize(("name", "heading", "needle"), MITIGATIONS)
def test_runbooks_carry_the_vendor_mitigations(name: str, heading: str, needle: str) -> None:
    assert needle.lower() in _subsection(_pages()[name], heading).lower()


def test_catalog_and_runbooks_match() -> None:
    assert problems(_pages(), {r.name for r in CATALOG}) == []


def test_catalog_runbook_paths_exist() -> None:
    for rule in CATALOG:
        assert (ROOT / rule.runbook).is_file(), rule.runbook


def test_readme_indexes_every_runbook() -> None:
    readme = (DIR / "README.md").read_text(encoding="utf-8")
    for name in _pages():
        assert f"({name}.md)" in readme, name


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ({}, "A: no runbook"),
        ({"A": "# A\n", "B": "# B\n"}, "B: runbook for no catalog alert"),
        ({"A": "# A\n## Meaning\n## Impact\n"}, "A: sections ['Meaning', 'Impact']"),
    ],
)
def test_the_check_finds_each_problem(pages: dict[str, str], expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(pages, {"A"}))
