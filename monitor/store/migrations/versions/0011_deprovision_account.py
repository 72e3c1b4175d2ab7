"""Index deprovisions by account: (app, sp_id).

Removal evidence (a SCIM DELETE or disable, the IdP's provisioning record) confirms the
deprovisions that target its account, and a batch reads those of all its removed accounts up
front. Without this index each question scanned every deprovision of the app, a cost that
grew with the app's history.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deprovisions_app_sp_id", "deprovisions", ["app", "sp_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deprovisions_app_sp_id", table_name="deprovisions")
