"""When a poller may send its next request: the pacing Okta's and Google's pollers share."""

from __future__ import annotations

from monitor.clock import Clock

__all__ = ["Pacing"]


class Pacing:
    """A rate-limit pause (`resume_at`) and one skipped poll after catching up (`caught_up`).

    Pollers never sleep inside `poll()`; they tell the supervisor how long to wait instead.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.resume_at: float | None = None
        self.caught_up = False

    def wait_hint(self) -> float | None:
        """Seconds until the next request is allowed; None when only the poll interval applies."""
        if self.resume_at is None:
            return None
        return max(self.resume_at - self._clock.now(), 0.0)

    def hold(self, now: float) -> bool:
        """True when this poll must not send a request (paused, or just caught up)."""
        if self.resume_at is not None:
            if now < self.resume_at:
                return True
            self.resume_at = None
        if self.caught_up:
            self.caught_up = False
            return True
        return False
