"""The key values a batch's records will match accounts by, gathered before they are handled.

Twins, recreate churn and the IdP's deprovision requests each ask which accounts of an app
share a name, an externalId or an IdP id; asked one record at a time that was the most
frequent statement of a replay. The values come from what the records carry (the account a write
names, a new account's representation, the person an IdP record names), so they are read for
the whole batch first (`Resources.prefetch_keys`). Gathering more values than the
records end up asking only reads more rows; a value missed here is asked when it comes up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from monitor.classify.bodies import request_json, response_json
from monitor.detect.idp import REMOVAL_OPERATIONS, REMOVE_ACTIONS
from monitor.detect.keys import normalize_key, primary_email
from monitor.detect.matching import EXTERNAL, IDP_ID, NAME, Entry
from monitor.detect.sp_row import SpRow
from monitor.events import Idp, IdpAction, IdpEvent, Operation, Resource, ScimEvent

__all__ = ["idp_accounts", "idp_entries", "scim_accounts", "scim_entries"]

_LISTS = frozenset({Operation.LIST, Operation.SEARCH})
_WRITES = frozenset({Operation.CREATE, Operation.REPLACE, Operation.PATCH, Operation.DELETE})
_SENT = frozenset({Operation.CREATE, Operation.REPLACE})


def scim_accounts(events: Iterable[ScimEvent]) -> Iterator[tuple[str, str]]:
    """(app, id) of the accounts the requests name, and of those a list answer shows."""
    for event in events:
        if event.sp_id is not None:
            yield event.app, event.sp_id
        elif event.operation in _LISTS and event.request is not None and event.status == 200:
            answer = response_json(event.request)
            found = answer.get("Resources") if isinstance(answer, dict) else None
            for rep in found if isinstance(found, list) else ():
                sp_id = rep.get("id") if isinstance(rep, dict) else None
                if isinstance(sp_id, str) and sp_id:
                    yield event.app, sp_id


def scim_entries(
    events: Iterable[ScimEvent], row: Callable[[str, str], SpRow | None]
) -> Iterator[Entry]:
    """Keys of the accounts successful user writes name (`row`: the account by app and id,
    read already; a new one's keys are in the representation it was written with) and of
    accounts a read shows for the first time. A read of a known account asks only when the
    representation changed, which most polling and import reads do not: not gathered."""
    for event in events:
        if event.resource is not Resource.USER or not 200 <= event.status < 300:
            continue
        known = row(event.app, event.sp_id) if event.sp_id else None
        if known is not None:
            if event.operation in _WRITES:
                yield from _row_entries(known)
        elif event.operation not in _LISTS:
            for rep in _representations(event):
                yield from _rep_entries(event.app, rep)


def _row_entries(row: SpRow) -> Iterator[Entry]:
    for name in (row.user_key, row.email_key):
        if name:
            yield row.app, NAME, name
    if row.external_id:
        yield row.app, EXTERNAL, row.external_id


def _representations(event: ScimEvent) -> list[Mapping[str, object]]:
    request = event.request
    if request is None:
        return []
    answer = response_json(request)
    reps: list[Mapping[str, object]] = [answer] if isinstance(answer, dict) else []
    if event.operation in _SENT:
        sent = request_json(request)
        if isinstance(sent, dict):
            reps.append(sent)
    return reps


def _rep_entries(app: str, rep: Mapping[str, object]) -> Iterator[Entry]:
    for name in (normalize_key(rep.get("userName")), primary_email(rep)):
        if name:
            yield app, NAME, name
    external = rep.get("externalId")
    if isinstance(external, str) and external:
        yield app, EXTERNAL, external


def idp_accounts(
    events: Iterable[IdpEvent], app_of: Callable[[str, str | None], str | None]
) -> Iterator[tuple[str, str]]:
    """(app, id) of the accounts Entra's provisioning records name (`target_id`)."""
    for event in events:
        if event.idp is Idp.ENTRA and event.action is IdpAction.PROVISION and event.target_id:
            app = app_of(str(event.idp), event.app_ref)
            if app:
                yield app, event.target_id


def idp_entries(
    events: Iterable[IdpEvent],
    app_of: Callable[[str, str | None], str | None],
    apps_of_person: Callable[[str, str], Iterable[str]],
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
