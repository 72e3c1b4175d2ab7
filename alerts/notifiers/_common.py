"""What every notifier shares: strict config, secrets read at build time, and one mapping from an
HTTP outcome to a `NotifyError`, so the pipeline's retry decisions are the same everywhere.

The mapping follows Alertmanager's `Retrier` plus its 0.34 reasons: 2xx is success, 401/403 is
`authError`, 429 is `rateLimited` (recoverable, with `Retry-After`), 5xx is `serverError`
(recoverable) and any other status is a `clientError` that retrying cannot fix. Error messages
name the integration and the status only: never a URL (webhook URLs are secrets), never a body
that could echo a key, unless it was scrubbed of every secret the notifier holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from alerts.notifiers._render import Renderer
from alerts.notifiers.base import NotifyContext, NotifyError, Reason
from monitor.secret import Secret, SecretError, resolve_secret

__all__ = [
    "HttpNotifier",
    "NotifierConfig",
    "http_client",
    "post_json",
    "retry_after",
    "rfc3339",
    "scrub",
    "secret_from",
    "status_error",
]

_MAX_DETAIL = 300


class NotifierConfig(BaseModel):
    """Fields every integration has. Unknown keys are rejected: a typo must fail loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    send_resolved: bool = Field(
        default=True, description="Send a notification when the whole group has resolved."
    )
    mask_emails: bool = Field(
        default=False, description="Mask email addresses in every text: 'j***@example.com'."
    )
    timeout: float = Field(default=10.0, gt=0, le=120, description="Per-request timeout, seconds.")


C = TypeVar("C", bound=NotifierConfig)


class HttpNotifier(Generic[C]):
    """What the notifiers that POST over httpx share: their config, a renderer honouring
    `mask_emails`, and one pooled client (closed by the host at shutdown)."""

    def __init__(self, config: C, context: NotifyContext) -> None:
        self._config = config
        self._context = context
        self._render = Renderer(mask=config.mask_emails)
        self._client = http_client(context, config.timeout)

    @property
    def send_resolved(self) -> bool:
        return self._config.send_resolved

    def close(self) -> None:
        self._client.close()


def secret_from(
    what: str, *, env: str | None, file: Path | None, context: NotifyContext, required: bool = True
) -> Secret | None:
    """Resolve `<what>_env` / `<what>_file`; relative files resolve against the config file."""
    path = None if file is None else (file if file.is_absolute() else context.base_dir / file)
    try:
        secret = resolve_secret(env=env, file=path, environ=context.environ)
    except SecretError as err:
        raise SecretError(f"{what}: {err}") from None
    if secret is None and required:
        raise SecretError(f"{what}: set {what}_env or {what}_file")
    return secret


def scrub(text: str, secrets: Iterable[Secret | None]) -> str:
    """Remove every secret value from text that came from a server, and bound its length."""
    for secret in secrets:
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), "***")
    return text[:_MAX_DETAIL]


def retry_after(value: str | None, now: float) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)


def status_error(
    kind: str, status: int, *, retry_after_s: float | None = None, detail: str = ""
) -> NotifyError | None:
    """The `NotifyError` for an HTTP status, or None for 2xx."""
    if 200 <= status < 300:
        return None
    message = f"{kind}: HTTP {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        return NotifyError(message, reason=Reason.AUTH_ERROR, recoverable=False)
    if status == 429:
        return NotifyError(
            message, reason=Reason.RATE_LIMITED, recoverable=True, retry_after=retry_after_s
        )
    if 500 <= status < 600:
        return NotifyError(
            message, reason=Reason.SERVER_ERROR, recoverable=True, retry_after=retry_after_s
        )
    if 400 <= status < 500:
        return NotifyError(message, reason=Reason.CLIENT_ERROR, recoverable=False)
    return NotifyError(message, reason=Reason.OTHER, recoverable=False)


def http_client(context: NotifyContext, timeout: float) -> httpx.Client:
    """One client per notifier (connection reuse); redirects are not followed: a webhook that
    redirects is misconfigured, and following it could send the payload elsewhere."""
    return httpx.Client(transport=context.transport, timeout=timeout, follow_redirects=False)


def post_json(
    client: httpx.Client,
    kind: str,
    url: str,
    body: object,
    *,
    context: NotifyContext,
    headers: dict[str, str] | None = None,
    secrets: Iterable[Secret | None] = (),
) -> httpx.Response:
    """POST a JSON body; raise `NotifyError` for anything but 2xx. The URL never reaches the
    error: only the status, the exception type and a scrubbed server detail do."""
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.TransportError as err:
        raise NotifyError(
            f"{kind}: network error ({type(err).__name__})",
            reason=Reason.NETWORK,
            recoverable=True,
        ) from None
    if response.is_success:
        return response
    wait = retry_after(response.headers.get("retry-after"), context.clock.now())
    detail = scrub(_detail(response), secrets)
    error = status_error(kind, response.status_code, retry_after_s=wait, detail=detail)
    raise error or NotifyError(f"{kind}: unexpected answer", reason=Reason.OTHER, recoverable=False)


def _detail(response: httpx.Response) -> str:
    """A short, single-line server explanation (PagerDuty `errors`, Slack webhook codes)."""
    text = response.text.strip()
    if not text or len(text) > 2000 or "<html" in text.lower():
        return ""
    return " ".join(text.split())


def rfc3339(seconds: float) -> str:
    """UTC with milliseconds and a `Z`, as Alertmanager and PagerDuty expect."""
    stamp = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
