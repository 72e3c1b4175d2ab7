"""Collectors: where scimwatch's records come from.

In: files today (SCIM request logs, app activity logs, IdP audit exports). Out: `Batch`es of
`monitor.events` records with a checkpoint (see `collectors.base`). A collector may import only
`monitor.events`, `monitor.clock`, `monitor.secret` and `monitor.telemetry`.

Adding a source is one module (a pydantic `Config` with a `type` literal, a `build` function
and a `KIND`) plus one line in `COLLECTORS`; the config union and the contract tests are built
from this tuple.
"""

from __future__ import annotations

from collectors import (
    app_activity_log,
    entra_directory_audit,
    entra_provisioning_log,
    google_reports,
    okta_system_log,
    scim_log,
    scim_push,
)
from collectors.base import Batch, Collector, CollectorError, CollectorKind

__all__ = ["COLLECTORS", "Batch", "Collector", "CollectorError", "CollectorKind", "kind_of"]

COLLECTORS: tuple[CollectorKind, ...] = (
    scim_log.KIND,
    app_activity_log.KIND,
    okta_system_log.KIND,
    entra_provisioning_log.KIND,
    entra_directory_audit.KIND,
    google_reports.KIND,
    scim_push.KIND,
)

_BY_TYPE = {kind.type: kind for kind in COLLECTORS}


def kind_of(type_name: str) -> CollectorKind:
    """The registry entry for a config `type`."""
    return _BY_TYPE[type_name]
