"""What goes wrong between an IdP and an SP: throttling, outages, an expired token, slowness.

Sits in front of one app's SP. A request it intercepts never reaches the SP, as when a
gateway or rate limiter answers. Fault windows come from the app's own random source, keyed
by the seed and the app name, so each app's bad hours are the same on every run whatever
the other apps do.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from monitor.demo.pace import Pace, Schedule
from monitor.demo.wire import Request, Response, error_body

__all__ = ["FaultInjector"]

_RETRY_AFTER = ("5", "10", "20", "30", "60")
_BASE_MS = {"GET": 18.0, "POST": 45.0, "PUT": 38.0, "PATCH": 30.0, "DELETE": 22.0}
# The first expired-token window opens 40 % into the history and lasts at most 5 % of it, so
# that the history shows both the outage and the backlog the IdP works off afterwards.
_FIRST_OUTAGE = (0.4, 0.05)


class _Windows:
    """An on/off process: fault windows with exponential gaps; queried with rising `t`."""

    def __init__(
        self,
        rng: random.Random,
        schedule: Schedule,
        gap: Callable[[Pace], float],
        length: Callable[[Pace], float],
        first: tuple[float, float] | None = None,
    ) -> None:
        """`first` pins the first window: when it opens, and the most it may last."""
        self._rng, self._schedule, self._gap, self._length = rng, schedule, gap, length
        if first is None:
            self._begin = schedule.after(rng, schedule.start, gap)
            self._end = self._begin + self._draw_length(self._begin)
        else:
            self._begin = first[0]
            self._end = self._begin + min(self._draw_length(self._begin), first[1])

    def open(self, t: float) -> bool:
        while t >= self._end:
            self._begin = self._schedule.after(self._rng, self._end, self._gap)
            self._end = self._begin + self._draw_length(self._begin)
        return t >= self._begin

    def _draw_length(self, t: float) -> float:
        return self._length(self._schedule.pace(t)) * self._rng.uniform(0.5, 1.5)


class FaultInjector:
    """Decides, per request, whether the path to the SP fails and how long the answer takes."""

    def __init__(self, rng: random.Random, schedule: Schedule, *, expired_token: bool) -> None:
        self._rng = rng
        # SP user ids whose writes fail whatever the IdP does: a stuck deprovision.
        self.jammed: set[str] = set()
        self._throttle = _Windows(rng, schedule, lambda p: p.throttle_gap, lambda p: p.throttle_len)
        self._slow = _Windows(rng, schedule, lambda p: p.slow_gap, lambda p: p.slow_len)
        history = schedule.live_from - schedule.start
        first = (schedule.start + _FIRST_OUTAGE[0] * history, _FIRST_OUTAGE[1] * history)
        self._outage = (
            _Windows(rng, schedule, lambda p: p.outage_gap, lambda p: p.outage_len, first)
            if expired_token
            else None
        )

    def intercept(self, t: float, request: Request) -> Response | None:
        """A synthetic failure answer, or None to let the SP serve the request."""
        if self._outage is not None and self._outage.open(t):
            detail = "Authorization failure. The bearer token has expired."
            return Response(401, error_body(401, detail), {"WWW-Authenticate": "Bearer"})
        if (
            self.jammed
            and request.method != "GET"
            and request.path.rpartition("/")[2] in self.jammed
        ):
            return Response(503, error_body(503, "Service unavailable"), {"Retry-After": "120"})
        throttled = self._throttle.open(t)
        roll = self._rng.random()
        if throttled and roll < 0.75:
            retry_after = self._rng.choice(_RETRY_AFTER)
            body = error_body(429, "Too many requests. Retry later.")
            return Response(429, body, {"Retry-After": retry_after})
        if roll > 0.997:
            return Response(503, error_body(503, "Service unavailable"), {"Retry-After": "120"})
        if roll > 0.995:
            return Response(500, error_body(500, "Internal server error"))
        return None

    def latency(self, t: float, request: Request, status: int) -> float:
        """Seconds the exchange took, as the SP's access log would measure it."""
        if status in (401, 429):
            return self._rng.uniform(0.001, 0.006)
        base = _BASE_MS.get(request.method, 20.0)
        if "startIndex=" in request.path and "filter=" not in request.path:
            base *= 12  # a full page of an import
        ms = base * self._rng.lognormvariate(0.0, 0.45)
        if self._slow.open(t) or self._rng.random() < 0.004:
            ms *= self._rng.uniform(20.0, 90.0)
        return round(ms / 1000.0, 4)
