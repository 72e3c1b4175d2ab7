"""What each app's SCIM resources look like, learned from every response body.

POST, GET, PUT and PATCH answers and ListResponse pages all carry representations; the last one
seen (by event time) is kept with the keys that link it to a person. `pending` holds what the
next representation must show after a PATCH answered without a body (204).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from monitor.classify.shapes import as_bool
from monitor.detect.keys import normalize_key, primary_email
from monitor.store.tables import sp_resources

__all__ = ["Resources", "as_bool"]


class Resources:
    """SP resources of all apps, read and written inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, app: str, sp_id: str) -> Row[Any] | None:
        where = (sp_resources.c.app == app) & (sp_resources.c.sp_id == sp_id)
        return self.conn.execute(select(sp_resources).where(where)).first()

    def learn(
        self,
        app: str,
        rep: Mapping[str, object],
        ts: float,
        *,
        resource_type: str,
        created: bool = False,
    ) -> Row[Any] | None:
        """Store a representation; returns the row as it was before (None when new)."""
        sp_id = rep.get("id")
        if not isinstance(sp_id, str) or not sp_id:
            return None
        previous = self.get(app, sp_id)
        name = rep.get("userName") if resource_type == "User" else rep.get("displayName")
        active = as_bool(rep.get("active"))
        external = rep.get("externalId")
        values: dict[str, Any] = {
            "resource_type": resource_type,
            "user_name": name if isinstance(name, str) else None,
            "user_key": normalize_key(name),
            "email_key": primary_email(rep),
            "external_id": external if isinstance(external, str) and external else None,
            "active": active,
            "representation": json.dumps(rep, sort_keys=True),
        }
        if previous is None:
            self.conn.execute(
                sp_resources.insert().values(
                    app=app,
                    sp_id=sp_id,
                    first_seen=ts,
                    last_seen=ts,
                    created_at=ts if created else None,
                    disabled_at=ts if active is False else None,
                    **values,
                )
            )
            return None
        if previous.representation is not None and ts < previous.last_seen:
            return previous  # an older representation arriving late teaches nothing new
        if values["representation"] == previous.representation and not created:
            self._update(app, sp_id, last_seen=ts)  # an import seeing it unchanged
            return previous
        if active is False and previous.active is not False:
            values["disabled_at"] = ts
        if created and previous.created_at is None:
            values["created_at"] = ts
        if previous.deleted_at is not None and previous.deleted_at < ts:
            values["deleted_at"] = None  # seen again after a DELETE: it still exists
        self._update(app, sp_id, last_seen=ts, **values)
        return previous

    def update(self, app: str, sp_id: str, **values: Any) -> None:
        self._update(app, sp_id, **values)

    def _update(self, app: str, sp_id: str, **values: Any) -> None:
        where = (sp_resources.c.app == app) & (sp_resources.c.sp_id == sp_id)
        self.conn.execute(sp_resources.update().where(where).values(**values))

    def ensure(self, app: str, sp_id: str, ts: float, *, resource_type: str) -> Row[Any]:
        """The row for an id seen only in a path (no body yet)."""
        row = self.get(app, sp_id)
        if row is None:
            self.conn.execute(
                sp_resources.insert().values(
                    app=app, sp_id=sp_id, resource_type=resource_type, first_seen=ts, last_seen=ts
                )
            )
            row = self.get(app, sp_id)
        assert row is not None
        return row

    def matching(
        self,
        app: str,
        *,
        user_key: str | None = None,
        email_key: str | None = None,
        external_id: str | None = None,
        idp_user_id: str | None = None,
    ) -> list[Row[Any]]:
        """Users of `app` sharing any of the given keys."""
        clauses = []
        if user_key:
            clauses += [sp_resources.c.user_key == user_key, sp_resources.c.email_key == user_key]
        if email_key:
            clauses += [sp_resources.c.email_key == email_key, sp_resources.c.user_key == email_key]
        if external_id:
            clauses.append(sp_resources.c.external_id == external_id)
        if idp_user_id:
            clauses.append(sp_resources.c.idp_user_id == idp_user_id)
        if not clauses:
            return []
        query = select(sp_resources).where(
            (sp_resources.c.app == app) & (sp_resources.c.resource_type == "User") & or_(*clauses)
        )
        return list(self.conn.execute(query))
