"""Order independence: the IdP's removal arrives before the SCIM log shows the account at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from order_kit import APP_ID, APPINST, PERSON, USER, okta, scim
from prometheus_client import CollectorRegistry

from collectors.base import Batch
from monitor.clock import FakeClock
from monitor.config import SourceSpec, parse
from monitor.events import Record, ScimRequest
from monitor.ingest import Ingestor
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

Feed = Callable[[SourceSpec, list[Record]], None]


def _daemon(tmp_path: Path) -> tuple[SqlStore, Feed, list[SourceSpec]]:
    """A store and an ingestor for one Okta app; `feed` ingests one source's batch."""
    config = parse(
        f"apps: [{{name: tickets, idp: okta, okta_app_id: {APP_ID}}}]\n"
        "sources:\n  - {type: scim_log, app: tickets, path: t.log}\n"
        "  - {type: okta_system_log, path: okta.json}\n",
        source="x.yaml",
        base_dir=tmp_path,
    )
    store = SqlStore(f"sqlite:///{tmp_path / 'db'}")
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )

    def feed(spec: SourceSpec, records: list[Record]) -> None:
        ingestor.ingest(spec, Batch(records=records, checkpoint={}, units=len(records)))

    return store, feed, list(config.sources)


def test_account_seen_after_the_idp_removal_takes_over_the_deprovision(tmp_path: Path) -> None:
    store, feed, (scim_spec, okta_spec) = _daemon(tmp_path)

    # The IdP's whole story is read first: assigned, pushed, deactivated, deprovisioned.
    feed(
        okta_spec,
        [
            okta(
                "e1", "2031-01-01T09:00:00.000Z", "application.user_membership.add", APPINST, PERSON
            ),
            okta("e2", "2031-01-01T10:00:00.000Z", "user.lifecycle.deactivate", PERSON),
            okta(
                "e3",
                "2031-01-01T10:00:30.000Z",
                "application.provision.user.deactivate",
                APPINST,
                PERSON,
            ),
        ],
    )
    # Then the SCIM log: the account's creation (with bodies) and its disable.
    user = {"id": "sp-1", "userName": "pia@example.com", "externalId": USER, "active": True}
    feed(
        scim_spec,
        [
            scim(
                {
                    "ts": "2031-01-01T09:00:05Z",
                    "method": "POST",
                    "path": "/scim/v2/Users",
                    "status": 201,
                    "request_body": {**user, "id": None},
                    "response_body": user,
                }
            ),
            scim(
                {
                    "ts": "2031-01-01T10:00:40Z",
                    "method": "PATCH",
                    "path": "/scim/v2/Users/sp-1",
                    "status": 200,
                    "request_body": {"Operations": [{"op": "replace", "value": {"active": False}}]},
                    "response_body": {**user, "active": False},
                }
            ),
        ],
    )
    (row,) = store.deprovision_rows()
    assert row["sp_id"] == "sp-1" and row["user_name"] == "pia@example.com"
    assert row["requested_at"] == okta("x", "2031-01-01T10:00:00.000Z", "x").ts
    assert row["confirmed_at"] - row["requested_at"] == 40.0  # the SCIM disable, not the IdP claim
    store.close()


def test_a_request_moves_to_the_account_that_replaced_one_already_gone(tmp_path: Path) -> None:
    """An Okta rename deactivates the old account and creates a new one hours before the
    person is removed. A daemon may read the removal while the SCIM log has shown only the old
    account: the request points at it first, then moves to the new one once the log shows the
    old one gone before the request, and the new one's disable confirms it, as in a replay."""
    store, feed, (scim_spec, okta_spec) = _daemon(tmp_path)

    old = {"id": "sp-old", "userName": "pia@example.com", "externalId": USER, "active": True}
    new = {**old, "id": "sp-new", "userName": "pia.corp@example.com"}

    def create(ts: str, user: dict[str, object]) -> ScimRequest:
        body = {**user, "id": None}
        return scim({"ts": ts, "method": "POST", "path": "/scim/v2/Users", "status": 201,
                     "request_body": body, "response_body": user})  # fmt: skip

    def disable(ts: str, user: dict[str, object]) -> ScimRequest:
        patch = {"Operations": [{"op": "replace", "value": {"active": False}}]}
        return scim({"ts": ts, "method": "PATCH", "path": f"/scim/v2/Users/{user['id']}",
                     "status": 200, "request_body": patch,
                     "response_body": {**user, "active": False}})  # fmt: skip

    feed(scim_spec, [create("2031-01-01T09:00:05Z", old)])
    feed(
        okta_spec,
        [
            okta(
                "e1", "2031-01-01T09:00:00.000Z", "application.user_membership.add", APPINST, PERSON
            ),
            okta("e2", "2031-01-01T12:00:00.000Z", "user.lifecycle.deactivate", PERSON),
        ],
    )
    (first,) = store.deprovision_rows()
    assert first["sp_id"] == "sp-old"  # all the daemon knows so far
    feed(
        scim_spec,
        [
            disable("2031-01-01T11:00:00Z", old),  # the rename, before the removal
            create("2031-01-01T11:00:04Z", new),
            disable("2031-01-01T12:00:40Z", new),  # the deprovision itself
        ],
    )
    (row,) = store.deprovision_rows()
    assert row["sp_id"] == "sp-new" and row["user_name"] == "pia.corp@example.com"
    assert row["confirmed_at"] - row["requested_at"] == 40.0
    store.close()
