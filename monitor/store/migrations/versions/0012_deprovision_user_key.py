"""Index deprovisions by (app, user_key) instead of user_key alone.

Activity asks for an account's earliest confirmed deprovision by app and user key. With
indexes on (app, sp_id) and on user_key alone, SQLite (which plans without statistics)
chose the first for its `app` column and read every deprovision of the app per question.
Every query by user key names the app, so the two-column index replaces the one-column one.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deprovisions_app_user_key", "deprovisions", ["app", "user_key"], unique=False
    )
    op.drop_index("ix_deprovisions_user_key", table_name="deprovisions")


def downgrade() -> None:
    op.create_index("ix_deprovisions_user_key", "deprovisions", ["user_key"], unique=False)
    op.drop_index("ix_deprovisions_app_user_key", table_name="deprovisions")
