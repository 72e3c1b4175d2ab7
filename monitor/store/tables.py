"""The database schema. Alembic migrations (`migrations/`) create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["metadata", "rejected_lines", "request_counts", "sources"]

metadata = MetaData()

# Ids, user keys and finding subjects come from the traffic, and nothing in SCIM bounds them
# (an SP may use a base64 DN as its id): a length limit made PostgreSQL refuse such a record
# (SQLite never enforced one). Unbounded VARCHAR costs nothing more in either (migration 0008).
_ID = String()

# One row per configured source: where to resume, and what it has read so far.
sources = Table(
    "sources",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("checkpoint", Text, nullable=True),
    Column("units_total", BigInteger, nullable=False, default=0),
    Column("newest_ts", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
)

# Unreadable input, by source and bounded reason.
rejected_lines = Table(
    "rejected_lines",
    metadata,
    Column("source", String(120), primary_key=True),
    Column("reason", String(40), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# SCIM requests by the labels of scimwatch_scim_requests_total: the report's `requests`.
request_counts = Table(
    "request_counts",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("idp", String(16), primary_key=True),
    Column("resource", String(16), primary_key=True),
    Column("operation", String(16), primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

SP_KEYS = ("user_key", "email_key", "external_id", "idp_user_id")

# Every SCIM resource seen in an app, with its last known representation and lifecycle times.
sp_resources = Table(
    "sp_resources",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("sp_id", _ID, primary_key=True),
    Column("resource_type", String(16), nullable=False),
    Column("user_name", Text, nullable=True),
    Column("user_key", _ID, nullable=True),
    Column("email_key", _ID, nullable=True),
    Column("external_id", _ID, nullable=True),
    Column("idp_user_id", _ID, nullable=True),
    Column("active", Boolean, nullable=True),
    Column("first_seen", Double, nullable=False),
    Column("last_seen", Double, nullable=False),
    Column("created_at", Double, nullable=True),
    Column("disabled_at", Double, nullable=True),
    Column("deleted_at", Double, nullable=True),
    Column("representation", Text, nullable=True),
    Column("pending", Text, nullable=True),  # JSON: what the next representation must show
    # Identity matching asks one app at a time: (app, key) finds that app's rows only, where a
    # key alone would also find the person's accounts in every other app.
    *(Index(f"ix_sp_resources_app_{key}", "app", key) for key in SP_KEYS),
)

# People as the IdPs know them, and their last lifecycle state.
idp_people = Table(
    "idp_people",
    metadata,
    Column("idp", String(16), primary_key=True),
    Column("user_id", _ID, primary_key=True),
    Column("user_key", _ID, nullable=True, index=True),
    Column("state", String(16), nullable=False),
    Column("state_at", Double, nullable=False),
    Column("activated_at", Double, nullable=True),
    # An account's externalId or IdP id names a person without saying which IdP: by id alone.
    Index("ix_idp_people_user_id", "user_id"),
)

# Which apps an IdP provisions a person to (Okta assignments, Entra provisioning records).
idp_links = Table(
    "idp_links",
    metadata,
    Column("idp", String(16), primary_key=True),
    Column("user_id", _ID, primary_key=True),
    Column("app", String(64), primary_key=True),
    Column("sp_id", _ID, nullable=True),
    Column("linked_at", Double, nullable=False),
    Column("removed_at", Double, nullable=True),
)

# IdP records already applied, by their dedupe key (Okta uuid, Graph id, Google id).
idp_seen = Table(
    "idp_seen",
    metadata,
    Column("key", _ID, primary_key=True),
    Column("ts", Double, nullable=False),
)

# Successful SCIM disables and deletes: the evidence that confirms a deprovision.
scim_removals = Table(
    "scim_removals",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("sp_id", _ID, primary_key=True),
    Column("ts", Double, primary_key=True),
    Column("source", String(16), primary_key=True),  # scim | idp
    Column("applied", Boolean, nullable=False),
)

# One deprovision per (app, person): requested by the IdP, confirmed by evidence.
deprovisions = Table(
    "deprovisions",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("person", _ID, primary_key=True),
    Column("sp_id", _ID, nullable=True),
    Column("user_name", Text, nullable=True),
    Column("user_key", _ID, nullable=True),
    Column("requested_at", Double, nullable=True),
    Column("confirmed_at", Double, nullable=True),
    Index("ix_deprovisions_person", "person"),  # a (re)activation clears a person's requests
    Index("ix_deprovisions_app_sp_id", "app", "sp_id"),  # removal evidence finds its requests
    Index("ix_deprovisions_app_user_key", "app", "user_key"),  # an account's confirmed times
)

# Deprovisions a (re)activation ended, with when: activity is judged against the window each
# was in force (confirmed_at .. ended_at) whatever order the facts arrive in, and a removal
# the SCIM log shows only later can still confirm the one that was asked for then.
deprovision_cycles = Table(
    "deprovision_cycles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(64), nullable=False),
    Column("person", _ID, nullable=False),
    Column("sp_id", _ID, nullable=True),
    Column("user_key", _ID, nullable=True),
    Column("requested_at", Double, nullable=True),
    Column("confirmed_at", Double, nullable=True),
    Column("ended_at", Double, nullable=False),
    Index("ix_deprovision_cycles_app_user_key", "app", "user_key"),
    Index("ix_deprovision_cycles_app_sp_id", "app", "sp_id"),
)

# IdP removals a (re)activation ended: an account the SCIM log shows only later, or IdP-level
# session activity read only later, is still judged against the removal in force back then.
idp_removals = Table(
    "idp_removals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idp", String(16), nullable=False),
    Column("user_id", _ID, nullable=False),
    Column("user_key", _ID, nullable=True),
    Column("removed_at", Double, nullable=False),
    Column("ended_at", Double, nullable=False),
    Index("ix_idp_removals_person", "idp", "user_id"),
    Index("ix_idp_removals_user_key", "user_key"),
    Index("ix_idp_removals_user_id", "user_id"),
)

# Findings, one row per subject, with a lifecycle.
findings = Table(
    "findings",
    metadata,
    Column("type", String(40), primary_key=True),
    Column("app", String(64), primary_key=True),
    Column("subject", _ID, primary_key=True),
    Column("fields", Text, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("resolved_at", Double, nullable=True),
)

# Successful activity by account (app activity logs; app "" for IdP sessions and tokens): kept so
# activity after a deprovision is found whichever of the two arrives first.
activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(64), nullable=False),
    Column("user_key", _ID, nullable=False),
    Column("ts", Double, nullable=False),
    Column("source", String(40), nullable=False),
    Index("ix_activity_app_user_ts", "app", "user_key", "ts"),
)
