"""Staged incidents: the app mishaps (`DemoApp.mishaps`) acted out, so every finding shows.

Transport faults and the Entra quirks happen by chance all day; the mishaps that lead to the
other findings are rarer in life, so the demo stages them: twice in the history at fixed
fractions of it (wherever `--hours` puts the boundary, each finding type has shown by the time
the history is written), then one every few minutes of live traffic. Each incident is the real
mechanism, not a forged log line: a JIT sign-in makes a second account the next import lists,
a username change makes the Okta app recreate the account, a buggy SP release wipes what a
PATCH did not name, an SP keeps an owner account active when told to disable it, and a leaver's
API token keeps working in an app with an activity log.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from functools import partial

from monitor.demo.deployment import Deployment
from monitor.demo.pace import LIVE
from monitor.demo.population import DEPARTMENTS, Person
from monitor.demo.world import World

__all__ = ["SCRIPT", "Incidents"]

# (fraction of the history, incident): each kind twice, once in either half.
SCRIPT = (
    (0.10, "kept_token"),
    (0.15, "rename"),
    (0.20, "jit"),
    (0.25, "ignored_disable"),
    (0.30, "patch_as_put"),
    (0.55, "kept_token"),
    (0.60, "rename"),
    (0.65, "jit"),
    (0.70, "ignored_disable"),
    (0.75, "patch_as_put"),
)
# Live incidents take turns in this order; the first ones show as findings within seconds.
_LIVE_ORDER = ("ignored_disable", "rename", "jit", "patch_as_put", "kept_token")
# The app an incident happens in: the first with this mishap (or with an activity log).
_NEEDS: dict[str, Callable[[Deployment], bool]] = {
    "kept_token": lambda a: a.activity is not None,
    "rename": lambda a: "rename_recreates" in a.app.mishaps,
    "jit": lambda a: "jit_sign_in" in a.app.mishaps,
    "ignored_disable": lambda a: "ignores_disable" in a.app.mishaps,
    "patch_as_put": lambda a: "patch_as_put" in a.app.mishaps,
}
_BUG_SHARE = 0.12  # the most of the history a buggy SP release stays deployed
_FIRST_LIVE = (60.0, 120.0)  # seconds into the live phase of the first live incident


class Incidents:
    """Schedules the incidents and acts them out against the world's apps."""

    def __init__(self, world: World, seed: int) -> None:
        self._world = world
        self._rng = random.Random(f"{seed}:incidents")
        self._where = {
            kind: next((a for a in world.apps.values() if needs(a)), None)
            for kind, needs in _NEEDS.items()
        }
        self._live = [kind for kind in _LIVE_ORDER if self._where[kind] is not None]
        self._turn = 0
        self._jit_done: set[int] = set()
        self.staged: list[tuple[float, str, str, int]] = []  # (t, kind, app, person key)

    def start(self) -> None:
        schedule = self._world.schedule
        history = schedule.live_from - schedule.start
        for fraction, kind in SCRIPT:
            if self._where[kind] is not None:
                when = schedule.start + fraction * history
                self._world.at(when, partial(self._stage, kind=kind))
        if self._live:
            self._world.at(schedule.live_from + self._rng.uniform(*_FIRST_LIVE), self._next_live)

    def _next_live(self, t: float) -> None:
        self._stage(t, kind=self._live[self._turn % len(self._live)])
        self._turn += 1
        self._world.at(t + self._rng.expovariate(1.0 / LIVE.incident_gap), self._next_live)

    def _stage(self, t: float, *, kind: str) -> None:
        a = self._where[kind]
        assert a is not None
        person = self._pick(a, exclude_jit=kind == "jit")
        if person is None:
            return
        self.staged.append((t, kind, a.app.name, person.key))
        getattr(self, f"_{kind}")(t, a, person)

    def _pick(self, a: Deployment, *, exclude_jit: bool) -> Person | None:
        """An employee with a live account in `a` that no incident has singled out yet."""
        people = self._world.population.people
        pool = [
            people[key]
            for key, sp_id in sorted(a.state.users.items())
            if people[key].employed
            and sp_id not in a.bugs.protected
            and not (exclude_jit and key in self._jit_done)
        ]
        return self._rng.choice(pool) if pool else None

    def _kept_token(self, t: float, a: Deployment, person: Person) -> None:
        self._world.leave(t, person, direct=True, kept=True)

    def _ignored_disable(self, t: float, a: Deployment, person: Person) -> None:
        a.bugs.protected.add(a.state.users[person.key])
        self._world.leave(t, person, direct=True, kept=False)

    def _rename(self, t: float, a: Deployment, person: Person) -> None:
        old = copy.copy(person)
        self._world.population.rename(person, self._rng)
        changed = frozenset({"family", "user_name"})
        self._world.each_app(
            t,
            person,
            "update",
            lambda d: (
                d.flows.recreate(old, person) if d is a else d.flows.update(person, changed, None)
            ),
        )

    def _jit(self, t: float, a: Deployment, person: Person) -> None:
        self._jit_done.add(person.key)
        a.jit_sign_in(t, person)
        pace = self._world.schedule.pace(t)
        when = t + pace.import_soon * self._rng.uniform(0.5, 1.5)
        self._world.at(when, lambda now: self._world.enqueue(now, a, a.flows.full_import()))

    def _patch_as_put(self, t: float, a: Deployment, person: Person) -> None:
        schedule = self._world.schedule
        history = schedule.live_from - schedule.start
        length = min(schedule.pace(t).bug_window, _BUG_SHARE * history)
        a.bugs.patch_as_put_until = t + length
        person.title = self._rng.choice(DEPARTMENTS[person.department])
        title = frozenset({"title"})
        self._world.each_app(t, person, "update", lambda d: d.flows.update(person, title, None))
