"""How busy the simulated world is: a quiet 24 h of history, then a lively present.

History (by default the first 24 h after `start`) is written in one go when the demo starts;
it must stay small (thousands of lines a day) and fast to simulate. From `live_from` on, the
demo runs beside a watching daemon and should show a few requests per second. Every random
wait is drawn with the pace of the moment it starts, and a wait that would cross into the live
phase is redrawn from the boundary (exponential waits are memoryless, so this stays honest).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HISTORY", "HISTORY_SECONDS", "LIVE", "Pace", "Schedule"]

HISTORY_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Pace:
    """Mean waits (seconds) of every recurring process in one phase."""

    workforce_gap: float  # between IdP-side events: hire, leave, re-hire, profile change
    read_gap: float  # between background reads, per app
    import_gap: float  # between Okta imports, per app
    entra_cycle: float  # between Entra provisioning cycles
    google_cycle: float  # between Google sync runs
    auth_retry: float  # a client's pause after a 401
    hard_delete: float  # from a leaver's disable to the IdP's hard delete
    throttle_gap: float
    throttle_len: float
    slow_gap: float
    slow_len: float
    outage_gap: float
    outage_len: float
    activity_gap: float  # between ordinary actions in an app's own activity log, per app
    token_reuse: float  # from a leaver's removal to the first use of a token that still works
    incident_gap: float  # between staged incidents (live only: the history's are scripted)
    bug_window: float  # how long an SP release that mishandles PATCH stays deployed
    import_soon: float  # from a JIT sign-in to the admin's "Import Now"


HISTORY = Pace(
    workforce_gap=900.0,
    read_gap=120.0,
    import_gap=12 * 3600.0,
    entra_cycle=40 * 60.0,
    google_cycle=2 * 3600.0,
    auth_retry=600.0,
    hard_delete=4 * 3600.0,
    throttle_gap=5 * 3600.0,
    throttle_len=240.0,
    slow_gap=8 * 3600.0,
    slow_len=1200.0,
    outage_gap=48 * 3600.0,
    outage_len=75 * 60.0,
    activity_gap=300.0,
    token_reuse=5400.0,
    incident_gap=6 * 3600.0,
    bug_window=2.3 * 3600.0,
    import_soon=1200.0,
)
LIVE = Pace(
    workforce_gap=15.0,
    read_gap=2.0,
    import_gap=900.0,
    entra_cycle=180.0,
    google_cycle=300.0,
    auth_retry=30.0,
    hard_delete=600.0,
    throttle_gap=1200.0,
    throttle_len=40.0,
    slow_gap=1800.0,
    slow_len=90.0,
    outage_gap=2 * 3600.0,
    outage_len=180.0,
    activity_gap=4.0,
    token_reuse=240.0,
    incident_gap=300.0,
    bug_window=420.0,
    import_soon=60.0,
)


class Schedule:
    """Which pace holds when, and random waits drawn with it."""

    def __init__(self, start: float, live_from: float | None = None) -> None:
        self.start = start
        self.live_from = start + HISTORY_SECONDS if live_from is None else max(live_from, start)

    def pace(self, t: float) -> Pace:
        return HISTORY if t < self.live_from else LIVE

    def after(self, rng: random.Random, t: float, gap: Callable[[Pace], float]) -> float:
        """The end of an exponential wait starting at `t` with mean `gap(pace)`."""
        end = t + rng.expovariate(1.0 / gap(self.pace(t)))
        if t < self.live_from <= end:
            end = self.live_from + rng.expovariate(1.0 / gap(LIVE))
        return end

    def cycle(self, rng: random.Random, t: float, period: Callable[[Pace], float]) -> float:
        """The next tick of a roughly periodic job (a provisioning cycle), +-10 %."""
        end = t + period(self.pace(t)) * rng.uniform(0.9, 1.1)
        if t < self.live_from <= end:
            end = self.live_from + period(LIVE) * rng.uniform(0.0, 1.0)
        return end
