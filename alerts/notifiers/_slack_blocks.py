"""One Block Kit message per aggregation group, shared by the Web API and webhook notifiers.

Layout: a header (status emoji, `[FIRING:n]`, alert name), the group labels, one section per
alert (summary, description, fix hint, other annotations) with a runbook button, an
"Open in scimwatch" button to `external_url`, and a context footer (receiver, reason, time).
Limits from Block Kit: 50 blocks per message, 150 characters of header text, 3000 per section,
75 per button label; alerts beyond `max_alerts` are counted, not shown. Every user-sourced
string goes through `Renderer.mrkdwn` (see `_render`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alerts.alert import Alert
from alerts.notifiers._render import Renderer, group_severity, headline, safe_url, summary, truncate
from alerts.notifiers.base import Notification

__all__ = ["EVENT_TYPE", "Block", "fallback", "message", "metadata", "thread_reply"]

Block = dict[str, Any]
EVENT_TYPE = "scimwatch_notification"

EMOJI = {
    "critical": ":rotating_light:",
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}
RESOLVED = ":white_check_mark:"
_SHOWN = ("summary", "description", "fix_hint", "runbook_url")
_MAX_EXTRA = 6


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": truncate(text, 3000)}


def _emoji(alert: Alert) -> str:
    return RESOLVED if alert.resolved else EMOJI.get(alert.severity.lower(), ":red_circle:")


def alert_blocks(alert: Alert, r: Renderer) -> list[Block]:
    """A section with what the alert says, plus a runbook button when there is a runbook."""
    state = " _(resolved)_" if alert.resolved else ""
    lines = [f"{_emoji(alert)} *{r.mrkdwn(summary(alert))}*{state}"]
    notes = alert.annotations
    if notes.get("description"):
        lines.append(r.mrkdwn(notes["description"]))
    if notes.get("fix_hint"):
        lines.append(f"*Fix:* {r.mrkdwn(notes['fix_hint'])}")
    extra = [(k, v) for k, v in sorted(notes.items()) if k not in _SHOWN and v][:_MAX_EXTRA]
    lines.extend(f"*{r.mrkdwn(k)}:* {r.mrkdwn(v)}" for k, v in extra)
    blocks: list[Block] = [{"type": "section", "text": _mrkdwn("\n".join(lines))}]
    runbook = safe_url(notes.get("runbook_url"))
    if runbook:
        button = {"type": "button", "text": _plain("Runbook", 75), "url": runbook}
        action = {**button, "action_id": f"runbook-{alert.fingerprint}"}
        blocks.append({"type": "actions", "elements": [action]})
    return blocks


def _header(n: Notification, r: Renderer) -> Block:
    emoji = EMOJI.get(group_severity(n.firing), ":red_circle:") if n.firing else RESOLVED
    # Group label values may be user-sourced: escaped and masked like any mrkdwn text.
    return {"type": "header", "text": _plain(f"{emoji} {r.mrkdwn(headline(n))}", 150)}


def _footer(n: Notification, r: Renderer, hidden: int) -> list[Block]:
    when = datetime.fromtimestamp(n.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"scimwatch · {r.mrkdwn(n.receiver)} · {r.mrkdwn(n.reason)} · {when}"]
    if hidden:
        parts.insert(0, f"…and {hidden} more alert(s) not shown")
    blocks: list[Block] = []
    link = safe_url(n.external_url)
    if link:
        button = {"type": "button", "text": _plain("Open in scimwatch", 75), "url": link}
        blocks.append({"type": "actions", "elements": [{**button, "action_id": "open"}]})
    blocks.append({"type": "context", "elements": [_mrkdwn(p) for p in parts]})
    return blocks


def _body(alerts: tuple[Alert, ...], r: Renderer, max_alerts: int) -> list[Block]:
    blocks: list[Block] = []
    for alert in alerts[:max_alerts]:
        blocks.extend(alert_blocks(alert, r))
    return blocks


def fallback(n: Notification, r: Renderer) -> str:
    """The `text` of the message: notifications and screen readers show it."""
    return r.mrkdwn(headline(n))


def message(n: Notification, r: Renderer, max_alerts: int) -> tuple[str, list[Block]]:
    """The group's message: firing alerts first, then the ones that resolved."""
    alerts = n.firing + n.resolved
    blocks = [_header(n, r)]
    if n.group_labels:
        pairs = sorted(n.group_labels.items())
        labels = " ".join(f"`{r.mrkdwn(k)}={r.mrkdwn(v)}`" for k, v in pairs)
        blocks.append({"type": "context", "elements": [_mrkdwn(labels)]})
    blocks.extend(_body(alerts, r, max_alerts))
    blocks.extend(_footer(n, r, max(0, len(alerts) - max_alerts)))
    return fallback(n, r), blocks


def thread_reply(n: Notification, r: Renderer, max_alerts: int) -> tuple[str, list[Block]]:
    """The evidence that is new since the last delivery, as a reply under the group message."""
    fresh = tuple(a for a in n.firing if a.fingerprint in n.new)
    text = f"New evidence: {len(fresh)} alert(s)"
    blocks: list[Block] = [{"type": "section", "text": _mrkdwn(f"*{text}*")}]
    blocks.extend(_body(fresh, r, max_alerts))
    hidden = max(0, len(fresh) - max_alerts)
    if hidden:
        blocks.append({"type": "context", "elements": [_mrkdwn(f"…and {hidden} more")]})
    return text, blocks


def metadata(n: Notification) -> dict[str, Any]:
    """Slack message metadata naming the notification: the key a reader of the channel
    deduplicates on, and what `slack`'s `delivered()` looks for after a crash."""
    return {"event_type": EVENT_TYPE, "event_payload": {"id": n.id, "group_key": n.group_key}}
