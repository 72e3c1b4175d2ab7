"""Activity after deprovision, whichever arrives first: the activity or the removal.

Successful actions are kept per account, so the finding is recomputed from facts when either
side changes: an action after the confirmed deprovision in that app (app activity logs), or an
IdP session/token use after the IdP removed the person (`app` empty). A live daemon catching
up on several files at once therefore reaches the same finding as a time-ordered replay.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from monitor.detect.deprovision import REMOVED_STATES
from monitor.detect.findings import Findings
from monitor.store.tables import activity, deprovisions, idp_people

__all__ = ["ActivityDetector"]

TYPE = "activity_after_deprovision"


class ActivityDetector:
    """Stores successful actions and keeps the activity findings equal to the facts."""

    def __init__(self, conn: Connection, findings: Findings) -> None:
        self.conn = conn
        self.findings = findings

    def action(self, *, app: str, user_key: str, ts: float, source: str) -> None:
        """One successful action of an account (app "" for IdP-level sessions)."""
        self.conn.execute(
            activity.insert().values(app=app, user_key=user_key, ts=ts, source=source)
        )
        if app:
            self.after_deprovision(app, user_key)
        else:
            self.after_idp_removal(user_key)

    def after_deprovision(self, app: str, user_key: str | None) -> None:
        """Recount the app's activity after the account's confirmed deprovision there."""
        if not user_key:
            return
        confirmed = self.conn.execute(
            select(func.min(deprovisions.c.confirmed_at)).where(
                (deprovisions.c.app == app) & (deprovisions.c.user_key == user_key)
            )
        ).scalar()
        self._recount(app, user_key, confirmed)

    def after_idp_removal(self, user_key: str | None) -> None:
        """Recount IdP sessions and tokens after the IdP removed the person."""
        if not user_key:
            return
        removed = self.conn.execute(
            select(func.max(idp_people.c.state_at)).where(
                (idp_people.c.user_key == user_key) & idp_people.c.state.in_(REMOVED_STATES)
            )
        ).scalar()
        self._recount("", user_key, removed)

    def _recount(self, app: str, user_key: str, since: float | None) -> None:
        if since is None:
            return
        row = self.conn.execute(
            select(
                func.count(),
                func.min(activity.c.ts),
                func.max(activity.c.ts),
                func.min(activity.c.source),
            ).where(
                (activity.c.app == app)
                & (activity.c.user_key == user_key)
                & (activity.c.ts > since)
            )
        ).one()
        count, first, last, source = row
        if count:
            self.findings.put(
                type=TYPE,
                app=app or None,
                subject=user_key,
                fields={"source": source, "user_name": user_key},
                first_at=float(first),
                last_at=float(last),
                count=int(count),
            )
