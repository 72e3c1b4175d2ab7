"""Time as a constructor argument: the system clock for production, a fake one for tests.

Replay runs on event time and tests advance time by hand, so nothing in scimwatch calls
`time.time()` directly except `SystemClock`. Leaf module: imports nothing from the project.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """Wall-clock seconds since the epoch, and an interruptible wait."""

    def now(self) -> float: ...

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to `seconds`; return True when `stop` was set meanwhile."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(seconds, 0.0))


class FakeClock:
    """A clock that moves only when told to; `sleep` advances it instead of waiting."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        self.advance(max(seconds, 0.0))
        return stop.is_set()
