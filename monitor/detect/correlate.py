"""The correlator: one entry point for every record, inside the batch's transaction."""

from __future__ import annotations

from sqlalchemy import Connection, select

from monitor.classify.idp import normalize
from monitor.detect.deprovision import Deprovisions
from monitor.detect.findings import Findings, Outcomes
from monitor.detect.idp import AppIndex, IdpDetector
from monitor.detect.keys import normalize_key
from monitor.detect.resources import Resources
from monitor.detect.scim import ScimDetector
from monitor.events import ActivityRecord, IdpRecord, Record, ScimEvent
from monitor.store.tables import deprovisions

__all__ = ["Correlator", "session_source"]


def session_source(kind: str) -> str:
    """`google_reports/token` -> `google_token`; `okta_system_log` -> `okta_session`."""
    if kind.startswith("google_reports/"):
        return "google_" + kind.split("/", 1)[1]
    return kind.split("_", 1)[0] + "_session"


class Correlator:
    """Routes classified SCIM events, IdP records and activity to their detectors."""

    def __init__(self, conn: Connection, apps: AppIndex) -> None:
        self.conn = conn
        self.outcomes = Outcomes()
        self.findings = Findings(conn, self.outcomes)
        resources = Resources(conn)
        self.deprovisions = Deprovisions(conn, resources, self.findings)
        self.scim = ScimDetector(resources, self.deprovisions, self.findings)
        self.idp = IdpDetector(conn, self.deprovisions, apps, self.findings)
        self.deprovisions.apps_of = self.idp.apps_of_person

    def handle(self, item: ScimEvent | Record) -> None:
        if isinstance(item, ScimEvent):
            self.scim.handle(item)
        elif isinstance(item, IdpRecord):
            source = session_source(item.kind)
            for event in normalize(item):
                self.idp.handle(event, source)
        elif isinstance(item, ActivityRecord):
            self.activity(item)

    def activity(self, record: ActivityRecord) -> None:
        """A successful action by an account whose deprovision there was already confirmed."""
        if record.app is None or (record.status is not None and record.status >= 400):
            return
        user = normalize_key(record.user)
        found = self.conn.execute(
            select(deprovisions.c.user_name).where(
                (deprovisions.c.app == record.app)
                & (deprovisions.c.user_key == user)
                & (deprovisions.c.confirmed_at < record.ts)
            )
        ).first()
        if found is not None and user:
            self.findings.raise_(
                type="activity_after_deprovision",
                app=record.app,
                subject=user,
                fields={"source": "app_activity", "user_name": user},
                at=record.ts,
            )
