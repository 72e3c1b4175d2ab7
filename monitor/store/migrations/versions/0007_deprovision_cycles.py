"""Keep the deprovisions and IdP removals a (re)activation ended, with when it ended them.

A rehire used to delete the person's deprovision rows, so activity seen after the rehire, or a
removal the SCIM log showed only later, was judged against nothing (or against a deprovision
that no longer applied) depending on the order the sources were read.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deprovision_cycles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(64), nullable=False),
        sa.Column("person", sa.String(320), nullable=False),
        sa.Column("sp_id", sa.String(255), nullable=True),
        sa.Column("user_key", sa.String(320), nullable=True),
        sa.Column("requested_at", sa.Double(), nullable=True),
        sa.Column("confirmed_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_deprovision_cycles_app_user_key", "deprovision_cycles", ["app", "user_key"])
    op.create_index("ix_deprovision_cycles_app_sp_id", "deprovision_cycles", ["app", "sp_id"])
    op.create_table(
        "idp_removals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idp", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("user_key", sa.String(320), nullable=True),
        sa.Column("removed_at", sa.Double(), nullable=False),
        sa.Column("ended_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_idp_removals_person", "idp_removals", ["idp", "user_id"])
    op.create_index("ix_idp_removals_user_key", "idp_removals", ["user_key"])


def downgrade() -> None:
    op.drop_index("ix_idp_removals_user_key", table_name="idp_removals")
    op.drop_index("ix_idp_removals_person", table_name="idp_removals")
    op.drop_table("idp_removals")
    op.drop_index("ix_deprovision_cycles_app_sp_id", table_name="deprovision_cycles")
    op.drop_index("ix_deprovision_cycles_app_user_key", table_name="deprovision_cycles")
    op.drop_table("deprovision_cycles")
