"""Sources with checkpoints, rejected lines and SCIM request counts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("units_total", sa.BigInteger(), nullable=False),
        sa.Column("newest_ts", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
    )
    op.create_table(
        "rejected_lines",
        sa.Column("source", sa.String(120), primary_key=True),
        sa.Column("reason", sa.String(40), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "request_counts",
        sa.Column("app", sa.String(64), primary_key=True),
        sa.Column("idp", sa.String(16), primary_key=True),
        sa.Column("resource", sa.String(16), primary_key=True),
        sa.Column("operation", sa.String(16), primary_key=True),
        sa.Column("outcome", sa.String(16), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("request_counts")
    op.drop_table("rejected_lines")
    op.drop_table("sources")
