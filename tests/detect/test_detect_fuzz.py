"""Property: detection never raises on what the classifier lets through, whatever shapes the
bodies take (ids that are numbers, emails that are not lists, `Resources` that is an object,
PATCHes of anything), so no well-formed record is ever skipped for a detector bug.

The guard (`monitor/detect/guard.py`) keeps a batch going when a record raises; this test is
what keeps such records from existing in the first place. Sequences run against one account
space so that later requests meet what earlier ones stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from classify.test_classify_fuzz import JSON, PATCH, TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.classify import classify
from monitor.detect.correlate import Correlator
from monitor.detect.idp import AppIndex
from monitor.events import ActivityRecord, Idp, Record, ScimEvent, ScimRequest
from monitor.store import SqlStore

IDS = st.sampled_from(["u1", "u2", "g1"])
ID = IDS | st.integers() | st.none() | TEXT
NAME = st.sampled_from(["ann@corp.test", "ANN@corp.test", "bob@corp.test"]) | JSON
EMAILS = (
    st.lists(
        st.fixed_dictionaries({"value": NAME}, optional={"primary": JSON, "type": JSON}) | JSON,
        max_size=3,
    )
    | JSON
)
USER = st.fixed_dictionaries(
    {"id": ID},
    optional={
        "userName": NAME,
        "externalId": st.sampled_from(["00u1", "00u2"]) | JSON,
        "active": st.booleans() | JSON,
        "emails": EMAILS,
        "displayName": NAME,
        "members": JSON,
        "schemas": JSON,
        "name": JSON,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": JSON,
    },
)
LISTING = st.fixed_dictionaries(
    {"Resources": st.lists(USER | JSON, max_size=3) | JSON},
    optional={"totalResults": JSON, "schemas": JSON},
)
EXCHANGE = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    st.sampled_from(["/Users", "/Users/u1", "/Users/u2", "/Groups/g1", "/Users/.search"]),
    st.sampled_from([200, 201, 204, 400, 404, 409, 429]),
    st.none() | USER | PATCH | JSON,  # request body
    st.none() | USER | LISTING | JSON,  # response body
    st.sampled_from(["", "attributes=userName", 'filter=userName eq "ann"']),
)
ACTIVITY = st.tuples(st.just("activity"), NAME.filter(lambda n: isinstance(n, str)))
STEPS = st.lists(EXCHANGE | ACTIVITY, min_size=1, max_size=8)
_APPS = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    yield store
    store.close()


def _records(app: str, steps: list[tuple[object, ...]]) -> list[ScimEvent | Record]:
    items: list[ScimEvent | Record] = []
    for n, step in enumerate(steps):
        ts = 1_767_225_600.0 + n
        if step[0] == "activity":
            items.append(
                ActivityRecord(
                    ts=ts, app=app, user=str(step[1]), auth="sso", action="read", status=200
                )
            )
            continue
        method, path, status, sent, answer, query = step
        request = ScimRequest(
            ts=ts,
            method=str(method),
            path="/scim/v2" + str(path),
            status=int(str(status)),
            query=str(query),
            user_agent=None,
            request_body=sent,
            response_body=answer,
        )
        items.append(classify(request, app=app, idp=Idp.OKTA))
    return items


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, up_front=st.booleans())
def test_detection_never_raises(
    store: SqlStore, steps: list[tuple[object, ...]], up_front: bool
) -> None:
    app = f"fuzz{next(_APPS)}"  # each example its own app: no state leaks between examples
    items = _records(app, steps)
    with store.transaction() as conn:
        correlator = Correlator(conn, AppIndex({}, {"okta": [app]}))
        if up_front:
            correlator.handle_all(items)
        else:
            for item in items:
                correlator.handle(item)
        correlator.finish()
