"""Okta serving every System Log event twice: the daemon still counts each event once.

Okta may return the same `uuid` again (reference 1.11, checklist 1.12); the poller passes
repeats on and the detectors skip keys already in `idp_seen`. Here the fake org persists every
event of the shared sample twice: half of them again a few positions later (the same page, or
the next one), the other half again after the daemon has read and committed them (a later poll,
so only the store can know). The daemon polls it live next to the sample's file sources, and
must reach what it reaches from the same events served once, and what `scimwatch replay` of
the same data reaches; the record count proves the repeats really went through the pipeline.

Most detections are idempotent (a second deactivation of a deactivated person changes
nothing), so the log also holds three sign-ins of a person after Okta deactivated them: an
`activity_after_deprovision` finding whose count is the number of sign-ins, which a repeat
that got past the dedupe would raise.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fakes.fake_okta import FakeOkta, SyncASGITransport, utc
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from monitor.app import App
from monitor.classify.idp import normalize_okta
from monitor.cli import main
from monitor.clock import FakeClock
from monitor.config import parse
from monitor.secret import Secret
from monitor.settings import Settings
from monitor.store import SqlStore
from monitor.store.tables import idp_seen

SAMPLE = Path(__file__).parents[2] / "shared" / "samples" / "basic"
START = 1_794_099_600.0  # two days after the sample's last event, well inside retention
SOURCE = "okta_system_log"
PAGE = 100


def sample_events() -> list[dict[str, Any]]:
    doc = json.loads((SAMPLE / "idp" / "okta-system-log.json").read_text())
    return list(doc["value"] if isinstance(doc, dict) else doc)


def with_sign_ins_after_removal(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events plus three SSO sign-ins, an hour apart, of the first person deactivated."""
    removal = next(e for e in events if e["eventType"] == "user.lifecycle.deactivate")
    person = next(t for t in removal["target"] if t["type"] == "User")
    sign_in = next(e for e in events if e["eventType"] == "user.authentication.sso")
    after = datetime.fromisoformat(removal["published"].replace("Z", "+00:00"))
    return events + [
        {
            **sign_in,
            "uuid": f"5e55101d-0000-4000-8000-00000000000{n}",
            "published": utc(after.timestamp() + 3600 * n),
            "actor": {**person, "type": "User"},
            "target": [t if t["type"] != "User" else person for t in sign_in["target"]],
        }
        for n in (1, 2, 3)
    ]


def interleaved(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event followed, 0, 7 or 14 positions later, by its repeat: page boundaries (every
    100 events) fall between many copies."""
    later: dict[int, list[dict[str, Any]]] = {}
    for i, item in enumerate(events):
        later.setdefault(i + 7 * (i % 3), []).append(item)
    out: list[dict[str, Any]] = []
    for i, item in enumerate(events):
        out += [item, *later.pop(i, [])]
    return out + [item for rest in later.values() for item in rest]


class Run:
    """The daemon on a copy of the sample, with the Okta source polled live from a fake org."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (self.root / "okta").write_text("okta-token")
        text = (root / "scimwatch.yaml").read_text()
        text = text.replace(
            "  - type: okta_system_log\n    path: idp/okta-system-log.json\n",
            "  - {type: okta_system_log, url: 'https://acme.okta.com', token_file: okta,"
            f" since: '2026-11-01T00:00:00Z', limit: {PAGE}}}\n",
        )
        assert "url: 'https://acme.okta.com'" in text
        self.clock = FakeClock(start=START)
        self.okta = FakeOkta(clock=self.clock, token="okta-token", rate_limit=20)
        self.app = App(
            settings=Settings(database_url=Secret(f"sqlite:///{self.root / 'db'}")),
            config=parse(text, source="live.yaml", base_dir=self.root),
            clock=self.clock,
            registry=CollectorRegistry(),
            transport=SyncASGITransport(self.okta.app),
        )

    def drive(self) -> None:
        """Step every source until none delivered anything for ten rounds."""
        last, still = -1.0, 0
        for _ in range(2000):
            for worker in self.app.workers:
                self.clock.advance(min(worker.step(), 60.0))
            self.clock.advance(1.0)
            lines = self.lines()
            still = still + 1 if lines == last else 0
            last = lines
            if still >= 10:
                return
        raise AssertionError("sources kept delivering")

    def lines(self) -> float:
        return (
            self.app.registry.get_sample_value("scimwatch_ingest_lines_total", {"source": SOURCE})
            or 0.0
        )

    def seen(self) -> set[str]:
        store = self.app.store
        assert isinstance(store, SqlStore)
        with store.engine.connect() as conn:
            return set(conn.scalars(select(idp_seen.c.key)))

    def close(self) -> None:
        self.app.store.close()


def sample_copy(root: Path, events: list[dict[str, Any]]) -> Path:
    """The shared sample with these Okta events in its System Log export."""
    shutil.copytree(SAMPLE, root)
    for directory in (root, root / "idp"):
        directory.chmod(0o755)  # the shared sample is read-only
    export = root / "idp" / "okta-system-log.json"
    export.chmod(0o644)
    export.write_text(json.dumps(events))
    return root


def replay(root: Path) -> dict[str, Any]:
    args = ["replay", "--config", str(root / "scimwatch.yaml"), "--no-progress"]
    result = CliRunner().invoke(main, [*args, "--report", str(root / "replay.json")])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads((root / "replay.json").read_text())
    return report


def finding_key(finding: dict[str, object]) -> str:
    """As in the live end-to-end test: evidence counts depend on how often imports were seen."""
    kept = {k: v for k, v in finding.items() if k not in ("count", "last_at")}
    return json.dumps(kept, sort_keys=True)


def test_every_okta_event_served_twice_counts_once(tmp_path: Path) -> None:
    events = with_sign_ins_after_removal(sample_events())
    half = len(events) // 2

    once = Run(sample_copy(tmp_path / "once", events))
    once.okta.add(*events)
    once.drive()
    expected: dict[str, Any] = once.app.report()
    expected_seen = once.seen()
    assert once.lines() == len(events) and sum(once.okta.served.values()) == len(events)
    once.close()
    signed_in = [f for f in expected["findings"] if f.get("source") == "okta_session"]
    assert [(f["type"], f["count"]) for f in signed_in] == [("activity_after_deprovision", 3)]

    twice = Run(sample_copy(tmp_path / "twice", events))
    twice.okta.add(*interleaved(events[:half]), *events[half:])
    twice.drive()
    committed = twice.app.store.checkpoint(source=SOURCE)
    twice.okta.add(*events[half:])  # the other half again, after it was committed
    twice.drive()
    assert twice.app.store.checkpoint(source=SOURCE) != committed  # the repeats were read
    got: dict[str, Any] = twice.app.report()

    assert Counter(twice.okta.served.values()) == {2: len(events)}  # all served twice...
    assert twice.lines() == 2 * len(events)  # ...and all went through the pipeline
    assert got == expected  # the same deprovisions, findings (with their counts) and requests
    assert twice.seen() == expected_seen  # the same dedupe keys stored, each once
    applied = {  # the events the detectors act on: a person, and not a failure
        fact.key
        for item in events
        for fact in normalize_okta(item, 0.0, item["uuid"])
        if fact.user_id and fact.success is not False
    }
    assert len(applied) > len(events) / 2 and applied <= expected_seen
    twice.close()

    reference = replay(sample_copy(tmp_path / "replay", events))
    assert got["deprovisions"] == reference["deprovisions"]
    assert sorted(map(finding_key, got["findings"])) == sorted(
        map(finding_key, reference["findings"])
    )
