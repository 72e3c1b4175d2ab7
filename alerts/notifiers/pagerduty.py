"""PagerDuty Events API v2 (`type: pagerduty`): one alert per aggregation group.

Facts from PagerDuty's developer docs (events-API-v2 "Send an Alert Event" and "Overview"):
`POST https://events.pagerduty.com/v2/enqueue` with `routing_key`, `event_action`
(`trigger`/`acknowledge`/`resolve`), `dedup_key` (at most 255 characters) and, for a trigger,
`payload.summary` (at most 1024), `payload.source`, `payload.severity` (`critical`, `error`,
`warning`, `info`), optional `timestamp`, `component`, `group`, `class`, `custom_details`, and
top-level `links` (`href`, `text`) and `client`/`client_url`. Answers: 202 accepted; 400 invalid
event (do not retry); 429 rate limited (retry later); 5xx (retry later).

As Alertmanager does, each flush sends `trigger` while any alert of the group fires and
`resolve` once the group has resolved, with `dedup_key` = SHA-256 (hex) of the group key: the
same group always lands on the same PagerDuty alert, across restarts, and the resolve closes it.
A trigger for an open alert only adds a log entry, so repeats and new evidence are safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from alerts.alert import Alert
from alerts.notifiers._common import HttpNotifier, NotifierConfig, post_json, rfc3339, secret_from
from alerts.notifiers._render import Renderer, group_severity, headline, safe_url, summary, truncate
from alerts.notifiers.base import Notification, NotifierKind, NotifyContext
from monitor.secret import Secret

__all__ = ["KIND", "Config", "PagerDutyNotifier", "build", "dedup_key"]

_SEVERITY = {
    "critical": "critical",
    "page": "critical",
    "error": "error",
    "high": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "info": "info",
    "low": "info",
    "none": "info",
}


class Config(NotifierConfig):
    """A PagerDuty service integration (Events API v2 integration key)."""

    type: Literal["pagerduty"]
    routing_key_env: str | None = Field(default=None, description="Env variable: routing key.")
    routing_key_file: Path | None = Field(default=None, description="File holding the key.")
    url: str = Field(
        default="https://events.pagerduty.com/v2/enqueue",
        pattern=r"^https?://\S+$",
        description="Events API v2 endpoint; tests point it at a fake.",
    )
    source: str = Field(default="scimwatch", min_length=1, description="payload.source.")
    severity: Literal["critical", "error", "warning", "info"] = Field(
        default="error", description="payload.severity when no alert carries a known severity."
    )
    client: str = Field(default="scimwatch", description="Shown as the event's sender.")

    @model_validator(mode="after")
    def _one_key(self) -> Config:
        if (self.routing_key_env is None) == (self.routing_key_file is None):
            raise ValueError("set exactly one of routing_key_env or routing_key_file")
        return self


def dedup_key(group_key: str) -> str:
    """Stable per group: 64 hex characters, within PagerDuty's 255."""
    return hashlib.sha256(group_key.encode()).hexdigest()


class PagerDutyNotifier(HttpNotifier[Config]):
    """Trigger while firing, resolve when resolved; no thread state is needed."""

    def __init__(self, config: Config, key: Secret, context: NotifyContext) -> None:
        super().__init__(config, context)
        self._key = key

    def notify(self, notification: Notification) -> Mapping[str, str]:
        post_json(
            self._client,
            "pagerduty",
            self._config.url,
            self.event(notification),
            context=self._context,
            secrets=[self._key],
        )
        return {}

    def event(self, n: Notification) -> dict[str, Any]:
        """The Events API v2 body for this flush."""
        base: dict[str, Any] = {
            "routing_key": self._key.reveal(),
            "dedup_key": dedup_key(n.group_key),
        }
        if not n.firing:
            return {**base, "event_action": "resolve"}
        return {
            **base,
            "event_action": "trigger",
            "payload": self._payload(n),
            "client": self._config.client,
            **({"client_url": n.external_url} if safe_url(n.external_url) else {}),
            "links": _links(n),
        }

    def _payload(self, n: Notification) -> dict[str, Any]:
        r = self._render
        first = n.firing[0]
        text = f"{headline(n)}: {summary(first)}"
        payload: dict[str, Any] = {
            "summary": truncate(r.plain(text), 1024),
            "source": self._config.source,
            "severity": self._severity(n.firing),
            "timestamp": rfc3339(min(a.starts_at for a in n.firing)),
            "class": first.name or "alert",
            "custom_details": {
                "num_firing": len(n.firing),
                "num_resolved": len(n.resolved),
                "firing": [_detail(a, r) for a in n.firing],
                "resolved": [_detail(a, r) for a in n.resolved],
            },
        }
        for field, label in (("component", "app"), ("group", "idp")):
            value = n.group_labels.get(label) or first.labels.get(label)
            if value:
                payload[field] = r.plain(value)
        return payload

    def _severity(self, alerts: tuple[Alert, ...]) -> str:
        mapped = [_SEVERITY.get(a.severity.lower(), "") for a in alerts]
        known = [Alert(labels={"severity": m}) for m in mapped if m]
        return group_severity(known, default=self._config.severity)


def _detail(alert: Alert, r: Renderer) -> dict[str, Any]:
    return {
        "labels": r.mapping(alert.labels),
        "annotations": r.mapping(alert.annotations),
        "starts_at": rfc3339(alert.starts_at),
        **({"ends_at": rfc3339(alert.ends_at)} if alert.ends_at is not None else {}),
    }


def _links(n: Notification) -> list[dict[str, str]]:
    """Runbooks of the firing alerts (deduplicated) and the scimwatch link."""
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    for alert in n.firing:
        url = safe_url(alert.annotations.get("runbook_url"))
        if url and url not in seen:
            seen.add(url)
            links.append({"href": url, "text": f"Runbook: {alert.name or 'alert'}"})
    external = safe_url(n.external_url)
    if external:
        links.append({"href": external, "text": "Open in scimwatch"})
    return links


def build(config: BaseModel, context: NotifyContext) -> PagerDutyNotifier:
    """Resolve the routing key now, so a missing secret fails at startup."""
    assert isinstance(config, Config)
    key = secret_from(
        "routing_key", env=config.routing_key_env, file=config.routing_key_file, context=context
    )
    assert key is not None
    return PagerDutyNotifier(config, key, context)


KIND = NotifierKind(type="pagerduty", config=Config, build=build)
