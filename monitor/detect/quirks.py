"""What to do about each vendor quirk a service provider rejected (scim-wire A.2.1, A.3.3)."""

from __future__ import annotations

__all__ = ["HINTS", "hint"]

_ENTRA_FLAG = (
    "Entra: append ?aadOptscim062020 to the app's Tenant URL for RFC 7644 PATCH shapes, "
    "or make the service provider accept Entra's legacy shapes"
)
HINTS = {
    "capitalized_op": _ENTRA_FLAG + " (match op names case-insensitively)",
    "string_boolean": _ENTRA_FLAG + ' (accept "True"/"False" strings for booleans)',
    "remove_with_value": _ENTRA_FLAG + " (treat remove with a value as a value filter)",
    "dotted_key_no_path": "accept dotted attribute paths as keys of a no-path replace value "
    "(Entra with aadOptscim062020 sends them)",
    "value_filter_path": 'support value-filtered PATCH paths such as emails[type eq "work"].value '
    'and members[value eq "id"]; Entra expects a missing entry to be created',
    "manager_string": "accept the enterprise manager as a bare id string (Entra) or map it to "
    "manager.value",
    "adscim_group_schema": "accept or ignore Entra's ADSCIM group schema URN on POST /Groups",
    "readonly_id_in_value": "ignore the readOnly id inside Okta's no-path group replace",
}


def hint(quirk: str) -> str:
    return HINTS.get(quirk, "make the service provider accept this IdP's request shape")
