"""Alembic environment: always run on a connection handed over by `monitor.store.sql`."""

from __future__ import annotations

from alembic import context

from monitor.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
