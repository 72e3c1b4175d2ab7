"""What the demo's add-on processes (app usage, staged incidents) may ask of the simulation.

`DemoTraffic` implements it; the processes get this narrow view rather than the class, so they
schedule and push work the same way the workforce does without reaching into its queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from monitor.demo.deployment import Deployment
from monitor.demo.idp_audit import IdpAudit
from monitor.demo.pace import Schedule
from monitor.demo.population import Person, Population
from monitor.demo.wire import Job

__all__ = ["Event", "World"]

Event = Callable[[float], None]


class World(Protocol):
    @property
    def schedule(self) -> Schedule: ...

    @property
    def population(self) -> Population: ...

    @property
    def apps(self) -> Mapping[str, Deployment]: ...

    @property
    def audit(self) -> IdpAudit: ...

    def at(self, t: float, event: Event) -> None:
        """Run `event` at simulated time `t`."""

    def enqueue(self, t: float, a: Deployment, job: Job) -> None:
        """Queue `job` on the app's IdP connection."""

    def each_app(
        self, t: float, person: Person, operation: str, job: Callable[[Deployment], Job]
    ) -> None:
        """Push one change of `person` to every app they are assigned to."""

    def leave(
        self, t: float, person: Person, *, direct: bool = False, kept: bool | None = None
    ) -> None:
        """`person` leaves; `direct`: their disables go out at once, none held up or jammed;
        `kept`: whether an API token of theirs keeps working (None: as chance has it)."""
