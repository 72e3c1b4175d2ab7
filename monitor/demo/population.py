"""The demo's workforce: people who are hired, change jobs, leave and come back.

The IdP side of the simulation. Each person carries the identifiers every IdP would assign
(Okta user id, Entra object id, Google numeric id) so each dialect can send its own
`externalId`; which apps a person is assigned to is fixed at first hire.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEPARTMENTS", "Person", "Population"]

_GIVEN = (
    "Amara", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jonas",
    "Kemal", "Lucia", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Viktor", "Wanda", "Ximena", "Yusuf", "Zofia", "Aiko", "Bjorn", "Carmen", "Dmitri",
    "Elin", "Felix", "Greta", "Hugo", "Ines", "Jamal", "Kira", "Leon", "Mina", "Noor",
)  # fmt: skip
_FAMILY = (
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Ferreira", "Gallo", "Haddad", "Ito",
    "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quiroga",
    "Rossi", "Sato", "Tanaka", "Ulloa", "Varga", "Weber", "Xu", "Yilmaz", "Zeller", "Alves",
    "Brennan", "Castillo", "Demir",
)  # fmt: skip
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "Engineering": ("Software Engineer", "Staff Engineer", "SRE", "Engineering Manager"),
    "Sales": ("Account Executive", "Sales Engineer", "Sales Manager"),
    "Finance": ("Accountant", "Controller", "Financial Analyst"),
    "Support": ("Support Agent", "Support Lead"),
    "Marketing": ("Content Writer", "Product Marketer", "Designer"),
    "Legal": ("Counsel", "Paralegal"),
    "People": ("Recruiter", "HR Partner"),
}
_B62 = string.ascii_letters + string.digits


@dataclass(slots=True)
class Person:
    """One employee as the IdPs see them; mutable because profiles change."""

    key: int
    given: str
    family: str
    user_name: str
    department: str
    title: str
    employee_number: str
    okta_id: str
    entra_id: str
    google_id: str
    apps: tuple[str, ...]
    manager: int | None
    employed: bool = True
    left_at: float | None = None

    @property
    def display_name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def nickname(self) -> str:
        """Entra's mailNickname, the `externalId` Microsoft's own example matches on."""
        return self.user_name.partition("@")[0]


class Population:
    """Everyone ever hired, with the random choices the IdP admins make about them."""

    def __init__(self, rng: random.Random, app_names: Sequence[str]) -> None:
        self._rng = rng
        self._apps = tuple(app_names)
        self.people: list[Person] = []
        self._taken: set[str] = set()

    def hire(self) -> Person:
        """A brand-new person, assigned to a random subset of the apps (at least one)."""
        rng = self._rng
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        department = rng.choice(list(DEPARTMENTS))
        person = Person(
            key=len(self.people),
            given=given,
            family=family,
            user_name=self._user_name(given, family),
            department=department,
            title=rng.choice(DEPARTMENTS[department]),
            employee_number=str(20_000 + len(self.people)),
            okta_id="00u" + "".join(rng.choice(_B62) for _ in range(17)),
            entra_id=f"{rng.getrandbits(128):032x}",
            google_id=str(rng.randrange(10**20, 10**21)),
            apps=self._assign(),
            manager=self._manager_for(department),
        )
        self.people.append(person)
        return person

    def employees(self) -> list[Person]:
        return [p for p in self.people if p.employed]

    def pick(self, *, employed: bool) -> Person | None:
        pool = [p for p in self.people if p.employed is employed]
        return self._rng.choice(pool) if pool else None

    def change_profile(self, person: Person) -> frozenset[str]:
        """A title change or a marriage-style family-name change; returns what changed."""
        if self._rng.random() < 0.7:
            person.title = self._rng.choice(DEPARTMENTS[person.department])
            return frozenset({"title"})
        person.family = self._rng.choice(_FAMILY)
        return frozenset({"family"})

    def rename(self, person: Person, rng: random.Random) -> None:
        """A family-name change that changes the login name too (a new userName and email)."""
        person.family = rng.choice([f for f in _FAMILY if f != person.family])
        person.user_name = self._user_name(person.given, person.family)

    def move(self, person: Person) -> str:
        """Move to another department, with a new title and manager; returns the old one."""
        old = person.department
        person.department = self._rng.choice([d for d in DEPARTMENTS if d != old])
        person.title = self._rng.choice(DEPARTMENTS[person.department])
        person.manager = self._manager_for(person.department, exclude=person.key)
        return old

    def _user_name(self, given: str, family: str) -> str:
        base = f"{given}.{family}".lower()
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}{n}"
        self._taken.add(name)
        return f"{name}@example.com"

    def _assign(self) -> tuple[str, ...]:
        chosen = tuple(a for a in self._apps if self._rng.random() < 0.7)
        return chosen or (self._rng.choice(self._apps),)

    def _manager_for(self, department: str, exclude: int = -1) -> int | None:
        peers = [
            p.key
            for p in self.people
            if p.employed and p.department == department and p.key != exclude
        ]
        return self._rng.choice(peers[:5]) if peers else None
