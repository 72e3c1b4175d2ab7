"""IdP audit normalizers: one raw `IdpRecord` in, the `IdpEvent` facts it states out.

    normalize(record)                       dispatch on record.kind (set by the collectors)
        okta.py     okta_system_log          LogEvent                   -> one event
        entra.py    entra_provisioning_log   provisioningObjectSummary  -> one PROVISION event
                    entra_directory_audit    directoryAudit             -> one event
        google.py   google_reports/<app>     Reports activity           -> one event per `events`
        reason.py   status, scimType and retry time inside free-text provisioning errors

Pure functions over decoded JSON: they import only `monitor.events` and `monitor.classify`'s
JSON helpers, and they never raise. A record of an unknown kind, or one that is not an object,
gives no events, nor does a Google activity without `events`; a record of a known kind whose
type we do not read gives one OTHER event, so callers can still count it.
"""

from __future__ import annotations

from monitor.classify.idp.entra import normalize_directory_audit, normalize_provisioning
from monitor.classify.idp.google import normalize_google
from monitor.classify.idp.okta import normalize_okta
from monitor.events import IdpEvent, IdpRecord

__all__ = [
    "normalize",
    "normalize_directory_audit",
    "normalize_google",
    "normalize_okta",
    "normalize_provisioning",
]

_GOOGLE_PREFIX = "google_reports/"
_BY_KIND = {
    "okta_system_log": normalize_okta,
    "entra_provisioning_log": normalize_provisioning,
    "entra_directory_audit": normalize_directory_audit,
}


def normalize(record: IdpRecord) -> list[IdpEvent]:
    """The facts one IdP audit record states, in the record's order."""
    kind = record.kind
    normalizer = _BY_KIND.get(kind)
    if normalizer is not None:
        return normalizer(record.raw, record.ts, record.key)
    if kind.startswith(_GOOGLE_PREFIX):
        return normalize_google(record.raw, record.ts, record.key, kind[len(_GOOGLE_PREFIX) :])
    return []
