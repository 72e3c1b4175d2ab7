"""The correlator: one entry point for every record, inside the batch's transaction."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy import Connection

from monitor.classify.idp import normalize
from monitor.detect.activity import ActivityDetector
from monitor.detect.batch_keys import (
    appearing,
    idp_accounts,
    idp_entries,
    new_accounts,
    new_entries,
    removed_accounts,
    scim_accounts,
    scim_entries,
)
from monitor.detect.deprovision import Deprovisions
from monitor.detect.findings import Findings, Outcomes
from monitor.detect.idp import AppIndex, IdpDetector
from monitor.detect.keys import normalize_key
from monitor.detect.resources import Resources
from monitor.detect.scim import ScimDetector
from monitor.events import ActivityRecord, IdpEvent, IdpRecord, Record, ScimEvent
from monitor.store.prepared import Db

__all__ = ["Correlator", "session_source"]


def session_source(kind: str) -> str:
    """`google_reports/token` -> `google_token`; `okta_system_log` -> `okta_session`."""
    if kind.startswith("google_reports/"):
        return "google_" + kind.split("/", 1)[1]
    return kind.split("_", 1)[0] + "_session"


class Correlator:
    """Routes classified SCIM events, IdP records and activity to their detectors."""

    def __init__(self, conn: Connection, apps: AppIndex, outcomes: Outcomes | None = None) -> None:
        self.conn = conn
        db = Db(conn)
        self.outcomes = outcomes if outcomes is not None else Outcomes()
        self.findings = Findings(db, self.outcomes)
        resources = Resources(db)
        self.deprovisions = Deprovisions(db, resources, self.findings)
        self.scim = ScimDetector(resources, self.deprovisions, self.findings)
        self.idp = IdpDetector(resources, self.deprovisions, apps, self.findings)
        self.deprovisions.apps_of = self.idp.apps_of_person
        self.activity_detector = ActivityDetector(db, self.findings)
        self.deprovisions.on_confirmed = self.activity_detector.after_deprovision
        self.deprovisions.on_changed = self.activity_detector.forget
        self.deprovisions.on_ended = self.activity_detector.ended
        self.deprovisions.on_first_confirmed = self.activity_detector.first_confirmed
        self.activity_detector.has_cycles = self.deprovisions.has_cycles
        self.idp.activity = self.activity_detector
        self.idp.windows = self.activity_detector.idp_windows

    def finish(self) -> None:
        """Write what was kept back for the end of the batch; call before the commit."""
        self.deprovisions.rows.flush()
        self.activity_detector.flush()
        self.idp.flush()
        self.scim.resources.flush()
        self.deprovisions.evidence.write()
        self.findings.flush()

    def handle_all(self, items: Sequence[ScimEvent | Record]) -> None:
        """A batch, in order: the rows its records will look up are read first, a few
        statements per table (`monitor.detect.prefetch`), then each record is handled."""
        facts = [normalize(item) if isinstance(item, IdpRecord) else None for item in items]
        actions = [_action_key(i) if isinstance(i, ActivityRecord) else None for i in items]
        self._prefetch(items, [event for found in facts if found for event in found])
        self.activity_detector.prefetch(key for key in actions if key is not None)
        for item, events, action in zip(items, facts, actions, strict=True):
            if isinstance(item, IdpRecord) and events is not None:
                self._idp_facts(item, events)
            elif isinstance(item, ActivityRecord):
                self._action(item.ts, action)
            else:
                self.handle(item)

    def _prefetch(self, items: Sequence[ScimEvent | Record], facts: list[IdpEvent]) -> None:
        """People and dedupe keys, then the accounts the records name, then which of the new
        accounts' ids and keys name a removal, then the accounts sharing the records' keys
        (`monitor.detect.batch_keys`), each step using what the last one read."""
        self.idp.prefetch(facts)
        window_keys = list(self.idp.window_keys(facts))
        self.activity_detector.idp_windows.prefetch(window_keys)
        self.activity_detector.prefetch_stored("", window_keys)  # sessions to recount, if any
        scim = [item for item in items if isinstance(item, ScimEvent)]
        resources, app_of = self.scim.resources, self.idp.apps.app
        targets = list(idp_accounts(facts, app_of))
        resources.prefetch(itertools.chain(scim_accounts(scim), targets))
        removed = list(itertools.chain(removed_accounts(scim), targets))
        self.deprovisions.evidence.prefetch(removed)
        self.deprovisions.rows.prefetch_accounts(removed)
        new = new_accounts(scim, resources.get)
        self.deprovisions.no_removals.prefetch(appearing(new, facts, resources.get, app_of))
        resources.prefetch_keys(
            itertools.chain(
                new_entries(new),
                scim_entries(scim, resources.get),
                idp_entries(facts, app_of, self.idp.apps_of_person),
            )
        )

    def handle(self, item: ScimEvent | Record) -> None:
        if isinstance(item, ScimEvent):
            self.scim.handle(item)
        elif isinstance(item, IdpRecord):
            self._idp_facts(item, normalize(item))
        elif isinstance(item, ActivityRecord):
            self.activity(item)

    def _idp_facts(self, item: IdpRecord, events: list[IdpEvent]) -> None:
        source = session_source(item.kind)
        for event in events:
            self.idp.handle(event, source)

    def activity(self, record: ActivityRecord) -> None:
        """A successful action in the app's own log, kept for the activity-after check."""
        self._action(record.ts, _action_key(record))

    def _action(self, ts: float, key: tuple[str, str] | None) -> None:
        if key is not None:
            app, user = key
            self.activity_detector.action(app=app, user_key=user, ts=ts, source="app_activity")


def _action_key(record: ActivityRecord) -> tuple[str, str] | None:
    """(app, user key) of a successful action; None for a refused one or an unknown user."""
    user = normalize_key(record.user)
    if record.app is None or user is None:
        return None
    if record.status is not None and record.status >= 400:
        return None
    return record.app, user
