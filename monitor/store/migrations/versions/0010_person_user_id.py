"""Index IdP people and ended removals by user id alone.

An account that appears asks whether its person was removed, by the externalId and IdP id the
account carries, which do not say which IdP issued them. With only the (idp, user_id) key to
go by, the question was one index probe per IdP and id (14 for an account with both ids), and
on PostgreSQL it cost about three times a plain lookup.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_INDEXES = (("ix_idp_people_user_id", "idp_people"), ("ix_idp_removals_user_id", "idp_removals"))


def upgrade() -> None:
    for name, table in _INDEXES:
        op.create_index(name, table, ["user_id"], unique=False)


def downgrade() -> None:
    for name, table in _INDEXES:
        op.drop_index(name, table_name=table)
