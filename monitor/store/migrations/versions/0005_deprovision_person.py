"""Index deprovisions by person: a (re)activation clears that person's requests in every app.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deprovisions_person", "deprovisions", ["person"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deprovisions_person", table_name="deprovisions")
