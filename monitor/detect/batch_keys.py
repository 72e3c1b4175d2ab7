"""What a batch's records will look accounts and removals up by, gathered before they are
handled.

Twins, recreate churn and the IdP's deprovision requests each ask which accounts of an app
share a name, an externalId or an IdP id; a new account asks whether its person was removed
already. Asked one record at a time these were the most frequent statements of a replay (on
PostgreSQL each is a round trip). The values come from what the records carry (the accounts
they name, a new account's representation, the person an IdP record names), so they are read
for the whole batch first (`Resources.prefetch`, `Resources.prefetch_keys`,
`NoRemovals.prefetch`). Gathering more values than the records end up asking only reads
more; a value missed here is asked when it comes up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

from monitor.classify.bodies import request_json, response_json
from monitor.detect.idp import REMOVAL_OPERATIONS, REMOVE_ACTIONS
from monitor.detect.keys import normalize_key, primary_email
from monitor.detect.matching import EXTERNAL, IDP_ID, NAME, Entry
from monitor.detect.no_removals import ID, KEY
from monitor.detect.scim import IDENTITY_KEYS
from monitor.detect.sp_row import SpRow
from monitor.events import Idp, IdpAction, IdpEvent, Lifecycle, Operation, Resource, ScimEvent

__all__ = [
    "Identity",
    "appearing",
    "idp_accounts",
    "idp_entries",
    "new_accounts",
    "new_entries",
    "removed_accounts",
    "scim_accounts",
    "scim_entries",
]

Row = Callable[[str, str], SpRow | None]  # an account by app and id, read already
AppOf = Callable[[str, str | None], str | None]  # the app an IdP's reference names
_LISTS = frozenset({Operation.LIST, Operation.SEARCH})
_WRITES = frozenset({Operation.CREATE, Operation.REPLACE, Operation.PATCH, Operation.DELETE})
_SENT = frozenset({Operation.CREATE, Operation.REPLACE})
_REMOVALS = frozenset({Lifecycle.DISABLE, Lifecycle.DELETE})


class Identity(NamedTuple):
    """What a new account will be stored with that links it to a person."""

    app: str
    external_id: str | None
    user_key: str | None
    email_key: str | None


def scim_accounts(events: Iterable[ScimEvent]) -> Iterator[tuple[str, str]]:
    """(app, id) of the accounts the requests name, and of those a list answer shows."""
    for event in events:
        if event.sp_id is not None:
            yield event.app, event.sp_id
        else:
            for rep in _listed(event):
                sp_id = rep.get("id")
                if isinstance(sp_id, str) and sp_id:
                    yield event.app, sp_id


def removed_accounts(events: Iterable[ScimEvent]) -> Iterator[tuple[str, str]]:
    """(app, id) of the accounts the requests deactivate or delete: each records removal
    evidence and asks for the account's earliest."""
    for event in events:
        if event.sp_id and (event.lifecycle in _REMOVALS or event.operation is Operation.DELETE):
            yield event.app, event.sp_id


def new_accounts(events: Iterable[ScimEvent], row: Row) -> list[Identity]:
    """The user accounts successful requests show with an id not stored yet (each asks for
    twins and for a removal of its person), from the representation they are stored with."""
    found = []
    for event in events:
        if event.resource is not Resource.USER or not 200 <= event.status < 300:
            continue
        if event.operation in _LISTS:
            reps = [r for r in _listed(event) if _new(row, event.app, r.get("id"))]
        else:
            reps = [_written(event)] if _new(row, event.app, event.sp_id) else []
        found += [_identity(event.app, rep) for rep in reps]
    return found


def _listed(event: ScimEvent) -> list[Mapping[str, object]]:
    """The representations of a successful list or search answer."""
    if event.operation not in _LISTS or event.request is None or event.status != 200:
        return []
    answer = response_json(event.request)
    found = answer.get("Resources") if isinstance(answer, dict) else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _written(event: ScimEvent) -> Mapping[str, object]:
    """The answer, its identity filled in from what a create or replace sent."""
    if event.request is None:
        return {}
    answer = response_json(event.request)
    rep: Mapping[str, object] = answer if isinstance(answer, dict) else {}
    sent = request_json(event.request) if event.operation in _SENT else None
    if isinstance(sent, dict):
        rep = {**{k: sent[k] for k in IDENTITY_KEYS if k in sent}, **rep}
    return rep


