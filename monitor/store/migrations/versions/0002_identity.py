"""Identity correlation: SP resources, IdP people and links, deprovisions, findings.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("user_key", sa.String(length=320), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_app_user_ts", "activity", ["app", "user_key", "ts"], unique=False)
    op.create_table(
        "deprovisions",
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=320), nullable=False),
        sa.Column("sp_id", sa.String(length=255), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("user_key", sa.String(length=320), nullable=True),
        sa.Column("requested_at", sa.Double(), nullable=True),
        sa.Column("confirmed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("app", "person"),
    )
    op.create_index(op.f("ix_deprovisions_user_key"), "deprovisions", ["user_key"], unique=False)
    op.create_table(
        "findings",
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=600), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("type", "app", "subject"),
    )
    op.create_table(
        "idp_links",
        sa.Column("idp", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("sp_id", sa.String(length=255), nullable=True),
        sa.Column("linked_at", sa.Double(), nullable=False),
        sa.Column("removed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("idp", "user_id", "app"),
    )
    op.create_table(
        "idp_people",
        sa.Column("idp", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("user_key", sa.String(length=320), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_at", sa.Double(), nullable=False),
        sa.Column("activated_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("idp", "user_id"),
    )
    op.create_index(op.f("ix_idp_people_user_key"), "idp_people", ["user_key"], unique=False)
    op.create_table(
        "idp_seen",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "scim_removals",
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("sp_id", sa.String(length=255), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("app", "sp_id", "ts", "source"),
    )
    op.create_table(
        "sp_resources",
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("sp_id", sa.String(length=255), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("user_key", sa.String(length=320), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("idp_user_id", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("first_seen", sa.Double(), nullable=False),
        sa.Column("last_seen", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=True),
        sa.Column("disabled_at", sa.Double(), nullable=True),
        sa.Column("deleted_at", sa.Double(), nullable=True),
        sa.Column("representation", sa.Text(), nullable=True),
        sa.Column("pending", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("app", "sp_id"),
    )
    op.create_index(op.f("ix_sp_resources_email_key"), "sp_resources", ["email_key"], unique=False)
    op.create_index(
        op.f("ix_sp_resources_external_id"), "sp_resources", ["external_id"], unique=False
    )
    op.create_index(
        op.f("ix_sp_resources_idp_user_id"), "sp_resources", ["idp_user_id"], unique=False
    )
    op.create_index(op.f("ix_sp_resources_user_key"), "sp_resources", ["user_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_activity_app_user_ts", table_name="activity")
    op.drop_table("activity")
    op.drop_index(op.f("ix_sp_resources_user_key"), table_name="sp_resources")
    op.drop_index(op.f("ix_sp_resources_idp_user_id"), table_name="sp_resources")
    op.drop_index(op.f("ix_sp_resources_external_id"), table_name="sp_resources")
    op.drop_index(op.f("ix_sp_resources_email_key"), table_name="sp_resources")
    op.drop_table("sp_resources")
    op.drop_table("scim_removals")
    op.drop_table("idp_seen")
    op.drop_index(op.f("ix_idp_people_user_key"), table_name="idp_people")
    op.drop_table("idp_people")
    op.drop_table("idp_links")
    op.drop_table("findings")
    op.drop_index(op.f("ix_deprovisions_user_key"), table_name="deprovisions")
    op.drop_table("deprovisions")
