"""slack-sdk's rate-limit retry handler, bounded so that it cannot stall the pipeline.

`RateLimitErrorRetryHandler` retries a 429 after sleeping `int(Retry-After)` plus up to a second
of jitter with `time.sleep`, however long Slack asks for, and fails on a Retry-After that is
not an integer. It runs inside the one thread that delivers every receiver's notifications,
so a long wait would hold all of them. This subclass retries only when Slack asks for at most
`max_wait` seconds and waits on the notifier's clock (the test suite's fake clock advances
instead of sleeping). A longer or unreadable Retry-After is not retried here: the 429 surfaces
as `rateLimited` with Slack's Retry-After, and the outbox schedules the next attempt.
"""

from __future__ import annotations

import threading

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from monitor.clock import Clock

__all__ = ["BoundedRateLimitRetry", "retry_after_seconds"]

_NO_HEADER_WAIT = 1.0  # the SDK's wait when Slack sends no Retry-After


def retry_after_seconds(response: HttpResponse) -> float | None:
    """Retry-After as delta-seconds; None when it is missing or not a number of seconds."""
    for name, values in response.headers.items():
        if name.lower() != "retry-after":
            continue
        value = values[0] if isinstance(values, list) and values else values
        try:
            seconds = float(str(value).strip())
        except ValueError:
            return None
        return seconds if seconds >= 0 else None
    return None


class BoundedRateLimitRetry(RateLimitErrorRetryHandler):
    """At most `max_retry_count` in-SDK retries of a 429, each after a wait <= `max_wait`."""

    def __init__(self, *, max_retry_count: int, max_wait: float, clock: Clock) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self._clock = clock
        self._never = threading.Event()  # the wait is bounded; nothing needs to cut it short

    def _wait(self, response: HttpResponse) -> float | None:
        has_header = any(name.lower() == "retry-after" for name in response.headers)
        wait = retry_after_seconds(response) if has_header else _NO_HEADER_WAIT
        return wait if wait is not None and wait <= self.max_wait else None

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and self._wait(response) is not None
        )

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait what Slack asked for (bounded by `_can_retry`) on the clock, then retry."""
        wait = self._wait(response) if response is not None else None
        state.next_attempt_requested = True
        self._clock.sleep(wait or 0.0, self._never)
        state.increment_current_attempt()