def _new(row: Row, app: str, sp_id: object) -> bool:
    return not isinstance(sp_id, str) or not sp_id or row(app, sp_id) is None


def _identity(app: str, rep: Mapping[str, object]) -> Identity:
    external = rep.get("externalId")
    return Identity(
        app,
        external if isinstance(external, str) and external else None,
        normalize_key(rep.get("userName")),
        primary_email(rep),
    )


def appearing(
    new: Iterable[Identity], facts: Iterable[IdpEvent], row: Row, app_of: AppOf
) -> Iterator[tuple[bool, str]]:
    """User ids (ID) and keys (KEY) of the accounts the batch may see for the first time,
    each of which asks whether its person was removed already (`NoRemovals`): the new
    accounts SCIM shows, and the accounts Entra's provisioning records name."""
    for one in new:
        if one.external_id:
            yield ID, one.external_id
        yield from _keys(one.user_key, one.email_key)
    for app, sp_id, fact in _entra_targets(facts, app_of):
        known = row(app, sp_id)
        if known is None or known.idp_user_id != fact.user_id:
            yield ID, str(fact.user_id)
            if known is None:
                yield from _keys(normalize_key(fact.user_name))
            else:
                yield from _keys(known.user_key, known.email_key)
                if known.external_id:
                    yield ID, known.external_id


def _keys(*keys: str | None) -> Iterator[tuple[bool, str]]:
    return ((KEY, k) for k in keys if k is not None)


def new_entries(new: Iterable[Identity]) -> Iterator[Entry]:
    """Key entries of the new accounts (twins, and churn for a create)."""
    for one in new:
        for name in (one.user_key, one.email_key):
            if name:
                yield one.app, NAME, name
        if one.external_id:
            yield one.app, EXTERNAL, one.external_id


def scim_entries(events: Iterable[ScimEvent], row: Row) -> Iterator[Entry]:
    """Key entries of the known accounts successful user writes name (twins, churn after a
    removal). A read of a known account asks only when the representation changed, which
    most polling and import reads do not: not gathered."""
    for event in events:
        if event.resource is not Resource.USER or not 200 <= event.status < 300:
            continue
        known = row(event.app, event.sp_id) if event.sp_id else None
        if known is not None and event.operation in _WRITES:
            for name in (known.user_key, known.email_key):
                if name:
                    yield known.app, NAME, name
            if known.external_id:
                yield known.app, EXTERNAL, known.external_id


def idp_accounts(events: Iterable[IdpEvent], app_of: AppOf) -> Iterator[tuple[str, str]]:
    """(app, id) of the accounts Entra's provisioning records name (`target_id`)."""
    return ((app, sp_id) for app, sp_id, _ in _entra_targets(events, app_of))


def _entra_targets(
    events: Iterable[IdpEvent], app_of: AppOf
) -> Iterator[tuple[str, str, IdpEvent]]:
    for event in events:
        if (
            event.idp is Idp.ENTRA
            and event.action is IdpAction.PROVISION
            and event.target_id
            and event.user_id
            and event.success is not False
        ):
            app = app_of(str(event.idp), event.app_ref)
            if app:
                yield app, event.target_id, event


def idp_entries(
    events: Iterable[IdpEvent], app_of: AppOf, apps_of_person: Callable[[str, str], Iterable[str]]
) -> Iterator[Entry]:
    """Keys of the people whose removal, unassignment or deprovisioning a batch records, in
    each app that will be asked for their accounts (`app_of`: the app an IdP's reference
    names; `apps_of_person`: the apps an IdP provisions a person to)."""
    for event in events:
        if not event.user_id or event.success is False:
            continue
        idp = str(event.idp)
        if event.action in REMOVE_ACTIONS:
            apps: Iterable[str] = apps_of_person(idp, event.user_id)
        elif event.action is IdpAction.UNASSIGN or _deprovisioned(event):
            app = app_of(idp, event.app_ref)
            apps = (app,) if app else ()
        else:
            continue
        user_key = normalize_key(event.user_name)
        for app in apps:
            if user_key:
                yield app, NAME, user_key
            yield app, EXTERNAL, event.user_id
            yield app, IDP_ID, event.user_id


def _deprovisioned(event: IdpEvent) -> bool:
    """The IdP's record of a successful removal in an app, which looks up the account."""
    return (
        event.action is IdpAction.PROVISION
        and bool(event.success)
        and (event.operation or "").casefold() in REMOVAL_OPERATIONS
    )
