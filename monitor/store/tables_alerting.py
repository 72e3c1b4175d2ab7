"""Tables of the alerting side: traffic windows, alert states, silences, notification log,
outbox and the sender lease. Same `metadata` as the detection tables; migration 0004 creates them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Double, Index, Integer, String, Table, Text

from monitor.store.tables import metadata

__all__ = [
    "alert_states",
    "app_health",
    "detection_skips",
    "leases",
    "nflog",
    "outbox",
    "scim_traffic",
    "silences",
]

# SCIM requests per app, event-time minute and outcome: the windows the built-in conditions read
# (error ratios, throttling, stalls). Pruned with the rest of the history.
scim_traffic = Table(
    "scim_traffic",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("minute", BigInteger, primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# Records detection skipped (`monitor/detect/guard.py`), per kind and minute of the clock when
# they were skipped: the DetectionSkippingRecords condition's window, on whichever replica runs
# it. Pruned like the traffic windows.
detection_skips = Table(
    "detection_skips",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("minute", BigInteger, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# Per app: the newest success and the run of auth failures since it (a streak, in event order).
app_health = Table(
    "app_health",
    metadata,
    Column("app", String(64), primary_key=True),
    Column("last_ok_at", Double, nullable=True),
    Column("last_auth_error_at", Double, nullable=True),
    Column("auth_streak", BigInteger, nullable=False),
)

# Every alert the conditions produced, firing (ends_at null) or resolved, by fingerprint.
alert_states = Table(
    "alert_states",
    metadata,
    Column("fingerprint", String(32), primary_key=True),
    Column("alertname", String(64), nullable=False),
    Column("labels", Text, nullable=False),
    Column("annotations", Text, nullable=False),
    Column("starts_at", Double, nullable=False),
    Column("ends_at", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
    Index("ix_alert_states_ends_at", "ends_at"),
)

# Silences: matchers, a time range or "until the matched alerts resolve", author and comment.
silences = Table(
    "silences",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("matchers", Text, nullable=False),
    Column("starts_at", Double, nullable=False),
    Column("ends_at", Double, nullable=True),
    Column("until_resolved", Boolean, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expired_at", Double, nullable=True),
)

# What each receiver integration was last told about each group (Alertmanager's nflog), and the
# state it keeps between deliveries (a Slack message to update).
nflog = Table(
    "nflog",
    metadata,
    Column("group_key", String(400), primary_key=True),
    Column("receiver", String(120), primary_key=True),
    Column("integration", Integer, primary_key=True),
    Column("firing", Text, nullable=False),
    Column("resolved", Text, nullable=False),
    Column("sent_at", Double, nullable=False),
    Column("thread", Text, nullable=False),
    Column("group_first_at", Double, nullable=True),
)

# Notifications recorded before they are sent and marked once delivered: nothing is lost or
# repeated across crashes and receiver outages.
outbox = Table(
    "outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("group_key", String(400), nullable=False),
    Column("receiver", String(120), nullable=False),
    Column("integration", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("next_attempt_at", Double, nullable=False),
    Column("last_reason", String(40), nullable=True),
    Column("sent_at", Double, nullable=True),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)

# One named lease per singleton job (the alert sender), so several replicas sharing a PostgreSQL
# store notify once.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Double, nullable=False),
)
