"""The state store: what scimwatch has read, counted and concluded.

In: committed batches from the ingest pipeline. Out: answers to domain questions (where does
a source resume, how many requests per app and outcome). One SQLAlchemy implementation
(`SqlStore`) serves SQLite (the embedded default) and PostgreSQL (shared by replicas).
May not import collectors, alerts, the app or the CLI.
"""

from __future__ import annotations

from monitor.store import tables_alerting as _tables_alerting  # noqa: F401 - registers tables
from monitor.store.base import RequestKey, Store, StoreError
from monitor.store.sql import SqlStore, normalize_url

__all__ = ["RequestKey", "SqlStore", "Store", "StoreError", "normalize_url"]
