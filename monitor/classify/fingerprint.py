"""Which IdP is the SCIM client, when the app's configuration does not say.

The configured IdP always wins. Otherwise the User-Agent decides when it names a vendor (Okta
documents its agent; Entra's is only known from the field, scim-wire A.2.1), and then the
payload: shapes only one vendor sends. A request to a SCIM endpoint that matches nothing is
from a generic SCIM client; anything else is unknown.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.classify.bodies import request_json
from monitor.classify.route import Route
from monitor.events import Idp, Operation, Quirk, Resource, ScimRequest

__all__ = ["fingerprint"]

_AGENTS = (
    ("okta", Idp.OKTA),
    ("microsoft azure ad scim", Idp.ENTRA),
    ("azure active directory", Idp.ENTRA),
    ("google", Idp.GOOGLE),
    ("onelogin", Idp.ONELOGIN),
    ("jumpcloud", Idp.JUMPCLOUD),
)
_ENTRA_QUIRKS = frozenset(
    {
        Quirk.CAPITALIZED_OP,
        Quirk.STRING_BOOLEAN,
        Quirk.ADSCIM_GROUP_SCHEMA,
        Quirk.DOTTED_KEY_NO_PATH,
    }
)
_OKTA_USER_ID = re.compile(r"00u[A-Za-z0-9]{17}")
_CONFIGURABLE = frozenset(Idp) - {Idp.UNKNOWN}  # `generic` in the config pins it too
_FULL_BODIES = frozenset({Operation.CREATE, Operation.REPLACE})


def fingerprint(
    *, configured: Idp | None, req: ScimRequest, where: Route, quirks: frozenset[Quirk]
) -> Idp:
    """The IdP behind `req`, routed to `where` and carrying `quirks`."""
    if configured is not None and configured in _CONFIGURABLE:
        return configured
    agent = req.user_agent
    by_agent = _by_agent(agent) if isinstance(agent, str) else None
    if by_agent is not None:
        return by_agent
    if quirks and not quirks.isdisjoint(_ENTRA_QUIRKS):
        return Idp.ENTRA
    if _looks_like_okta(where, req, quirks):
        return Idp.OKTA
    if where.resource is Resource.OTHER and where.operation is not Operation.SEARCH:
        return Idp.UNKNOWN
    return Idp.GENERIC


@lru_cache(maxsize=256)
def _by_agent(user_agent: str) -> Idp | None:
    """Vendor named by a User-Agent; cached because a client sends the same one every time."""
    agent = user_agent.lower()
    for needle, idp in _AGENTS:
        if needle in agent:
            return idp
    if "microsoft" in agent and "scim" in agent:
        return Idp.ENTRA
    return None


def _looks_like_okta(where: Route, req: ScimRequest, quirks: frozenset[Quirk]) -> bool:
    """Okta-only shapes: its user ids as externalId, `password` + `groups: []` on create, and a
    no-path group replace repeating the read-only `id` (scim-wire A.2.2)."""
    if Quirk.READONLY_ID_IN_VALUE in quirks and where.resource is Resource.GROUP:
        return True
    if where.resource is not Resource.USER or where.operation not in _FULL_BODIES:
        return False
    body = request_json(req)  # already decoded by the intent reader
    if not isinstance(body, dict):
        return False
    external_id = body.get("externalId")
    if isinstance(external_id, str) and _OKTA_USER_ID.fullmatch(external_id):
        return True
    return where.operation is Operation.CREATE and "password" in body and body.get("groups") == []
