"""One watched app as deployed: its SP, the faults in front of it, its log, and the IdP link.

`send` is the whole wire for one request: the fault injector may answer first, otherwise the
app's scim2-server does (through the bugs its incidents switch on); either way the exchange
becomes one line of the app's access log. Apps with `activity_log` also write their own
sign-ins and API calls.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path

from monitor.demo.activity import ActivityLog
from monitor.demo.apps import PATCH_BODY_DIALECTS, TOLERANT_DIALECTS, DemoApp
from monitor.demo.connector import Connector
from monitor.demo.dialects import DIALECTS, Dialect
from monitor.demo.faults import FaultInjector
from monitor.demo.jobs import AppState, Flows
from monitor.demo.pace import Pace, Schedule
from monitor.demo.population import DEPARTMENTS, Person, Population
from monitor.demo.provider import ServiceProvider
from monitor.demo.recorder import Exchange, Recorder
from monitor.demo.sp_bugs import BuggySp
from monitor.demo.wire import GROUP, Request, Response

__all__ = ["Deployment"]

# IdPs that provision in cycles, and how long a cycle is; the others push each change at once.
_CYCLES: dict[str, Callable[[Pace], float]] = {
    "entra": lambda pace: pace.entra_cycle,
    "google": lambda pace: pace.google_cycle,
}
# Groups the SP's own admins made before SCIM was connected; IdPs link to them by
# displayName. The last department is left out, so IdPs have to create that group.
_SEEDED_GROUPS = tuple(DEPARTMENTS)[:-1]


class Deployment:
    """Everything that belongs to one app; the log file is truncated: its SP starts empty."""

    def __init__(
        self,
        app: DemoApp,
        *,
        seed: int,
        directory: Path,
        schedule: Schedule,
        population: Population,
        expired_token: bool,
    ) -> None:
        self.app = app
        self.rng = random.Random(f"{seed}:{app.name}")
        self._ids = random.Random(f"{seed}:{app.name}:request-ids")
        self._now = schedule.start
        self.last_done = schedule.start  # when the latest exchange ended
        self.dialect: Dialect = DIALECTS[app.idp](self.rng)
        self.sp = ServiceProvider(
            host=f"{app.name}.demo.example.com",
            base_path=app.base_path,
            tolerant=app.idp in TOLERANT_DIALECTS,
            patch_returns_body=app.idp in PATCH_BODY_DIALECTS,
            rng=random.Random(f"{seed}:{app.name}:sp"),
            clock=lambda: self._now,
        )
        self.bugs = BuggySp(self.sp)
        self.activity = (
            ActivityLog(directory / app.activity_path, app.name) if app.activity_log else None
        )
        faults_rng = random.Random(f"{seed}:{app.name}:faults")
        self.faults = FaultInjector(faults_rng, schedule, expired_token=expired_token)
        path = directory / app.log_path
        path.write_bytes(b"")
        self.recorder = Recorder(path, app.log_format, self.dialect.user_agent)
        self.state = AppState()
        self.flows = Flows(self.dialect, self.state, population)
        self.connector = Connector(
            self.send, self.rng, auth_pause=lambda t: schedule.pace(t).auth_retry
        )
        self.cycle = _CYCLES.get(self.dialect.config_idp)
        for name in _SEEDED_GROUPS:
            self.sp.handle(Request("POST", "/Groups", {"schemas": [GROUP], "displayName": name}))

    def send(self, t: float, request: Request) -> tuple[Response, float]:
        """Serve and log one request at event time `t`; returns the answer and its latency."""
        self._now = t
        response = self.faults.intercept(t, request) or self.bugs.handle(t, request)
        latency = self.faults.latency(t, request, response.status)
        exchange = Exchange(
            app=self.app.name,
            t=t,
            path=self.app.base_path + request.path,
            request=request,
            response=response,
            latency=latency,
            request_id=str(uuid.UUID(int=self._ids.getrandbits(128), version=4)),
            client_ip=self.dialect.client_ip,
        )
        self.recorder.record(exchange)
        self.last_done = t + latency
        return response, latency

    def jit_sign_in(self, t: float, person: Person) -> str | None:
        """`person` signs in with SSO and the app makes itself an account (see `BuggySp`)."""
        self._now = t
        sp_id = self.bugs.jit_account(person)
        if sp_id is not None and self.activity is not None:
            self.activity.record(t, person.nickname, ("sso", "sign_in", 200))
        return sp_id

    def flush(self) -> None:
        """Append the lines recorded so far to the app's logs."""
        self.recorder.flush()
        if self.activity is not None:
            self.activity.flush()
