"""The classifier: one parsed SCIM exchange (`ScimRequest`) in, one `ScimEvent` out.

    classify(req, app=..., idp=...)
        route.py        method + path   -> resource, operation, addressed id
        outcome.py      status          -> outcome class, status label
        errors.py       error answer    -> scimType, Retry-After
        intent.py       request body    -> lifecycle, group membership, quirks (patch.py, shapes.py)
        fingerprint.py  agent + body    -> IdP, when the app's config does not name one
        bodies.py       lazy JSON decoding of bodies still held as text

Imports only `monitor.events` and orjson. It runs once per log line, so bodies are decoded
only when the answer depends on them (and the decoded value is kept on the request for later
stages), and it never raises: every `ScimRequest` becomes an event, however odd its path or
bodies.
"""

from __future__ import annotations

from monitor.classify.bodies import response_json
from monitor.classify.errors import retry_after_s, scim_type, scim_type_label
from monitor.classify.fingerprint import fingerprint
from monitor.classify.intent import read_intent
from monitor.classify.outcome import outcome, status_label
from monitor.classify.route import route
from monitor.events import Idp, Operation, ScimEvent, ScimRequest

__all__ = ["classify", "scim_type_label", "status_label"]

_CREATE = Operation.CREATE  # bound once: Enum attribute access costs ~0.1 us a time on 3.11


def classify(req: ScimRequest, *, app: str, idp: Idp | None) -> ScimEvent:
    """Classify one request of `app`, whose configured IdP is `idp` (None or generic: guess it)."""
    where = route(req.method.upper(), req.path)
    intent = read_intent(where, req)
    status, headers = req.status, req.response_headers
    # Positional, in ScimEvent's field order: half the cost of keywords on this per-line path.
    # tests/classify pins that order, so a change to monitor.events fails loudly.
    return ScimEvent(
        req.ts,  # ts
        app,  # app
        fingerprint(configured=idp, req=req, where=where, quirks=intent.quirks),  # idp
        req.method,  # method
        where.resource,  # resource
        where.operation,  # operation
        outcome(status),  # outcome
        status,  # status
        _created_id(req) if where.operation is _CREATE else where.sp_id,  # sp_id
        scim_type(response_json(req)) if status >= 400 else None,  # scim_type
        retry_after_s(headers, req.ts) if headers else None,  # retry_after_s
        req.duration_s,  # duration_s
        intent.lifecycle,  # lifecycle
        intent.added,  # members_added
        intent.removed,  # members_removed
        intent.replaced,  # members_replaced
        intent.quirks,  # quirks
        req,  # request
    )


def _created_id(req: ScimRequest) -> str | None:
    """The id the SP assigned on a successful create: the `id` of its response body."""
    if not 200 <= req.status < 300:
        return None
    answer = response_json(req)
    created = answer.get("id") if isinstance(answer, dict) else None
    return created if isinstance(created, str) and created else None
