"""A named lease in the store: one replica at a time runs the alert pipeline.

Alertmanager's HA gossips and can notify twice; with a shared database a lease is simpler and
exact. The holder renews on every pass; a replica that dies loses it after `ttl`.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store.tables_alerting import leases

__all__ = ["acquire"]


def acquire(conn: Connection, name: str, holder: str, *, now: float, ttl: float) -> bool:
    """Take or renew the lease; False while another live holder has it."""
    renewed = conn.execute(
        update(leases)
        .where(
            (leases.c.name == name) & ((leases.c.holder == holder) | (leases.c.expires_at < now))
        )
        .values(holder=holder, expires_at=now + ttl)
    )
    if renewed.rowcount:
        return True
    if conn.execute(select(leases.c.name).where(leases.c.name == name)).first() is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(leases.insert().values(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False  # another replica inserted it first
    return True
