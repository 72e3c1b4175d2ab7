"""A generic webhook (`type: webhook`) with Alertmanager's payload (`webhook_config`, version 4),
so existing Alertmanager receivers (ticketing bridges, `alertmanager2es`, chat relays) work as is:

    {"version": "4", "groupKey", "notificationId", "truncatedAlerts", "status", "receiver",
     "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
     "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL",
                 "fingerprint"}]}

One field is scimwatch's own: `notificationId`, also sent as the `Idempotency-Key` header. It
is the outbox row's id, the same on every retry and on the resend after a crash between the
send and its record, and new for each later notification of the group: a receiver that keeps
the ids it has seen (with `groupKey` for context) handles each notification once. Receivers
that ignore unknown fields, as Alertmanager's do, are unaffected.

Times are RFC 3339; a firing alert's `endsAt` is Go's zero time `0001-01-01T00:00:00Z`, as
Alertmanager sends it. `max_alerts` (0: all) truncates the list and counts the rest in
`truncatedAlerts`. `generatorURL` is the alert's `generator_url` annotation when it has one.
The URL is either plain (`url`) or a secret (`url_env` / `url_file`, for URLs that embed a
token); an optional bearer token comes from `bearer_token_env` / `bearer_token_file`. With
`mask_emails`, label and annotation values are masked; `fingerprint` is always computed from the
real labels so receivers can still correlate.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from alerts.alert import Alert
from alerts.notifiers._common import HttpNotifier, NotifierConfig, post_json, rfc3339, secret_from
from alerts.notifiers._render import Renderer
from alerts.notifiers.base import Notification, NotifierKind, NotifyContext
from monitor.secret import Secret

__all__ = ["KIND", "Config", "WebhookNotifier", "build", "payload"]

ZERO_TIME = "0001-01-01T00:00:00Z"


class Config(NotifierConfig):
    """Any HTTP endpoint that accepts Alertmanager's webhook JSON."""

    type: Literal["webhook"]
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", description="Endpoint URL.")
    url_env: str | None = Field(default=None, description="Env variable holding a secret URL.")
    url_file: Path | None = Field(default=None, description="File holding a secret URL.")
    bearer_token_env: str | None = Field(default=None, description="Env variable: bearer token.")
    bearer_token_file: Path | None = Field(default=None, description="File: bearer token.")
    max_alerts: int = Field(default=0, ge=0, description="Alerts per payload; 0 sends all.")

    @model_validator(mode="after")
    def _one_url(self) -> Config:
        given = [v for v in (self.url, self.url_env, self.url_file) if v is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of url, url_env or url_file")
        if self.bearer_token_env is not None and self.bearer_token_file is not None:
            raise ValueError("set at most one of bearer_token_env or bearer_token_file")
        return self


def _common(maps: list[Mapping[str, str]]) -> dict[str, str]:
    """The pairs every map has with the same value (Alertmanager's commonLabels)."""
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def _alert(alert: Alert, r: Renderer) -> dict[str, Any]:
    return {
        "status": alert.status,
        "labels": r.mapping(alert.labels),
        "annotations": r.mapping(alert.annotations),
        "startsAt": rfc3339(alert.starts_at),
        "endsAt": ZERO_TIME if alert.ends_at is None else rfc3339(alert.ends_at),
        "generatorURL": alert.annotations.get("generator_url", ""),
        "fingerprint": alert.fingerprint,
    }


def payload(n: Notification, r: Renderer, max_alerts: int = 0) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for one notification."""
    alerts = n.firing + n.resolved
    shown = alerts[:max_alerts] if max_alerts else alerts
    return {
        "version": "4",
        "groupKey": n.group_key,
        "notificationId": n.id,
        "truncatedAlerts": len(alerts) - len(shown),
        "status": n.status,
        "receiver": n.receiver,
        "groupLabels": r.mapping(n.group_labels),
        "commonLabels": r.mapping(_common([a.labels for a in alerts])),
        "commonAnnotations": r.mapping(_common([a.annotations for a in alerts])),
        "externalURL": n.external_url,
        "alerts": [_alert(a, r) for a in shown],
    }


class WebhookNotifier(HttpNotifier[Config]):
    """POSTs the payload; any 2xx is success."""

    def __init__(
        self, config: Config, url: str | Secret, token: Secret | None, context: NotifyContext
    ) -> None:
        super().__init__(config, context)
        self._url = url
        self._token = token

    def notify(self, notification: Notification) -> Mapping[str, str]:
        url = self._url.reveal() if isinstance(self._url, Secret) else self._url
        headers = {"Idempotency-Key": notification.id}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        secrets = [self._token, self._url if isinstance(self._url, Secret) else None]
        body = payload(notification, self._render, self._config.max_alerts)
        post_json(
            self._client,
            "webhook",
            url,
            body,
            context=self._context,
            headers=headers,
            secrets=secrets,
        )
        return {}


def build(config: BaseModel, context: NotifyContext) -> WebhookNotifier:
    """Resolve the URL and token now, so a missing secret fails at startup."""
    assert isinstance(config, Config)
    url: str | Secret | None = config.url
    if url is None:
        url = secret_from("url", env=config.url_env, file=config.url_file, context=context)
    token = secret_from(
        "bearer_token",
        env=config.bearer_token_env,
        file=config.bearer_token_file,
        context=context,
        required=False,
    )
    assert url is not None
    return WebhookNotifier(config, url, token, context)


KIND = NotifierKind(type="webhook", config=Config, build=build)
