"""The database schema. Alembic migrations (`migrations/`) create and evolve it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, MetaData, String, Table, Text

__all__ = ["metadata", "rejected_lines", "request_counts", "sources"]

metadata = MetaData()

# One row per configured source: where to resume, and what it has read so far.
sources = Table(
    "sources",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("checkpoint", Text, nullable=True),
    Column("units_total", BigInteger, nullable=False, default=0),
    Column("newest_ts", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
)

# Unreadable input, by source and bounded reason.
rejected_lines = Table(
    "rejected_lines",
    metadata,
    Column("source", String(120), primary_key=True),
    Column("reason", String(40), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# SCIM requests by the labels of scimwatch_scim_requests_total: the report's `requests`.
request_counts = Table(
    "request_counts",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("idp", String(16), primary_key=True),
    Column("resource", String(16), primary_key=True),
    Column("operation", String(16), primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
