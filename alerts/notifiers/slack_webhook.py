"""Slack incoming webhooks (`type: slack_webhook`): the same Block Kit message as `slack`, POSTed
as `{"text", "blocks", "metadata"}` to the webhook URL.

The message metadata is the `slack` notifier's (`event_type: scimwatch_notification`, payload
`{"id", "group_key"}`): the id is the same on every retry and on the resend after a crash
between the send and its record, so whatever reads the channel (or a relay in front of it) can
drop a repeat. Slack itself does not deduplicate incoming-webhook posts.

The URL is itself the credential (anyone holding it can post), so it comes from `url_env` or
`url_file` like a token and never appears in an error. Incoming webhooks return no message `ts`
and cannot edit, so there is no update in place and no thread: every delivery, including the
resolve, is a new message (as with Alertmanager's webhook-mode Slack). Slack answers `200 ok`,
or an HTTP error with a short code in the body (`invalid_payload`, `no_service`,
`channel_is_archived`, ...), which the shared status mapping classifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from alerts.notifiers import _slack_blocks as blocks
from alerts.notifiers._common import HttpNotifier, NotifierConfig, post_json, secret_from
from alerts.notifiers.base import Notification, NotifierKind, NotifyContext
from monitor.secret import Secret

__all__ = ["KIND", "Config", "SlackWebhookNotifier", "build"]


class Config(NotifierConfig):
    """A Slack incoming-webhook URL, read from the environment or a file."""

    type: Literal["slack_webhook"]
    url_env: str | None = Field(default=None, description="Env variable holding the webhook URL.")
    url_file: Path | None = Field(default=None, description="File holding the webhook URL.")
    max_alerts: int = Field(default=20, ge=1, le=20, description="Alerts shown per message.")

    @model_validator(mode="after")
    def _one_url(self) -> Config:
        if (self.url_env is None) == (self.url_file is None):
            raise ValueError("set exactly one of url_env or url_file")
        return self


class SlackWebhookNotifier(HttpNotifier[Config]):
    """One POST per delivery; returns no thread state (webhooks cannot update)."""

    def __init__(self, config: Config, url: Secret, context: NotifyContext) -> None:
        super().__init__(config, context)
        self._url = url

    def notify(self, notification: Notification) -> Mapping[str, str]:
        text, body = blocks.message(notification, self._render, self._config.max_alerts)
        post_json(
            self._client,
            "slack_webhook",
            self._url.reveal(),
            {"text": text, "blocks": body, "metadata": blocks.metadata(notification)},
            context=self._context,
            secrets=[self._url],
        )
        return {}


def build(config: BaseModel, context: NotifyContext) -> SlackWebhookNotifier:
    """Resolve the URL now, so a missing secret fails at startup."""
    assert isinstance(config, Config)
    url = secret_from("url", env=config.url_env, file=config.url_file, context=context)
    assert url is not None
    return SlackWebhookNotifier(config, url, context)


KIND = NotifierKind(type="slack_webhook", config=Config, build=build)
