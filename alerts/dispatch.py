"""Grouping and the decision to notify: route -> group (group_wait, group_interval) -> mute
(inhibition, then silences) -> dedup against the nflog -> outbox.

Group timers live in memory, as in Alertmanager: after a restart a group waits `group_wait`
again, and the nflog makes sure that only what changed is sent. Muted alerts are left out of
the firing set; an alert that was announced firing and then resolves is announced resolved,
silenced or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from alerts import nflog, outbox
from alerts.alert import Alert
from alerts.notifiers.base import Notification
from alerts.route import Route

__all__ = ["Dispatcher", "Group", "Integration"]


@dataclass(frozen=True, slots=True)
class Integration:
    """One notifier of a receiver, as the dispatcher sees it."""

    receiver: str
    index: int
    send_resolved: bool


@dataclass(slots=True)
class Group:
    route: Route
    key: str
    labels: dict[str, str]
    alerts: list[Alert] = field(default_factory=list)


@dataclass(slots=True)
class _Timer:
    next_flush: float


class Dispatcher:
    def __init__(
        self,
        root: Route,
        integrations: Mapping[str, Sequence[Integration]],
        *,
        external_url: str = "",
    ) -> None:
        self._root = root
        self._integrations = integrations
        self._external_url = external_url
        self._timers: dict[str, _Timer] = {}

    def groups(self, alerts: Sequence[Alert]) -> dict[str, Group]:
        out: dict[str, Group] = {}
        for alert in alerts:
            for route in self._root.match(alert.labels):
                key = route.group_key(alert.labels)
                group = out.get(key)
                if group is None:
                    group = out[key] = Group(route, key, route.group_labels(alert.labels))
                group.alerts.append(alert)
        return out

    def flush(
        self, conn: Connection, alerts: Sequence[Alert], muted: set[str], now: float
    ) -> list[str]:
        """Flush every group whose timer is due; returns the ids of queued notifications."""
        groups = self.groups(alerts)
        for key in list(self._timers):
            if key not in groups:
                del self._timers[key]
        queued: list[str] = []
        for key, group in groups.items():
            timer = self._timers.get(key)
            if timer is None:
                timer = self._timers[key] = _Timer(now + group.route.group_wait)
            if timer.next_flush > now:
                continue
            timer.next_flush = now + group.route.group_interval
            for integration in self._integrations.get(group.route.receiver, ()):
                row = self._decide(conn, group, integration, muted, now)
                if row:
                    queued.append(row)
        return queued

    def _decide(
        self,
        conn: Connection,
        group: Group,
        integration: Integration,
        muted: set[str],
        now: float,
    ) -> str | None:
        receiver, index = integration.receiver, integration.index
        entry = nflog.get(conn, group.key, receiver, index)
        told_firing = entry.firing if entry else frozenset()
        told = told_firing | (entry.resolved if entry else frozenset())
        firing = [a for a in group.alerts if not a.resolved and a.fingerprint not in muted]
        resolved = [a for a in group.alerts if a.resolved and a.fingerprint in told]
        firing_fps = frozenset(a.fingerprint for a in firing)
        resolved_fps = frozenset(a.fingerprint for a in resolved)
        # Announced, then silenced or inhibited, still firing: not shown, but still told as
        # firing, so its resolve is announced even if the group is notified in between.
        muted_told = frozenset(
            a.fingerprint
            for a in group.alerts
            if not a.resolved and a.fingerprint in muted and a.fingerprint in told_firing
        )
        if not _needs_update(entry, firing_fps, resolved_fps, integration, group, now):
            return None
        episode = (
            now if entry is None or not entry.firing or entry.episode is None else entry.episode
        )
        nflog.put(
            conn, group.key, receiver, index,
            firing=firing_fps | muted_told, resolved=resolved_fps, now=now, episode=episode,
        )  # fmt: skip
        if not firing and not integration.send_resolved:
            return None  # recorded as told; nothing this integration wants to hear
        notification = Notification(
            id=str(uuid.uuid4()),
            receiver=receiver,
            group_key=group.key,
            group_labels=group.labels,
            firing=tuple(firing),
            resolved=tuple(resolved) if integration.send_resolved else (),
            new=firing_fps - told_firing,
            reason=_reason(entry, firing_fps, resolved_fps),
            external_url=self._external_url,
            created_at=now,
        )
        return outbox.enqueue(conn, notification, index, now, episode=episode)


def _needs_update(
    entry: nflog.Entry | None,
    firing: frozenset[str],
    resolved: frozenset[str],
    integration: Integration,
    group: Group,
    now: float,
) -> bool:
    """Alertmanager's DedupStage, restricted to alerts the integration was told about."""
    if entry is None:
        return bool(firing)
    if firing - entry.firing:
        return True
    if resolved - entry.resolved and (integration.send_resolved or not firing):
        return True
    if not firing and entry.firing and not (entry.firing - resolved):
        return True
    return bool(firing) and now - entry.sent_at >= group.route.repeat_interval


def _reason(entry: nflog.Entry | None, firing: frozenset[str], resolved: frozenset[str]) -> str:
    if entry is None:
        return "first_notification"
    if firing - entry.firing:
        return "new_alerts"
    if not firing:
        return "all_resolved"
    if resolved - entry.resolved:
        return "new_resolved_alerts"
    return "repeat_interval"
