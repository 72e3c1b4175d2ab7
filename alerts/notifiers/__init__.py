"""Notifiers: the last arrow of the alert flow. In: a grouped `Notification`. Out: a message in
Slack, PagerDuty or any webhook. May import `alerts.alert`, `monitor.clock`, `monitor.secret`.

Adding a notifier is one module (a pydantic `Config` with a `type` literal, a `build` function,
a `KIND`) plus one line in `NOTIFIERS`; the config union and the contract test
(`tests/alerts/test_notifier_contract.py`) are built from this tuple.
"""

from __future__ import annotations

from alerts.notifiers import pagerduty, slack, slack_webhook, webhook
from alerts.notifiers.base import (
    Notification,
    Notifier,
    NotifierKind,
    NotifyContext,
    NotifyError,
    Reason,
    Reconciling,
)

__all__ = [
    "NOTIFIERS",
    "Notification",
    "Notifier",
    "NotifierKind",
    "NotifyContext",
    "NotifyError",
    "Reason",
    "Reconciling",
    "kind_of",
]

NOTIFIERS: tuple[NotifierKind, ...] = (
    slack.KIND,
    slack_webhook.KIND,
    pagerduty.KIND,
    webhook.KIND,
)

_BY_TYPE = {kind.type: kind for kind in NOTIFIERS}


def kind_of(type_name: str) -> NotifierKind:
    """The registry entry for a config `type`."""
    return _BY_TYPE[type_name]
