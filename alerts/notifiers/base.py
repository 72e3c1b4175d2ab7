"""The notifier interface: one grouped notification in, one delivery out, or a `NotifyError`.

A notifier only renders and sends. Whether to send (dedup against the notification log), when
(group timers) and how often to try again (backoff honouring `retry_after`) belong to the
pipeline, so every notifier gets the same semantics. Errors form one flat tree:

    NotifyError(reason: Reason, recoverable: bool, retry_after: float | None)

The message of a `NotifyError` must never contain a secret (tokens, routing keys, webhook URLs).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import httpx
from pydantic import BaseModel

from alerts.alert import Alert
from monitor.clock import Clock

__all__ = [
    "Notification",
    "Notifier",
    "NotifierKind",
    "NotifyContext",
    "NotifyError",
    "Reason",
    "Reconciling",
]


class Reason(StrEnum):
    """Bounded failure reasons (the `reason` label), after Alertmanager's categories."""

    CLIENT_ERROR = "clientError"  # 4xx other than auth and rate limits: fix the config
    AUTH_ERROR = "authError"  # 401/403, revoked token, invalid_auth
    RATE_LIMITED = "rateLimited"  # 429 or the service's own rate-limit answer
    SERVER_ERROR = "serverError"  # 5xx
    NETWORK = "network"  # connection refused, reset, TLS, timeout
    OTHER = "other"


class NotifyError(Exception):
    """A failed delivery. `recoverable` says whether trying again can help."""

    def __init__(
        self,
        message: str,
        *,
        reason: Reason,
        recoverable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.recoverable = recoverable
        self.retry_after = retry_after


def _frozen(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Notification:
    """What one flush of one aggregation group asks one receiver integration to say.

    `id` is unique per notification and stable across retries and restarts (the outbox row).
    `new` holds the fingerprints of alerts that fire now but did not at the last delivery: the
    evidence a thread reply shows. `thread` is the state this integration returned for earlier
    deliveries of the same group (e.g. a Slack channel and message ts to update in place).
    """

    id: str
    receiver: str
    group_key: str
    group_labels: Mapping[str, str]
    firing: tuple[Alert, ...]
    resolved: tuple[Alert, ...] = ()
    new: frozenset[str] = frozenset()
    reason: str = "first_notification"
    thread: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    created_at: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "group_labels", _frozen(self.group_labels))
        object.__setattr__(self, "thread", _frozen(self.thread))

    @property
    def status(self) -> str:
        """'firing' while any alert of the group fires, 'resolved' once none does."""
        return "firing" if self.firing else "resolved"

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return self.firing + self.resolved

    def with_thread(self, thread: Mapping[str, str]) -> Notification:
        return _replace(self, thread=thread)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "receiver": self.receiver,
            "group_key": self.group_key,
            "group_labels": dict(self.group_labels),
            "firing": [a.to_json() for a in self.firing],
            "resolved": [a.to_json() for a in self.resolved],
            "new": sorted(self.new),
            "reason": self.reason,
            "external_url": self.external_url,
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, object], thread: Mapping[str, str]) -> Notification:
        def alerts(key: str) -> tuple[Alert, ...]:
            items = doc.get(key)
            return tuple(Alert.from_json(a) for a in items) if isinstance(items, list) else ()

        labels = doc.get("group_labels")
        new = doc.get("new")
        return cls(
            id=str(doc["id"]),
            receiver=str(doc["receiver"]),
            group_key=str(doc["group_key"]),
            group_labels={str(k): str(v) for k, v in labels.items()}
            if isinstance(labels, Mapping)
            else {},
            firing=alerts("firing"),
            resolved=alerts("resolved"),
            new=frozenset(str(f) for f in new) if isinstance(new, list) else frozenset(),
            reason=str(doc.get("reason", "")),
            thread=thread,
            external_url=str(doc.get("external_url", "")),
            created_at=float(doc.get("created_at") or 0.0),  # type: ignore[arg-type]
        )


def _replace(n: Notification, *, thread: Mapping[str, str]) -> Notification:
    return Notification(
        id=n.id,
        receiver=n.receiver,
        group_key=n.group_key,
        group_labels=n.group_labels,
        firing=n.firing,
        resolved=n.resolved,
        new=n.new,
        reason=n.reason,
        thread=thread,
        external_url=n.external_url,
        created_at=n.created_at,
    )


class Notifier(Protocol):
    """One integration of a receiver (a Slack channel, a PagerDuty service, a webhook)."""

    @property
    def send_resolved(self) -> bool:
        """Whether resolved alerts are worth a notification to this integration."""
        ...

    def notify(self, notification: Notification) -> Mapping[str, str]:
        """Deliver, or raise `NotifyError`. Returns state to keep for the group's next delivery
        (merged into `Notification.thread`); an empty mapping when there is none."""
        ...

    def close(self) -> None:
        """Release connections at shutdown."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A notifier that can tell whether a notification already arrived, for the crash window
    between a successful send and the outbox recording it (e.g. Slack message metadata)."""

    def delivered(self, notification: Notification) -> Mapping[str, str] | None:
        """The thread state of the earlier delivery, or None when it never arrived."""
        ...


@dataclass(frozen=True, slots=True)
class NotifyContext:
    """What a notifier needs from its host. `transport` is None for the real network; tests
    pass fakes or point base URLs at local servers."""

    clock: Clock
    base_dir: Path
    transport: httpx.BaseTransport | None = None
    environ: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class NotifierKind:
    """A registry entry: the config `type`, its model, and how to build a notifier from it."""

    type: str
    config: builtins.type[BaseModel]
    build: Callable[[BaseModel, NotifyContext], Notifier]
