"""The demo world: a workforce, its IdPs, and the apps they provision, on a simulated clock.

`DemoTraffic` is a discrete-event simulation. Every request is its own event, processed in
time order, and every random choice comes from sources seeded by `seed`, so the same seed and
the same `start` write the same bytes however `run_until` calls are split. Besides the
workforce, two add-on processes share the clock: people using the apps that keep activity logs
(`usage`) and the staged incidents behind the rarer findings (`incidents`).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from monitor.demo.apps import DEFAULT_APPS, DemoApp, config_text
from monitor.demo.deployment import Deployment
from monitor.demo.idp_audit import IdpAudit
from monitor.demo.incidents import Incidents
from monitor.demo.pace import Pace, Schedule
from monitor.demo.population import Person, Population
from monitor.demo.usage import Usage
from monitor.demo.wire import Job
from monitor.demo.world import Event

__all__ = ["DemoTraffic"]

_HEADCOUNT = 250
# Workforce events and their odds; hires slightly outnumber leavers, as in a growing company.
_EVENTS = ("hire", "leave", "rehire", "change", "move")
_EVENT_WEIGHTS = (0.20, 0.20, 0.06, 0.39, 0.15)
_HARD_DELETE_SHARE = 0.35
# Leavers whose disable in one app is held up: queued behind a backlog for over the default
# one-hour SLO, or jammed (the SP fails every write to that account until the IdP gives up).
_SLOW_SHARE, _STUCK_SHARE = 0.05, 0.03
_SLOW_HOLD = (3900.0, 7200.0)


class DemoTraffic:
    """Simulated IdP traffic against real in-process SPs, appended to per-app SCIM logs.

    Until `live_from` (default: 24 h after `start`) the pace is a quiet history, about 7,000
    lines a day; from then on it is live, a few requests per second. Pass `live_from=now` when
    the history is not 24 h long. Log files under `directory/scim/` are truncated on
    construction: a new simulation starts with empty SPs, so old lines would not match it.
    """

    def __init__(
        self,
        directory: Path,
        *,
        apps: Sequence[DemoApp] = DEFAULT_APPS,
        seed: int = 7,
        start: float,
        live_from: float | None = None,
    ) -> None:
        if len({a.name for a in apps}) != len(apps) or not apps:
            raise ValueError("demo apps need distinct names, and at least one")
        self.schedule = Schedule(start, live_from)
        self.population = Population(random.Random(f"{seed}:people"), [a.name for a in apps])
        self.apps_config = tuple(apps)
        self._rng = random.Random(f"{seed}:world")
        self._queue: list[tuple[float, int, Event]] = []
        self._seq = itertools.count()
        self._delays = random.Random(f"{seed}:delays")
        self.audit = IdpAudit(directory, apps, seed)
        (directory / "scim").mkdir(parents=True, exist_ok=True)
        outage = random.Random(f"{seed}:outage").randrange(len(apps))
        self.apps = {
            a.name: Deployment(
                a,
                seed=seed,
                directory=directory,
                schedule=self.schedule,
                population=self.population,
                expired_token=i == outage,
            )
            for i, a in enumerate(apps)
        }
        self.usage = Usage(self, seed)
        self.incidents = Incidents(self, seed)
        self._start_world(start)

    def config_text(self) -> str:
        """scimwatch YAML for these logs; paths are relative to `directory`."""
        refs = {name: (link.config_key, link.ref) for name, link in self.audit.links.items()}
        return config_text(self.apps_config, refs=refs, idp_sources=self.audit.sources())

    def run_until(self, ts: float) -> int:
        """Simulate up to event time `ts` and append the lines; returns how many SCIM lines
        were written (the IdP records written are counted in `audit.written`)."""
        before = sum(a.recorder.written for a in self.apps.values())
        while self._queue and self._queue[0][0] <= ts:
            t, _, event = heapq.heappop(self._queue)
            event(t)
        for a in self.apps.values():
            a.flush()
        self.audit.flush(ts)
        return sum(a.recorder.written for a in self.apps.values()) - before

    def at(self, t: float, event: Event) -> None:
        heapq.heappush(self._queue, (t, next(self._seq), event))

    def _start_world(self, start: float) -> None:
        for _ in range(_HEADCOUNT):
            self._hire(start)
        self.at(self.schedule.after(self._rng, start, lambda p: p.workforce_gap), self._workforce)
        for a in self.apps.values():
            if a.cycle is not None:
                self.at(start + a.rng.uniform(30.0, 600.0), self._cycle_event(a, a.cycle))
            self.at(self.schedule.after(a.rng, start, lambda p: p.read_gap), self._read_event(a))
            if a.dialect.pages_imports:
                self.at(start + a.rng.uniform(1800.0, 7200.0), self._import_event(a))
        self.usage.start(start)
        self.incidents.start()

    def enqueue(self, t: float, a: Deployment, job: Job) -> None:
        a.connector.enqueue(job)
        if not a.connector.running and a.cycle is None:
            self._wake(a, t + a.rng.uniform(1.0, 8.0))

    def _wake(self, a: Deployment, t: float) -> None:
        a.connector.running = True

        def step(now: float) -> None:
            later = a.connector.step(now)
            if later is None:
                a.connector.running = False
            else:
                self.at(later, step)

        self.at(t, step)

    def _cycle_event(self, a: Deployment, period: Callable[[Pace], float]) -> Event:
        def tick(t: float) -> None:
            if not a.connector.running and not a.connector.idle:
                self._wake(a, t)
            self.at(self.schedule.cycle(a.rng, t, period), tick)

        return tick

    def _read_event(self, a: Deployment) -> Event:
        def read(t: float) -> None:
            request = a.flows.background(a.rng)
            if request is not None:
                a.send(t, request)
            self.at(self.schedule.after(a.rng, t, lambda p: p.read_gap), read)

        return read

    def _import_event(self, a: Deployment) -> Event:
        def full_import(t: float) -> None:
            self.enqueue(t, a, a.flows.full_import())
            self.at(self.schedule.after(a.rng, t, lambda p: p.import_gap), full_import)

        return full_import

    def _workforce(self, t: float) -> None:
        kind = self._rng.choices(_EVENTS, _EVENT_WEIGHTS)[0]
        if kind == "hire":
            self._hire(t)
        elif kind == "leave":
            self._leave(t)
        elif kind == "rehire":
            person = self.population.pick(employed=False)
            if person is not None:
                person.employed = True
                self.audit.rehired(t, person)
                self.each_app(t, person, "provision", lambda a: a.flows.provision(person))
        else:
            self._change(t, moved=kind == "move")
        self.at(self.schedule.after(self._rng, t, lambda p: p.workforce_gap), self._workforce)

    def _hire(self, t: float) -> None:
        person = self.population.hire()
        self.audit.hired(t, person)
        self.each_app(t, person, "provision", lambda a: a.flows.provision(person))

    def _leave(self, t: float) -> None:
        person = self.population.pick(employed=True)
        if person is not None:
            self.leave(t, person)

    def leave(
        self, t: float, person: Person, *, direct: bool = False, kept: bool | None = None
    ) -> None:
        """`person` leaves; `direct`: every disable goes out now (an incident needs it applied);
        `kept`: whether an API token of theirs keeps working (None: as chance has it)."""
        person.employed, person.left_at = False, t
        self.audit.left(t, person)
        for name in person.apps:
            a = self.apps[name]
            if direct:
                self.enqueue(
                    t, a, self.audit.reported(a, person, "disable", a.flows.disable(person))
                )
            else:
                self._disable(t, a, person)
        self.usage.left(t, person, kept=kept)
        if self._rng.random() < _HARD_DELETE_SHARE:
            when = self.schedule.after(self._rng, t, lambda p: p.hard_delete)
            self.at(when, lambda now: self._hard_delete(now, person, left_at=t))

    def _hard_delete(self, t: float, person: Person, *, left_at: float) -> None:
        if person.employed or person.left_at != left_at:
            return  # re-hired since: the IdP's purge was cancelled
        self.audit.purged(t, person)
        for name in person.apps:
            a = self.apps[name]
            if a.dialect.hard_deletes:
                self.enqueue(t, a, self.audit.reported(a, person, "delete", a.flows.delete(person)))

    def _disable(self, t: float, a: Deployment, person: Person) -> None:
        """Queue a leaver's disable, now, after a backlog, or against a jammed account."""
        job = self.audit.reported(a, person, "disable", a.flows.disable(person))
        roll = self._delays.random()
        sp_id = a.state.users.get(person.key)
        if roll < _STUCK_SHARE and sp_id is not None:
            self.enqueue(t, a, _jammed(a, sp_id, job))
        elif roll < _STUCK_SHARE + _SLOW_SHARE:
            hold = self._delays.uniform(*_SLOW_HOLD)
            self.at(t + hold, lambda now: self.enqueue(now, a, job))
        else:
            self.enqueue(t, a, job)

    def _change(self, t: float, *, moved: bool) -> None:
        person = self.population.pick(employed=True)
        if person is None:
            return
        old = self.population.move(person) if moved else None
        changed = frozenset({"department"}) if moved else self.population.change_profile(person)
        self.each_app(t, person, "update", lambda a: a.flows.update(person, changed, old))

    def each_app(
        self, t: float, person: Person, operation: str, job: Callable[[Deployment], Job]
    ) -> None:
        for name in person.apps:
            a = self.apps[name]
            self.enqueue(t, a, self.audit.reported(a, person, operation, job(a)))


def _jammed(a: Deployment, sp_id: str, job: Job) -> Job:
    """`job` while the SP fails every write to `sp_id`; the account recovers once it ends."""
    a.faults.jammed.add(sp_id)
    try:
        yield from job
    finally:
        a.faults.jammed.discard(sp_id)
