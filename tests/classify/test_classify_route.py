"""Routing: the SCIM endpoint is found at the end of any base path."""

from __future__ import annotations

import pytest

from monitor.classify.route import Route, route
from monitor.events import Operation as Op
from monitor.events import Resource as Res


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/scim/v2/Users", Route(Res.USER, Op.CREATE)),
        ("GET", "/api/scim/v2/Users/abc", Route(Res.USER, Op.GET, "abc")),
        ("GET", "/scim/Users", Route(Res.USER, Op.LIST)),
        ("PATCH", "/v2/tenant-a/Groups/x", Route(Res.GROUP, Op.PATCH, "x")),
        ("PUT", "/Users/abc", Route(Res.USER, Op.REPLACE, "abc")),
        ("DELETE", "/Groups/g1", Route(Res.GROUP, Op.DELETE, "g1")),
        ("GET", "/scim/v2/Users?filter=userName%20eq%20%22a%22", Route(Res.USER, Op.LIST)),
        ("GET", "/scim/v2/users", Route(Res.USER, Op.LIST)),
        ("GET", "/SCIM/V2/GROUPS/g1", Route(Res.GROUP, Op.GET, "g1")),
        ("GET", "/Users/abc/", Route(Res.USER, Op.GET, "abc")),
        ("GET", "//scim//v2//Users//abc//", Route(Res.USER, Op.GET, "abc")),
        ("GET", "/Users/", Route(Res.USER, Op.LIST)),
        ("PATCH", "/scim/Users/5171a3?aadOptscim062020", Route(Res.USER, Op.PATCH, "5171a3")),
    ],
)
def test_base_paths_and_case(method: str, path: str, expected: Route) -> None:
    assert expected == route(method, path)


def test_percent_encoded_id_is_decoded_and_slash_stays_inside() -> None:
    assert Route(Res.USER, Op.GET, "a b/c@x") == route("GET", "/Users/a%20b%2Fc%40x")


@pytest.mark.parametrize("name", ["Users", "Groups", "Me", "Bulk", "Schemas", ".SEARCH2"])
def test_id_segment_named_like_an_endpoint(name: str) -> None:
    assert Route(Res.USER, Op.DELETE, name) == route("DELETE", f"/scim/v2/Users/{name}")
    assert Route(Res.GROUP, Op.GET, name) == route("GET", f"/Groups/{name}")


def test_endpoint_named_base_path_segment_then_collection() -> None:
    """The last endpoint wins when it is not preceded by one that takes an id."""
    assert Route(Res.GROUP, Op.LIST) == route("GET", "/tenants/Bulk/Groups")
    assert Route(Res.GROUP, Op.LIST) == route("GET", "/Users/u1/x/Groups")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/scim/v2/ServiceProviderConfig", Route(Res.DISCOVERY, Op.GET)),
        ("GET", "/ServiceProviderConfigs", Route(Res.DISCOVERY, Op.GET)),
        ("GET", "/ResourceTypes", Route(Res.DISCOVERY, Op.GET)),
        ("GET", "/ResourceTypes/User", Route(Res.DISCOVERY, Op.GET)),
        (
            "GET",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            Route(Res.DISCOVERY, Op.GET),
        ),
        ("PUT", "/Schemas", Route(Res.DISCOVERY, Op.OTHER)),
        ("POST", "/ServiceProviderConfig", Route(Res.DISCOVERY, Op.OTHER)),
        ("POST", "/scim/v2/Bulk", Route(Res.BULK, Op.BULK)),
        ("GET", "/scim/v2/Bulk", Route(Res.BULK, Op.OTHER)),
        ("POST", "/Bulk/x", Route(Res.OTHER, Op.OTHER)),
        ("POST", "/Users/.search", Route(Res.USER, Op.SEARCH)),
        ("POST", "/Groups/.search/", Route(Res.GROUP, Op.SEARCH)),
        ("POST", "/scim/v2/.search", Route(Res.OTHER, Op.SEARCH)),
        ("GET", "/Users/.search", Route(Res.USER, Op.OTHER)),
        ("GET", "/scim/v2/Me", Route(Res.USER, Op.GET)),
        ("DELETE", "/Me", Route(Res.USER, Op.DELETE)),
    ],
)
def test_discovery_bulk_search_me(method: str, path: str, expected: Route) -> None:
    assert expected == route(method, path)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("HEAD", "/Users", Route(Res.USER, Op.OTHER)),
        ("OPTIONS", "/Users/abc", Route(Res.USER, Op.OTHER, "abc")),
        ("POST", "/Users/abc", Route(Res.USER, Op.OTHER, "abc")),
        ("DELETE", "/Users", Route(Res.USER, Op.OTHER)),
        ("PATCH", "/Groups", Route(Res.GROUP, Op.OTHER)),
        ("GET", "/Users/abc/extra", Route(Res.OTHER, Op.OTHER)),
        ("GET", "/healthz", Route(Res.OTHER, Op.OTHER)),
        ("GET", "", Route(Res.OTHER, Op.OTHER)),
        ("GET", "/", Route(Res.OTHER, Op.OTHER)),
        ("GET", "?", Route(Res.OTHER, Op.OTHER)),
    ],
)
def test_anything_else_is_other(method: str, path: str, expected: Route) -> None:
    assert expected == route(method, path)
