"""Slack through the Web API (`type: slack`): one Block Kit message per aggregation group, kept
up to date in place.

- First delivery of a group: `chat.postMessage`; the returned `{"channel", "ts"}` is the thread
  state the pipeline keeps for the group.
- Later deliveries (`notification.thread` has a `ts`): `chat.update` of that message with the
  new content (the resolved look once the group has resolved) and, when `notification.new` is not
  empty, a thread reply (`chat.postMessage` with `thread_ts`) listing the new evidence. If the
  message was deleted meanwhile (`message_not_found`), a new one is posted and becomes the thread.
- Posts carry message metadata `{"event_type": "scimwatch_notification", "event_payload":
  {"id", "group_key"}}`. `delivered()` looks for that id with `conversations.history` (or
  `conversations.replies` for a thread reply) so a crash between the send and the outbox
  update does not post twice. An update without a reply is idempotent and is simply repeated.

Retries: the outbox owns them. A short 429 is cheaper to ride out in place: slack-sdk's
rate-limit handler, bounded (`_slack_retry`), retries it up to `rate_limit_retries` (2) times
when Slack asks for at most `rate_limit_max_wait` (5 s); a longer wait would stall the pipeline
thread, so that 429 surfaces as `rateLimited` with Slack's `Retry-After` for the outbox. The
SDK's connection-error retry is removed: a request that reached Slack before the connection
dropped would be posted twice.

Errors (a `SlackApiError` carries Slack's `error` code and the HTTP status): `ratelimited`/429
-> rateLimited; `invalid_auth`, `not_authed`, `token_revoked`, `token_expired`,
`account_inactive`, `no_permission`, `missing_scope`, 401/403 -> authError; 5xx,
`fatal_error`, `internal_error`, `service_unavailable`, `request_timeout` -> serverError
(recoverable); connection failures and timeouts -> network (recoverable); any other code (e.g.
`channel_not_found`, `not_in_channel`, `invalid_blocks`) -> clientError. The token is only ever
in the Authorization header: no error text includes it.

Scopes: `chat:write` (post and update), `channels:history` / `groups:history` (for
`delivered()` in public / private channels). Use the channel ID (`C…`): history lookups need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from http.client import HTTPException
from pathlib import Path
from typing import Any, Literal
from urllib.error import URLError

from pydantic import BaseModel, Field, model_validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler

from alerts.notifiers import _slack_blocks as blocks
from alerts.notifiers._common import NotifierConfig, retry_after, scrub, secret_from
from alerts.notifiers._render import Renderer
from alerts.notifiers._slack_retry import BoundedRateLimitRetry
from alerts.notifiers.base import (
    Notification,
    NotifierKind,
    NotifyContext,
    NotifyError,
    Reason,
)
from monitor.secret import Secret

__all__ = ["KIND", "Config", "SlackNotifier", "build"]

EVENT_TYPE = blocks.EVENT_TYPE
_AUTH = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
}
_SERVER = {"fatal_error", "internal_error", "service_unavailable", "request_timeout"}
_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}
_HISTORY_PAGES = 5


class Config(NotifierConfig):
    """A Slack channel reached with a bot token (`chat:write`)."""

    type: Literal["slack"]
    channel: str = Field(
        pattern=r"^[CGD][A-Z0-9]{6,20}$",
        description="Channel ID (e.g. C0123ABCD), not its name: updates and history need the ID.",
    )
    token_env: str | None = Field(default=None, description="Env variable holding the bot token.")
    token_file: Path | None = Field(default=None, description="File holding the bot token.")
    api_url: str = Field(
        default="https://slack.com/api/",
        pattern=r"^https?://\S+/$",
        description="Web API base URL (ends with '/'); tests point it at a fake.",
    )
    max_alerts: int = Field(default=20, ge=1, le=20, description="Alerts shown per message.")
    rate_limit_retries: int = Field(
        default=2, ge=0, le=5, description="In-place retries of a short 429; 0: all to the outbox."
    )
    rate_limit_max_wait: float = Field(
        default=5.0, ge=0, le=30, description="Longest Retry-After (s) waited out in place."
    )

    @model_validator(mode="after")
    def _one_token(self) -> Config:
        if (self.token_env is None) == (self.token_file is None):
            raise ValueError("set exactly one of token_env or token_file")
        return self


class SlackNotifier:
    """Posts, updates and threads one message per group; see the module docstring."""

    def __init__(self, config: Config, token: Secret, context: NotifyContext) -> None:
        self._config = config
        self._token = token
        self._context = context
        self._render = Renderer(mask=config.mask_emails)
        # Only the bounded rate-limit handler: no connection-error retry (see the docstring).
        retries: list[RetryHandler] = [
            BoundedRateLimitRetry(
                max_retry_count=config.rate_limit_retries,
                max_wait=config.rate_limit_max_wait,
                clock=context.clock,
            )
        ]
        self._client = WebClient(
            token=token.reveal(),
            base_url=config.api_url,
            timeout=int(max(1, round(config.timeout))),
            retry_handlers=retries,
        )

    @property
    def send_resolved(self) -> bool:
        return self._config.send_resolved

    def close(self) -> None:
        """Nothing pooled: slack-sdk's urllib client opens a connection per call."""

    def notify(self, notification: Notification) -> Mapping[str, str]:
        channel = notification.thread.get("channel")
        ts = notification.thread.get("ts")
        if channel and ts:
            try:
                self._update(notification, channel, ts)
            except _Gone:
                return self._post(notification)
            if notification.new:
                self._reply(notification, channel, ts)
            return {"channel": channel, "ts": ts}
        return self._post(notification)

    def delivered(self, notification: Notification) -> Mapping[str, str] | None:
        channel = notification.thread.get("channel")
        ts = notification.thread.get("ts")
        if channel and ts:
            try:
                replies = self._matches(
                    notification, "conversations.replies", channel=channel, ts=ts
                )
                return {"channel": channel, "ts": ts} if any(True for _ in replies) else None
            except _SlackError as err:
                if err.code not in _GONE | {"thread_not_found"}:
                    raise
            # The message is gone, so `notify()` posted a new one: look for it like a first post.
        # Newest first, up to 1000 messages: the crash window is short, and no `oldest` bound
        # is derived from `created_at`, which runs on the pipeline's (possibly replayed) clock.
        channel = self._config.channel
        for message in self._matches(notification, "conversations.history", channel=channel):
            return {"channel": channel, "ts": str(message["ts"])}
        return None

    def _post(self, n: Notification) -> Mapping[str, str]:
        text, body = blocks.message(n, self._render, self._config.max_alerts)
        answer = self._call(
            "chat.postMessage",
            channel=self._config.channel,
            text=text,
            blocks=body,
            metadata=blocks.metadata(n),
            unfurl_links=False,
            unfurl_media=False,
        )
        return {"channel": str(answer["channel"]), "ts": str(answer["ts"])}

    def _update(self, n: Notification, channel: str, ts: str) -> None:
        text, body = blocks.message(n, self._render, self._config.max_alerts)
        try:
            self._call("chat.update", channel=channel, ts=ts, text=text, blocks=body)
        except _SlackError as err:
            if err.code in _GONE:
                raise _Gone from None
            raise

    def _reply(self, n: Notification, channel: str, ts: str) -> None:
        text, body = blocks.thread_reply(n, self._render, self._config.max_alerts)
        self._call(
            "chat.postMessage",
            channel=channel,
            thread_ts=ts,
            text=text,
            blocks=body,
            metadata=blocks.metadata(n),
            unfurl_links=False,
            unfurl_media=False,
        )

    def _matches(self, n: Notification, method: str, **args: str) -> Iterator[dict[str, Any]]:
        """Messages of a history or thread listing that carry this notification's id."""
        cursor = ""
        for _ in range(_HISTORY_PAGES):
            extra = {"cursor": cursor} if cursor else {}
            answer = self._call(
                method, http_verb="GET", include_all_metadata=True, limit=200, **args, **extra
            )
            for message in answer.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("id") == n.id:
                    yield message
            cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return

    def _call(self, method: str, http_verb: str = "POST", **args: Any) -> Mapping[str, Any]:
        """One Web API call; every failure becomes a `NotifyError`. The SDK's exception is not
        chained: it holds the request, whose headers carry the token."""
        try:
            if http_verb == "GET":
                response = self._client.api_call(method, http_verb="GET", params=args)
            else:
                response = self._client.api_call(method, json=args)
        except SlackApiError as err:
            raise self._api_error(method, err) from None
        except (URLError, TimeoutError, ConnectionError, HTTPException) as err:
            message = f"slack {method}: network error ({type(err).__name__})"
            raise NotifyError(message, reason=Reason.NETWORK, recoverable=True) from None
        except SlackClientError as err:
            message = f"slack {method}: client error ({type(err).__name__})"
            raise NotifyError(message, reason=Reason.OTHER, recoverable=False) from None
        data = response.data
        return data if isinstance(data, dict) else {}

    def _api_error(self, method: str, err: SlackApiError) -> _SlackError:
        status = int(err.response.status_code)
        code = _code(err)
        message = scrub(f"slack {method}: {code or 'error'} (HTTP {status})", [self._token])
        headers = {str(k).lower(): v for k, v in (err.response.headers or {}).items()}
        value = headers.get("retry-after")
        value = value[0] if isinstance(value, list) and value else value
        wait = retry_after(str(value) if value else None, self._context.clock.now())
        if status == 429 or code == "ratelimited":
            return _SlackError(
                code, message, reason=Reason.RATE_LIMITED, recoverable=True, retry_after=wait
            )
        if code in _AUTH or status in (401, 403):
            return _SlackError(code, message, reason=Reason.AUTH_ERROR, recoverable=False)
        if status >= 500 or code in _SERVER:
            return _SlackError(
                code, message, reason=Reason.SERVER_ERROR, recoverable=True, retry_after=wait
            )
        return _SlackError(code, message, reason=Reason.CLIENT_ERROR, recoverable=False)


class _Gone(Exception):
    """The message to update no longer exists."""


class _SlackError(NotifyError):
    """A `NotifyError` that remembers Slack's `error` code, for the callers that branch on it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        reason: Reason,
        recoverable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason, recoverable=recoverable, retry_after=retry_after)
        self.code = code


def _code(err: SlackApiError) -> str:
    """Slack's `error` code when it is one (a short identifier), else ''."""
    data = err.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,64}", code) else ""


def build(config: BaseModel, context: NotifyContext) -> SlackNotifier:
    """Resolve the token now: a missing secret fails at startup, not at the first alert."""
    assert isinstance(config, Config)
    token = secret_from("token", env=config.token_env, file=config.token_file, context=context)
    assert token is not None
    return SlackNotifier(config, token, context)


KIND = NotifierKind(type="slack", config=Config, build=build)
