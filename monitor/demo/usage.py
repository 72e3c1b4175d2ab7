"""People using the apps that keep activity logs, and the leavers whose API tokens still work.

Employees with an account sign in and call the API all day. When someone leaves, the IdP
disables their accounts, but a script of theirs may hold an API token the app does not revoke
with the account: its calls keep succeeding after the deprovision was confirmed, which is what
scimwatch's `activity_after_deprovision` catches. A few leavers are like that (`_KEPT_SHARE`);
an incident can make one so on purpose (`kept=True`).
"""

from __future__ import annotations

import random
from functools import partial

from monitor.demo.activity import ordinary_action, token_action
from monitor.demo.deployment import Deployment
from monitor.demo.population import Person
from monitor.demo.world import Event, World

__all__ = ["Usage"]

_KEPT_SHARE = 0.08  # leavers, per app with an activity log, whose API token keeps working
_TOKEN_CALLS = (1, 3)  # how many calls the forgotten script makes


class Usage:
    """Everyday use of the apps with activity logs, and leavers' forgotten tokens."""

    def __init__(self, world: World, seed: int) -> None:
        self._world = world
        self._rng = random.Random(f"{seed}:usage")
        self.kept: list[tuple[str, str]] = []  # (app, userName) of each token kept working

    def start(self, t: float) -> None:
        for a in self._world.apps.values():
            if a.activity is not None:
                self._world.at(self._next(t), self._everyday(a))

    def left(self, t: float, person: Person, *, kept: bool | None = None) -> None:
        """`person` left at `t`; `kept` forces (or rules out) a token that keeps working."""
        for name in person.apps:
            a = self._world.apps[name]
            if a.activity is None or person.key not in a.state.users:
                continue
            roll = self._rng.random() < _KEPT_SHARE
            if roll if kept is None else kept:
                self._token_calls(t, a, person)

    def _next(self, t: float) -> float:
        return self._world.schedule.after(self._rng, t, lambda p: p.activity_gap)

    def _everyday(self, a: Deployment) -> Event:
        people = self._world.population.people

        def act(t: float) -> None:
            users = [people[key] for key in a.state.users if people[key].employed]
            if users and a.activity is not None:
                person = self._rng.choice(users)
                action = ordinary_action(self._rng)
                a.activity.record(t, person.user_name, action)
                if action[1] == "sign_in":
                    self._world.audit.signed_in(t, person, a.app.name)
            self._world.at(self._next(t), act)

        return act

    def _token_calls(self, t: float, a: Deployment, person: Person) -> None:
        """Calls with the leaver's token, well after SCIM disabled the account."""
        self.kept.append((a.app.name, person.user_name))
        reuse = self._world.schedule.pace(t).token_reuse
        when = t + reuse * self._rng.uniform(1.0, 2.0)
        # The Okta session the script rides on outlived the removal too (IdP-level finding).
        self._world.at(when, partial(self._world.audit.signed_in, person=person, app=a.app.name))
        user = person.user_name
        for _ in range(self._rng.randint(*_TOKEN_CALLS)):
            self._world.at(
                when, partial(self._record, a=a, user=user, action=token_action(self._rng))
            )
            when += reuse * self._rng.uniform(0.1, 0.5)

    @staticmethod
    def _record(t: float, *, a: Deployment, user: str, action: tuple[str, str, int]) -> None:
        if a.activity is not None:
            a.activity.record(t, user, action)
