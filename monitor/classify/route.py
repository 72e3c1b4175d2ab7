"""Where a request goes: SCIM resource, operation and addressed id, from method and path.

Service providers mount SCIM under any base path (`/scim/v2`, `/api/scim/v2`, `/v2/tenant-a`,
nothing at all), so the route is read from the end of the path: the SCIM endpoint segment,
then at most one id segment (or `.search`). Anything after that is not SCIM we understand.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

from monitor.events import Operation, Resource

__all__ = ["Route", "route"]


class Route(NamedTuple):
    """The parts of a request line the classifier needs."""

    resource: Resource
    operation: Operation
    sp_id: str | None = None


_ENDPOINTS: dict[str, Resource] = {
    "users": Resource.USER,
    "groups": Resource.GROUP,
    "me": Resource.USER,
    "bulk": Resource.BULK,
    "serviceproviderconfig": Resource.DISCOVERY,
    "serviceproviderconfigs": Resource.DISCOVERY,
    "resourcetypes": Resource.DISCOVERY,
    "schemas": Resource.DISCOVERY,
}
_RESOURCE_ITEM = {
    "GET": Operation.GET,
    "PUT": Operation.REPLACE,
    "PATCH": Operation.PATCH,
    "DELETE": Operation.DELETE,
}
_RESOURCE_COLLECTION = {"POST": Operation.CREATE, "GET": Operation.LIST}
_READ_ONLY = {"GET": Operation.GET}
# Endpoints whose next segment is an id (`/Schemas/{urn}` and `/ResourceTypes/User` too) and
# the operations on such an item; `/Me` is an item without an id.
_ON_ITEM = {
    "users": _RESOURCE_ITEM,
    "groups": _RESOURCE_ITEM,
    "me": _RESOURCE_ITEM,
    "schemas": _READ_ONLY,
    "resourcetypes": _READ_ONLY,
}
_ON_COLLECTION = {
    "users": _RESOURCE_COLLECTION,
    "groups": _RESOURCE_COLLECTION,
    "bulk": {"POST": Operation.BULK},
    "serviceproviderconfig": _READ_ONLY,
    "serviceproviderconfigs": _READ_ONLY,
    "resourcetypes": _READ_ONLY,
    "schemas": _READ_ONLY,
}
_WITH_ID = frozenset(_ON_ITEM) - {"me"}
_KEEPS_ID = frozenset({"users", "groups"})  # a schema URN or type name is no provisioned id
_SEARCH = ".search"


def _table(on: dict[str, dict[str, Operation]]) -> dict[tuple[str, str], Route]:
    return {
        (name, method): Route(_ENDPOINTS[name], operation)
        for name, operations in on.items()
        for method, operation in operations.items()
    }


# Routes are built here once; per line, `route` only looks them up (and adds the id).
_ITEMS = _table(_ON_ITEM)
_COLLECTIONS = _table(_ON_COLLECTION)
_SEARCHES = {
    name: Route(_ENDPOINTS.get(name, Resource.OTHER), Operation.SEARCH)
    for name in ("users", "groups", "me", "")
}
_OTHER_METHOD = {name: Route(resource, Operation.OTHER) for name, resource in _ENDPOINTS.items()}
_OTHER = Route(Resource.OTHER, Operation.OTHER)


def route(method: str, path: str) -> Route:
    """Route upper-case `method` on `path` (query string allowed); odd shapes give OTHER."""
    head, _, segment = path.partition("?")[0].rstrip("/").rpartition("/")
    last = segment.lower()
    before = head.rstrip("/").rpartition("/")[2].lower()
    if before in _WITH_ID and last != _SEARCH:
        found = _ITEMS.get((before, method)) or _OTHER_METHOD[before]
        if before not in _KEEPS_ID:
            return found
        return Route(
            found.resource, found.operation, unquote(segment) if "%" in segment else segment
        )
    if last == _SEARCH:
        search = _SEARCHES.get(before, _SEARCHES[""]) if method == "POST" else None
        return search or _OTHER_METHOD.get(before, _OTHER)
    if last == "me":
        return _ITEMS.get((last, method)) or _OTHER_METHOD[last]
    return _COLLECTIONS.get((last, method)) or _OTHER_METHOD.get(last, _OTHER)
