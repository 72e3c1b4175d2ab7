"""The provisioning flows an IdP runs against one app, as generators of requests.

Each flow yields a request, receives the response, and decides what to send next (look up,
then create or link; read before a PUT; find or create the group before adding a member).
Writing them as generators keeps one flow readable top to bottom while the simulation sends
one request per event, so log lines are stamped in time order.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass, field

from monitor.demo.dialects import Dialect
from monitor.demo.population import Person, Population
from monitor.demo.wire import Job, Json, Request, Response

__all__ = ["AppState", "Flows"]

_Sub = Generator[Request, Response, str | None]


@dataclass(slots=True)
class AppState:
    """What the IdP remembers about one app: the SP ids it linked and the groups it pushes."""

    users: dict[int, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    seen_ids: list[str] = field(default_factory=list)

    def link(self, key: int, sp_id: str) -> None:
        self.users[key] = sp_id
        self.seen_ids.append(sp_id)


def _first(response: Response) -> Json | None:
    """The first resource of a ListResponse, or None when there is none."""
    if response.status != 200 or response.body is None:
        return None
    resources = response.body.get("Resources") or []
    return resources[0] if resources else None


def _ok(response: Response) -> bool:
    return 200 <= response.status < 300


class Flows:
    """Builds the jobs one IdP connection runs against one app."""

    def __init__(self, dialect: Dialect, state: AppState, population: Population) -> None:
        self._d = dialect
        self._state = state
        self._people = population

    def provision(self, person: Person) -> Job:
        """Hire or re-hire: reactivate a known identity, else match by userName or create."""
        sp_id = self._state.users.get(person.key)
        if sp_id is not None:
            yield from self._write(sp_id, self._d.set_active(person, sp_id, True))
        else:
            sp_id = yield from self._match_or_create(person)
        if sp_id is not None:
            yield from self._join(person, sp_id, person.department)

    def update(self, person: Person, changed: frozenset[str], old_department: str | None) -> Job:
        """Push a profile change; a department move also moves the group membership."""
        sp_id = self._state.users.get(person.key)
        if sp_id is None:
            return
        manager = None
        if "department" in changed and person.manager is not None:
            manager = self._state.users.get(person.manager)
        yield from self._write(sp_id, self._d.update(person, sp_id, changed, manager))
        # Group membership is a separate object write in every IdP: it goes out either way.
        if old_department is not None:
            yield from self._leave(sp_id, old_department)
            yield from self._join(person, sp_id, person.department)

    def recreate(self, old: Person, person: Person) -> Job:
        """An Okta-style username change: deactivate the account under the old name (`old`),
        then create one under the new name with the same externalId, and move the group."""
        sp_id = self._state.users.get(person.key)
        if sp_id is None:
            return
        if not (yield from self._write(sp_id, self._d.set_active(old, sp_id, False))):
            return
        yield from self._leave(sp_id, person.department)
        response = yield self._d.create(person)
        if response.status == 201 and response.body is not None:
            new_id = str(response.body["id"])
            self._state.link(person.key, new_id)
            yield from self._join(person, new_id, person.department)

    def disable(self, person: Person) -> Job:
        sp_id = self._state.users.get(person.key)
        if sp_id is not None:
            yield from self._write(sp_id, self._d.set_active(person, sp_id, False))

    def delete(self, person: Person) -> Job:
        sp_id = self._state.users.get(person.key)
        if sp_id is None:
            return
        response = yield self._d.delete(sp_id)
        if response.status in (204, 404):
            del self._state.users[person.key]
            for members in self._state.members.values():
                members.pop(sp_id, None)

    def full_import(self) -> Job:
        """Okta's import: page through /Users, then list /Groups."""
        start = 1
        while True:
            response = yield self._d.import_page(start)
            if response.status != 200 or response.body is None:
                return
            start += 100
            if start > int(response.body.get("totalResults", 0)):
                break
        yield Request("GET", "/Groups?startIndex=1&count=100")

    def background(self, rng: random.Random) -> Request | None:
        """A read with no follow-up: re-checking a user, a matching probe, a group check."""
        roll = rng.random()
        if roll < 0.08 and self._d.pushes_groups and self._state.groups:
            return self._d.find_group(rng.choice(sorted(self._state.groups)))
        if roll < 0.35 and self._state.users:
            key = rng.choice(list(self._state.users))
            return self._d.lookup(self._people.people[key])
        if self._state.seen_ids:
            return self._d.read(rng.choice(self._state.seen_ids))
        return None

    def _match_or_create(self, person: Person) -> _Sub:
        found = _first((yield self._d.lookup(person)))
        if found is not None:
            sp_id = str(found["id"])
            self._state.link(person.key, sp_id)
            if found.get("active") is False:
                yield from self._write(sp_id, self._d.set_active(person, sp_id, True))
            return sp_id
        response = yield self._d.create(person)
        if response.status != 201 or response.body is None:
            return None
        sp_id = str(response.body["id"])
        self._state.link(person.key, sp_id)
        return sp_id

    def _write(self, sp_id: str, request: Request) -> Generator[Request, Response, bool]:
        """Send a user write; IdPs that replace whole objects read the resource first."""
        if request.method == "PUT" and self._d.reads_before_write:
            read = yield self._d.read(sp_id)
            if read.status != 200:
                return False
        return _ok((yield request))

    def _group(self, name: str) -> _Sub:
        if name in self._state.groups:
            return self._state.groups[name]
        found = _first((yield self._d.find_group(name)))
        if found is None:
            created = yield self._d.create_group(name)
            if created.status != 201 or created.body is None:
                return None
            found = created.body
        group_id = str(found["id"])
        self._state.groups[name] = group_id
        self._state.members.setdefault(group_id, {})
        return group_id

    def _join(self, person: Person, sp_id: str, department: str) -> Job:
        if not self._d.pushes_groups:
            return
        group_id = yield from self._group(department)
        if group_id is None:
            return
        members = self._state.members[group_id]
        if sp_id in members:
            return  # a re-hire who never left the group
        request = self._d.add_member((group_id, department), person, sp_id, members)
        if _ok((yield request)):
            members[sp_id] = person.user_name

    def _leave(self, sp_id: str, department: str) -> Job:
        group_id = self._state.groups.get(department)
        if group_id is None or not self._d.pushes_groups:
            return
        members = self._state.members[group_id]
        if sp_id not in members:
            return
        if _ok((yield self._d.remove_member((group_id, department), sp_id, members))):
            del members[sp_id]
