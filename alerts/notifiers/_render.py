"""Text that reaches people: escaping, email masking and the few phrases every notifier shares.

Alert annotations carry user-sourced text (userNames, emails, display names, app data). In Slack
mrkdwn, `<...>` is control syntax: `<!channel>` pings everyone and `<https://evil|click>` forges a
link. `Renderer.mrkdwn` escapes `&`, `<`, `>` as Slack documents, so such text arrives inert, and
puts a zero-width joiner after the `@` of `@channel`, `@here` and `@everyone` so that no client
or bridge that links bare names (`link_names`) can turn them into a ping either. `mask_emails`
turns `jane.doe@example.com` into `j***@example.com` in every text, before escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from alerts.alert import Alert
from alerts.notifiers.base import Notification

__all__ = [
    "SEVERITY_ORDER",
    "Renderer",
    "alert_names",
    "group_severity",
    "headline",
    "mask_emails",
    "neutralise_mentions",
    "safe_url",
    "slack_escape",
    "summary",
    "truncate",
]

SEVERITY_ORDER = ("critical", "error", "warning", "info")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ZWJ = "\u200d"
_URL = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)


def mask_emails(text: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`: the domain stays useful for triage."""
    return _EMAIL.sub(r"\1***@\2", text)


def neutralise_mentions(text: str) -> str:
    """`@here` -> `@\u200dhere`: looks the same, pings nobody."""
    return _MENTION.sub(lambda m: "@" + _ZWJ + m.group(1), text)


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities (api.slack.com 'Escaping text')."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def safe_url(url: str | None) -> str | None:
    """A link target only when it is one plain http(s) URL: anything else is not linked."""
    if not url:
        return None
    url = url.strip()
    return url if _URL.fullmatch(url) and len(url) <= 3000 else None


@dataclass(frozen=True, slots=True)
class Renderer:
    """Applies the receiver's text policy (masking) to every user-sourced string."""

    mask: bool = False

    def plain(self, text: str) -> str:
        """Text for a plain-text destination (PagerDuty, webhook bodies, Slack plain_text)."""
        return mask_emails(text) if self.mask else text

    def mrkdwn(self, text: str) -> str:
        """Text for a Slack mrkdwn field: masked, escaped, mentions neutralised."""
        return neutralise_mentions(slack_escape(self.plain(text)))

    def mapping(self, values: Mapping[str, str]) -> dict[str, str]:
        """Label or annotation values masked (keys are ours and stay as they are)."""
        return {key: self.plain(value) for key, value in values.items()}


def summary(alert: Alert) -> str:
    """What one alert says in one line: its `summary` annotation, else its name."""
    return alert.annotations.get("summary") or alert.name or "alert"


def group_severity(alerts: Iterable[Alert], default: str = "error") -> str:
    """The most severe known severity among the alerts (`default` when none is known)."""
    found = {a.severity.lower() for a in alerts}
    for level in SEVERITY_ORDER:
        if level in found:
            return level
    return default


def alert_names(notification: Notification) -> str:
    """The group's alert names, most frequent first: usually one (`group_by: alertname`)."""
    names: dict[str, int] = {}
    for alert in notification.alerts:
        names[alert.name] = names.get(alert.name, 0) + 1
    ordered = sorted(names, key=lambda n: (-names[n], n))
    return ", ".join(n for n in ordered if n) or "alerts"


def headline(notification: Notification) -> str:
    """`[FIRING:2] ScimAuthFailing (app=okta-app idp=okta)`, as Alertmanager's default title."""
    state = f"FIRING:{len(notification.firing)}" if notification.firing else "RESOLVED"
    labels = " ".join(f"{k}={v}" for k, v in sorted(notification.group_labels.items()))
    tail = f" ({labels})" if labels else ""
    return f"[{state}] {alert_names(notification)}{tail}"
