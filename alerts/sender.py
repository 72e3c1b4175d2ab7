"""Delivery: the outbox's due rows go to their notifiers, one attempt each per pass.

The only retry layer of the alert side. A recoverable failure waits an exponential backoff
(1 s doubling, capped), or the receiver's `Retry-After` when it is longer; a permanent one
marks the row failed (it shows in `NotificationsFailing`). An attempt is recorded before the
call, so a row found `sending` after a crash may already have arrived: a notifier that can
check (`Reconciling`) is asked first, instead of sending twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from opentelemetry import trace
from opentelemetry.trace import Span, StatusCode, Tracer
from sqlalchemy import Connection

from alerts import nflog, outbox
from alerts.notifiers.base import Notification, Notifier, NotifyError, Reason, Reconciling
from monitor.clock import Clock
from monitor.store.base import StoreError
from monitor.telemetry.tracing import TRACER_NAME

__all__ = ["Sender", "backoff"]

RECORD_ATTEMPTS = 5

log = logging.getLogger("scimwatch.alerts")

Transaction = Callable[[], AbstractContextManager[Connection]]
Observe = Callable[[str, str, float], None]  # receiver, outcome, seconds
Timer = Callable[[], float]  # seconds from an arbitrary origin, for attempt durations


def backoff(attempts: int, *, cap: float) -> float:
    return float(min(2 ** max(attempts - 1, 0), cap))


class Sender:
    def __init__(
        self,
        *,
        transaction: Transaction,
        notifiers: Mapping[str, Sequence[Notifier]],
        clock: Clock,
        observe: Observe,
        max_interval: float = 300.0,
        tracer: Tracer | None = None,
        timer: Timer = time.perf_counter,
    ) -> None:
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)
        self._timer = timer  # monotonic in production; tests pass their fake clock's
        self._transaction = transaction
        self._notifiers = notifiers
        self._clock = clock
        self._observe = observe
        self._max_interval = max_interval

    def send_due(self) -> int:
        """One pass over the due rows; returns how many were delivered."""
        with self._transaction() as conn:
            rows = list(outbox.due(conn, self._clock.now()))
        return sum(self._send(row) for row in rows)

    def _notifier(self, row: outbox.Row) -> Notifier | None:
        found = self._notifiers.get(row.receiver, ())
        return found[row.integration] if row.integration < len(found) else None

    def _send(self, row: outbox.Row) -> bool:
        attributes: dict[str, str | int] = {
            "scimwatch.receiver": row.receiver,
            "scimwatch.integration": row.integration,
            "scimwatch.attempt": row.attempts + 1,
        }
        with self._tracer.start_as_current_span(
            "notification.send", attributes=attributes, record_exception=False
        ) as span:
            sent = self._send_traced(row, span)
            span.set_attribute("scimwatch.delivered", sent)
            return sent

    def _send_traced(self, row: outbox.Row, span: Span) -> bool:
        notifier = self._notifier(row)
        now = self._clock.now()
        if notifier is None:  # the config no longer has it: nobody to tell
            with self._transaction() as conn:
                outbox.mark(conn, row.id, state="failed", now=now, reason="unknown_receiver")
            return False
        notification = self._notification(row)
        if row.state == "sending" and isinstance(notifier, Reconciling):
            thread = self._reconcile(notifier, notification)
            if thread is not None:
                self._delivered(row, thread, now)
                return True
        with self._transaction() as conn:
            outbox.mark(conn, row.id, state="sending", now=now, attempt=True)
        started = self._timer()
        try:
            thread = dict(notifier.notify(notification))
        except NotifyError as err:
            self._failed(row, err, self._timer() - started, span)
            return False
        except Exception as err:  # a notifier bug must not stop the others
            log.exception("receiver %s: notifier crashed", row.receiver)
            wrapped = NotifyError(type(err).__name__, reason=Reason.OTHER, recoverable=True)
            self._failed(row, wrapped, self._timer() - started, span)
            return False
        self._observe(row.receiver, "success", self._timer() - started)
        self._delivered(row, thread, self._clock.now())
        return True

    def _notification(self, row: outbox.Row) -> Notification:
        with self._transaction() as conn:
            entry = nflog.get(conn, row.group_key, row.receiver, row.integration)
        thread = dict(entry.thread) if entry else {}
        episode = thread.pop("_episode", None)
        if episode != str(row.payload.get("episode")):
            thread = {}  # a new episode of the group: a new message, not an update
        return Notification.from_json(row.payload, thread)

    def _reconcile(self, notifier: Reconciling, n: Notification) -> dict[str, str] | None:
        try:
            found = notifier.delivered(n)
        except NotifyError:
            return None
        return None if found is None else dict(found)

    def _delivered(self, row: outbox.Row, thread: dict[str, str], now: float) -> None:
        """Record a delivery. It already happened, so a busy store is tried again: a row left
        `sending` is resent unless its notifier can tell that it arrived."""
        if thread:
            thread["_episode"] = str(row.payload.get("episode"))
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                with self._transaction() as conn:
                    nflog.merge_thread(conn, row.group_key, row.receiver, row.integration, thread)
                    outbox.mark(conn, row.id, state="sent", now=now)
                return
            except StoreError as err:
                if attempt == RECORD_ATTEMPTS:
                    raise
                log.warning(
                    "receiver %s: recording a delivery failed (%s); again", row.receiver, err
                )

    def _failed(self, row: outbox.Row, err: NotifyError, seconds: float, span: Span) -> None:
        span.set_status(StatusCode.ERROR, str(err.reason))
        span.set_attribute("scimwatch.error.reason", str(err.reason))
        now = self._clock.now()
        attempts = row.attempts + 1
        if err.recoverable:
            wait = max(backoff(attempts, cap=self._max_interval), err.retry_after or 0.0)
            state, outcome = "pending", "retry"
        else:
            wait, state, outcome = 0.0, "failed", "failure"
        self._observe(row.receiver, outcome, seconds)
        log.warning(
            "receiver %s: notification failed (%s, %s): %s",
            row.receiver,
            err.reason,
            f"will retry in {wait:.0f}s" if err.recoverable else "giving up",
            err,
        )
        with self._transaction() as conn:
            outbox.mark(
                conn,
                row.id,
                state=state,
                now=now,
                next_attempt_at=now + wait,
                reason=str(err.reason),
            )
