"""Index SP resources by (app, key): identity matching asks one app at a time.

The single-column key indexes also returned the person's accounts in every other app (an
externalId or IdP user id is the same in each app a person is provisioned to), whole rows with
their representations, to be dropped in Python.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KEYS = ("user_key", "email_key", "external_id", "idp_user_id")


def upgrade() -> None:
    for key in _KEYS:
        op.drop_index(f"ix_sp_resources_{key}", table_name="sp_resources")
        op.create_index(f"ix_sp_resources_app_{key}", "sp_resources", ["app", key], unique=False)


def downgrade() -> None:
    for key in _KEYS:
        op.drop_index(f"ix_sp_resources_app_{key}", table_name="sp_resources")
        op.create_index(f"ix_sp_resources_{key}", "sp_resources", [key], unique=False)
