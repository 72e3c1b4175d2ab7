"""Property: classify never raises, whatever a collector hands it, and its labels stay bounded."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.classify import classify, scim_type_label, status_label
from monitor.classify.errors import SCIM_TYPES
from monitor.events import Idp, Outcome, ScimEvent, ScimRequest

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WORDS = st.sampled_from(
    [
        "op",
        "path",
        "value",
        "Operations",
        "operations",
        "schemas",
        "active",
        "Active",
        "members",
        "id",
        "externalId",
        "password",
        "groups",
        "manager",
        "scimType",
        ENT,
        ENT + ":manager",
        "name.familyName",
        "urn:a:2.0:User:x.y",
        'members[value eq "a" or value eq "b"]',
        'members[value eq "a"].display',
        'emails[type eq "work"].primary',
        "add",
        "Replace",
        "remove",
        "True",
        "FALSE",
        "00ujl29u0le5T6Aj10h7",
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    ]
)
TEXT = WORDS | st.text(max_size=30)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=25,
)
OP = st.dictionaries(st.sampled_from(["op", "path", "value"]) | TEXT, JSON, max_size=4)
PATCH = st.fixed_dictionaries(
    {"Operations": st.lists(OP | JSON, max_size=5) | JSON},
    optional={"schemas": JSON},
)
BODY = (
    JSON
    | PATCH
    | PATCH.map(json.dumps)
    | JSON.map(json.dumps)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
SEGMENT = st.sampled_from(
    [
        "Users",
        "groups",
        "Me",
        "Bulk",
        "ServiceProviderConfigs",
        "ResourceTypes",
        "Schemas",
        ".search",
        "scim",
        "v2",
        "%",
        "%zz",
        "%2F",
        "%E2%82",
        "",
        "?",
    ]
) | st.text(max_size=12)
PATH = st.lists(SEGMENT, max_size=6).map("/".join) | st.text(max_size=40)
HEADERS = st.none() | st.dictionaries(
    st.sampled_from(["retry-after", "Retry-After"]) | st.text(max_size=12),
    st.text(max_size=40)
    | st.integers()
    | st.sampled_from(["1", "Mon, 02 Nov 2026 10:02:00 GMT", "99999999999"]),
    max_size=3,
)
REQUESTS = st.builds(
    ScimRequest,
    ts=st.floats(),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "patch"])
    | st.text(max_size=8),
    path=PATH,
    status=st.integers(),
    query=st.text(max_size=20),
    app=st.none() | st.text(max_size=8),
    duration_s=st.none() | st.floats(),
    user_agent=st.none() | st.sampled_from(["Okta SCIM Client 1.0.0", "Microsoft SCIM"]) | TEXT,
    request_id=st.none() | st.text(max_size=8),
    request_body=BODY,
    response_body=BODY,
    response_headers=HEADERS,
)
# Writes to real resources, so the body readers (PATCH ops, PUT/POST bodies) are reached often.
WRITES = st.builds(
    ScimRequest,
    ts=st.just(0.0),
    method=st.sampled_from(["POST", "PUT", "PATCH"]),
    path=st.sampled_from(["/scim/v2/Users", "/Users/u1", "/Groups", "/v2/Groups/g%201"]),
    status=st.sampled_from([200, 201, 204, 400, 409, 429, 500]),
    user_agent=st.none(),
    request_body=PATCH | PATCH.map(json.dumps) | JSON,
    response_body=JSON,
)


@settings(max_examples=400)
@given(req=REQUESTS | WRITES, idp=st.none() | st.sampled_from(Idp))
def test_classify_never_raises(req: ScimRequest, idp: Idp | None) -> None:
    event = classify(req, app="app", idp=idp)
    assert isinstance(event, ScimEvent)
    assert event.request is req
    assert event.status == req.status
    assert (event.outcome is Outcome.OK) == (req.status < 400)
    assert event.sp_id is None or isinstance(event.sp_id, str)
    assert all(isinstance(member, str) for member in event.members_added + event.members_removed)
    assert status_label(event.status) in {str(s) for s in range(100, 600)} | {"other"}
    assert scim_type_label(event.scim_type) in {*SCIM_TYPES, "none", "other"}
    if idp not in (None, Idp.GENERIC, Idp.UNKNOWN):
        assert idp == event.idp
