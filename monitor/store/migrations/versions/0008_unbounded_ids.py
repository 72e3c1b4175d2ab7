"""Ids, user keys and finding subjects without a length limit.

They come from the traffic and SCIM does not bound them (an SP may use a base64-encoded DN as
its id): PostgreSQL refused a record holding a longer one, which detection then had to skip.
PostgreSQL changes VARCHAR(n) to VARCHAR in place, without rewriting the table or its
indexes. SQLite never enforced the limits, so nothing changes there (declared types are
only affinities to it, and rebuilding its tables to rename a type would cost a copy of the
whole store).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (  # (table, column, former length)
    ("sp_resources", "sp_id", 255),
    ("sp_resources", "user_key", 320),
    ("sp_resources", "email_key", 320),
    ("sp_resources", "external_id", 255),
    ("sp_resources", "idp_user_id", 255),
    ("idp_people", "user_id", 255),
    ("idp_people", "user_key", 320),
    ("idp_links", "user_id", 255),
    ("idp_links", "sp_id", 255),
    ("idp_seen", "key", 320),
    ("scim_removals", "sp_id", 255),
    ("deprovisions", "person", 320),
    ("deprovisions", "sp_id", 255),
    ("deprovisions", "user_key", 320),
    ("deprovision_cycles", "person", 320),
    ("deprovision_cycles", "sp_id", 255),
    ("deprovision_cycles", "user_key", 320),
    ("idp_removals", "user_id", 255),
    ("idp_removals", "user_key", 320),
    ("findings", "subject", 600),
    ("activity", "user_key", 320),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(), existing_type=sa.String(length))


def downgrade() -> None:
    """Back to the limits; fails if a longer value has been stored since."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.String())
