"""How each IdP spells each provisioning step on the wire (scim-wire.md A.2.1, A.2.2, A.2.6).

A dialect only builds requests; the flow around them (look up, then create; retry on 429)
lives in `connector`. The base class speaks plain RFC 7644 and each IdP overrides the steps it
spells differently, so every quirk sits next to the IdP that sends it.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from monitor.demo.population import Person
from monitor.demo.wire import ADSCIM_GROUP, ENTERPRISE, GROUP, PATCH_OP, USER, Json, Request

__all__ = ["DIALECTS", "Dialect"]

_PASSWORD_CHARS = string.ascii_letters + string.digits


def _patch(path: str, *ops: Json) -> Request:
    return Request("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(ops)})


def _eq(attribute: str, value: str) -> str:
    return quote(f'{attribute} eq "{value}"', safe="")


class Dialect:
    """RFC 7644 as written: lower-case ops, paths, booleans, remove by value filter."""

    name: ClassVar[str] = "generic"
    config_idp: ClassVar[str] = "generic"
    user_agent: ClassVar[str] = "scim-client/1.0"
    client_ip: ClassVar[str] = "192.0.2.10"
    reads_before_write: ClassVar[bool] = False
    hard_deletes: ClassVar[bool] = False
    pushes_groups: ClassVar[bool] = True
    pages_imports: ClassVar[bool] = False

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def external_id(self, person: Person) -> str:
        return person.okta_id

    def user(self, person: Person, *, active: bool = True) -> Json:
        """The full representation this IdP keeps for the person."""
        return {
            "schemas": [USER, ENTERPRISE],
            "externalId": self.external_id(person),
            "userName": person.user_name,
            "active": active,
            "displayName": person.display_name,
            "name": {
                "givenName": person.given,
                "familyName": person.family,
                "formatted": person.display_name,
            },
            "emails": [{"value": person.user_name, "type": "work", "primary": True}],
            "title": person.title,
            ENTERPRISE: {"department": person.department, "employeeNumber": person.employee_number},
        }

    def lookup(self, person: Person) -> Request:
        return Request("GET", f"/Users?filter={_eq('userName', person.user_name)}")

    def create(self, person: Person) -> Request:
        return Request("POST", "/Users", self.user(person))

    def read(self, sp_id: str) -> Request:
        return Request("GET", f"/Users/{sp_id}")

    def update(
        self, person: Person, sp_id: str, changed: frozenset[str], manager: str | None
    ) -> Request:
        ops = [{"op": "replace", "path": p, "value": v} for p, v in _changes(person, changed)]
        return _patch(f"/Users/{sp_id}", *ops)

    def set_active(self, person: Person, sp_id: str, active: bool) -> Request:
        return _patch(f"/Users/{sp_id}", {"op": "replace", "path": "active", "value": active})

    def delete(self, sp_id: str) -> Request:
        return Request("DELETE", f"/Users/{sp_id}")

    def find_group(self, name: str) -> Request:
        return Request("GET", f"/Groups?filter={_eq('displayName', name)}")

    def create_group(self, name: str) -> Request:
        return Request("POST", "/Groups", {"schemas": [GROUP], "displayName": name, "members": []})

    def add_member(
        self, group: tuple[str, str], person: Person, sp_id: str, members: Mapping[str, str]
    ) -> Request:
        value = [{"value": sp_id, "display": person.user_name}]
        return _patch(f"/Groups/{group[0]}", {"op": "add", "path": "members", "value": value})

    def remove_member(
        self, group: tuple[str, str], sp_id: str, members: Mapping[str, str]
    ) -> Request:
        return _patch(f"/Groups/{group[0]}", {"op": "remove", "path": _member(sp_id)})

    def import_page(self, start_index: int) -> Request:
        return Request("GET", f"/Users?startIndex={start_index}&count=100")


def _member(sp_id: str) -> str:
    return f'members[value eq "{sp_id}"]'


def _changes(person: Person, changed: frozenset[str]) -> list[tuple[str, Any]]:
    """The attribute paths a profile change touches, with their new values."""
    out: list[tuple[str, Any]] = []
    if "title" in changed:
        out.append(("title", person.title))
    if "family" in changed:
        out += [("name.familyName", person.family), ("displayName", person.display_name)]
    if "department" in changed:
        out += [(f"{ENTERPRISE}:department", person.department), ("title", person.title)]
    if "user_name" in changed:
        emails = [{"value": person.user_name, "type": "work", "primary": True}]
        out += [("userName", person.user_name), ("emails", emails)]
    return out


class OktaOin(Dialect):
    """Okta catalog app: PUT for profiles, no-path PATCH for (de)activation, Group Push."""

    name = "okta_oin"
    config_idp = "okta"
    user_agent = "Okta SCIM Client 1.0.0"
    client_ip = "198.51.100.23"
    reads_before_write = True
    pages_imports = True

    def lookup(self, person: Person) -> Request:
        query = _eq("userName", person.user_name)
        return Request("GET", f"/Users?filter={query}&startIndex=1&count=100")

    def create(self, person: Person) -> Request:
        password = "".join(self._rng.choice(_PASSWORD_CHARS) for _ in range(16))
        body = self.user(person) | {"locale": "en-US", "password": password, "groups": []}
        return Request("POST", "/Users", body)

    def update(
        self, person: Person, sp_id: str, changed: frozenset[str], manager: str | None
    ) -> Request:
        return Request("PUT", f"/Users/{sp_id}", {"id": sp_id} | self.user(person) | {"groups": []})

    def set_active(self, person: Person, sp_id: str, active: bool) -> Request:
        return _patch(f"/Users/{sp_id}", {"op": "replace", "value": {"active": active}})

    def add_member(
        self, group: tuple[str, str], person: Person, sp_id: str, members: Mapping[str, str]
    ) -> Request:
        value = [{"value": sp_id, "display": person.user_name}]
        add = {"op": "add", "path": "members", "value": value}
        return _patch(f"/Groups/{group[0]}", add, _rename(group))

    def remove_member(
        self, group: tuple[str, str], sp_id: str, members: Mapping[str, str]
    ) -> Request:
        remove = {"op": "remove", "path": _member(sp_id)}
        return _patch(f"/Groups/{group[0]}", remove, _rename(group))


def _rename(group: tuple[str, str]) -> Json:
    """Okta repeats the group name, readOnly `id` included, with every membership PATCH."""
    return {"op": "replace", "value": {"id": group[0], "displayName": group[1]}}


class OktaAiw(OktaOin):
    """Okta wizard-built app: everything is PUT, deactivation and group membership included."""

    name = "okta_aiw"

    def set_active(self, person: Person, sp_id: str, active: bool) -> Request:
        return Request("PUT", f"/Users/{sp_id}", {"id": sp_id} | self.user(person, active=active))

    def add_member(
        self, group: tuple[str, str], person: Person, sp_id: str, members: Mapping[str, str]
    ) -> Request:
        return _put_group(group, {**members, sp_id: person.user_name})

    def remove_member(
        self, group: tuple[str, str], sp_id: str, members: Mapping[str, str]
    ) -> Request:
        return _put_group(group, {k: v for k, v in members.items() if k != sp_id})


def _put_group(group: tuple[str, str], members: Mapping[str, str]) -> Request:
    listed = [{"value": k, "display": v} for k, v in members.items()]
    body = {"schemas": [GROUP], "id": group[0], "displayName": group[1], "members": listed}
    return Request("PUT", f"/Groups/{group[0]}", body)


class EntraLegacy(Dialect):
    """Entra without `aadOptscim062020`: capitalised ops, "False", remove-with-value."""

    name = "entra_legacy"
    config_idp = "entra"
    user_agent = "Microsoft Azure AD SCIM provisioning 1.0"
    client_ip = "203.0.113.40"
    hard_deletes = True

    def external_id(self, person: Person) -> str:
        return person.nickname

    def create(self, person: Person) -> Request:
        body = self.user(person) | {"meta": {"resourceType": "User"}, "roles": []}
        return Request("POST", "/Users", body)

    def update(
        self, person: Person, sp_id: str, changed: frozenset[str], manager: str | None
    ) -> Request:
        ops = [{"op": "Replace", "path": p, "value": v} for p, v in _changes(person, changed)]
        if "family" in changed:
            work = 'emails[type eq "work"].value'
            ops.append({"op": "Replace", "path": work, "value": person.user_name})
        if manager is not None:
            ops.append({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager})
        return _patch(f"/Users/{sp_id}", *ops)

    def set_active(self, person: Person, sp_id: str, active: bool) -> Request:
        value = "True" if active else "False"
        return _patch(f"/Users/{sp_id}", {"op": "Replace", "path": "active", "value": value})

    def find_group(self, name: str) -> Request:
        query = f"excludedAttributes=members&filter={_eq('displayName', name)}"
        return Request("GET", f"/Groups?{query}")

    def create_group(self, name: str) -> Request:
        body = {"schemas": [GROUP, ADSCIM_GROUP], "externalId": name.lower(), "displayName": name}
        return Request("POST", "/Groups", body)

    def add_member(
        self, group: tuple[str, str], person: Person, sp_id: str, members: Mapping[str, str]
    ) -> Request:
        value = [{"$ref": None, "value": sp_id}]
        return _patch(f"/Groups/{group[0]}", {"op": "Add", "path": "members", "value": value})

    def remove_member(
        self, group: tuple[str, str], sp_id: str, members: Mapping[str, str]
    ) -> Request:
        value = [{"value": sp_id}]
        return _patch(f"/Groups/{group[0]}", {"op": "Remove", "path": "members", "value": value})


class EntraFlagged(EntraLegacy):
    """Entra with `aadOptscim062020`: lower-case ops, real booleans, one dotted no-path replace."""

    name = "entra_flagged"

    def update(
        self, person: Person, sp_id: str, changed: frozenset[str], manager: str | None
    ) -> Request:
        op = {"op": "replace", "value": dict(_changes(person, changed))}
        return _patch(f"/Users/{sp_id}", op)

    def set_active(self, person: Person, sp_id: str, active: bool) -> Request:
        return Dialect.set_active(self, person, sp_id, active)

    def add_member(
        self, group: tuple[str, str], person: Person, sp_id: str, members: Mapping[str, str]
    ) -> Request:
        value = [{"value": sp_id}]
        return _patch(f"/Groups/{group[0]}", {"op": "add", "path": "members", "value": value})

    def remove_member(
        self, group: tuple[str, str], sp_id: str, members: Mapping[str, str]
    ) -> Request:
        return Dialect.remove_member(self, group, sp_id, members)


class Google(Dialect):
    """Google auto-provisioning: suspend becomes active false, delete becomes DELETE."""

    name = "google"
    config_idp = "google"
    user_agent = "Google-Auto-Provisioning/1.0"
    client_ip = "192.0.2.77"
    hard_deletes = True
    pushes_groups = False

    def external_id(self, person: Person) -> str:
        return person.google_id


DIALECTS: dict[str, type[Dialect]] = {
    d.name: d for d in (OktaOin, OktaAiw, EntraLegacy, EntraFlagged, Google)
}
