"""Alerting: traffic windows, app health, alert states, silences, nflog, outbox, leases.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_traffic",
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app", "minute", "outcome"),
    )
    op.create_table(
        "app_health",
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("last_ok_at", sa.Double(), nullable=True),
        sa.Column("last_auth_error_at", sa.Double(), nullable=True),
        sa.Column("auth_streak", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app"),
    )
    op.create_table(
        "alert_states",
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("alertname", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("annotations", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.Double(), nullable=False),
        sa.Column("ends_at", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )
    op.create_index("ix_alert_states_ends_at", "alert_states", ["ends_at"], unique=False)
    op.create_table(
        "silences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matchers", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.Double(), nullable=False),
        sa.Column("ends_at", sa.Double(), nullable=True),
        sa.Column("until_resolved", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expired_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "nflog",
        sa.Column("group_key", sa.String(length=400), nullable=False),
        sa.Column("receiver", sa.String(length=120), nullable=False),
        sa.Column("integration", sa.Integer(), nullable=False),
        sa.Column("firing", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.Double(), nullable=False),
        sa.Column("thread", sa.Text(), nullable=False),
        sa.Column("group_first_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("group_key", "receiver", "integration"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("group_key", sa.String(length=400), nullable=False),
        sa.Column("receiver", sa.String(length=120), nullable=False),
        sa.Column("integration", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("next_attempt_at", sa.Double(), nullable=False),
        sa.Column("last_reason", sa.String(length=40), nullable=True),
        sa.Column("sent_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_state_next", "outbox", ["state", "next_attempt_at"], unique=False)
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_outbox_state_next", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("nflog")
    op.drop_table("silences")
    op.drop_index("ix_alert_states_ends_at", table_name="alert_states")
    op.drop_table("alert_states")
    op.drop_table("app_health")
    op.drop_table("scim_traffic")
