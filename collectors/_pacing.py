"""When a poller may send its next request: the pacing Okta's and Google's pollers share.

Why an idle interval: audit APIs are read in a budget shared with every other consumer of the
org (Okta's per-minute `/api/v1/logs` bucket, Google's per-project quota), and their records
arrive with lags of seconds to hours (idp-audit-apis.md, "Suggested polling defaults"). A
poller that has caught up therefore rests `interval` seconds before asking again, instead of
spending the shared budget once per daemon poll interval on empty answers. A backlog is still
read page after page without resting.
"""

from __future__ import annotations

from monitor.clock import Clock

__all__ = ["Pacing"]


class Pacing:
    """A rate-limit pause (`resume_at`) and a rest after catching up (`rest`).

    Pollers never sleep inside `poll()`; they tell the supervisor how long to wait instead.
    With `interval` 0 a poller that caught up skips one poll, so it waits the daemon's poll
    interval.
    """

    def __init__(self, clock: Clock, interval: float = 0.0) -> None:
        self._clock = clock
        self.interval = interval
        self.resume_at: float | None = None
        self._rest_until: float | None = None  # caught up, with an interval
        self._skip = False  # caught up, without one

    def rest(self) -> None:
        """The poller caught up: no request before `interval` has passed (or one poll)."""
        if self.interval > 0:
            self._rest_until = self._clock.now() + self.interval
        else:
            self._skip = True

    def wake(self) -> None:
        """Forget a rest (a restore starts over); a rate-limit pause is the server's and stays."""
        self._rest_until, self._skip = None, False

    def wait_hint(self) -> float | None:
        """Seconds until the next request is allowed; None when only the poll interval applies."""
        until = max(self.resume_at or 0.0, self._rest_until or 0.0)
        if not until:
            return None
        return max(until - self._clock.now(), 0.0)

    def hold(self, now: float) -> bool:
        """True when this poll must not send a request (paused, resting, or just caught up)."""
        if self.resume_at is not None:
            if now < self.resume_at:
                return True
            self.resume_at = None
        if self._rest_until is not None:
            if now < self._rest_until:
                return True
            self._rest_until = None
        if self._skip:
            self._skip = False
            return True
        return False
