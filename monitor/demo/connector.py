"""One IdP-to-app provisioning connection: a queue of jobs worked off one request at a time.

This is where the IdP's reaction to failure lives: it waits out `Retry-After` on a 429, backs
off and retries a 5xx a few times before giving the operation up, and pauses after a 401 until
someone (in the story, an admin renewing the token) fixes the credentials. A 4xx is final,
which is why an Entra quirk rejected by a strict SP leaves the change undone.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

from monitor.demo.wire import Job, Request, Response

__all__ = ["Connector", "Send"]

# Sends a request at a time; returns the response and the seconds the exchange took.
Send = Callable[[float, Request], tuple[Response, float]]

_MAX_SERVER_ERRORS = 3


class Connector:
    """Runs jobs serially, one request per `step`, as IdP provisioning engines do per app."""

    def __init__(
        self, send: Send, rng: random.Random, *, auth_pause: Callable[[float], float]
    ) -> None:
        self._send = send
        self._rng = rng
        self._auth_pause = auth_pause
        self._jobs: deque[Job] = deque()
        self._job: Job | None = None
        self._request: Request | None = None
        self._server_errors = 0
        self.running = False

    @property
    def idle(self) -> bool:
        return self._job is None and not self._jobs

    def enqueue(self, job: Job) -> None:
        self._jobs.append(job)

    def step(self, t: float) -> float | None:
        """Send the next request at `t`; return when to send the one after, None when idle."""
        request = self._current()
        if request is None:
            return None
        response, latency = self._send(t, request)
        done = t + latency
        status = response.status
        if status == 429:
            return done + float(response.headers.get("Retry-After", "30"))
        if status == 401:
            return done + self._auth_pause(t)
        if status >= 500:
            return self._server_error(done, response)
        self._server_errors = 0
        self._advance(response)
        return done + self._rng.uniform(0.2, 1.5)

    def _current(self) -> Request | None:
        # Invariant: a job is running exactly when a request is pending.
        while self._request is None and self._jobs:
            self._job = self._jobs.popleft()
            self._advance(None)
        return self._request

    def _advance(self, response: Response | None) -> None:
        """Feed the response to the current job and take its next request."""
        assert self._job is not None
        try:
            self._request = next(self._job) if response is None else self._job.send(response)
        except StopIteration:
            self._job, self._request = None, None

    def _server_error(self, done: float, response: Response) -> float:
        self._server_errors += 1
        if self._server_errors > _MAX_SERVER_ERRORS:
            assert self._job is not None
            self._job.close()
            self._job, self._request, self._server_errors = None, None, 0
            return done + self._rng.uniform(0.2, 1.5)
        retry_after = response.headers.get("Retry-After")
        backoff = 15.0 * 2**self._server_errors
        return done + (float(retry_after) if retry_after is not None else backoff)
