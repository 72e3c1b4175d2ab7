"""Microsoft Graph provisioning logs (`type: entra_provisioning_log`): `provisioningObjectSummary`.

API: https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary ; records are
keyed by `id` for dedupe. Read from exported pages (`{"value": [...]}`) or JSON lines (`path`), or
polled live from `GET /v1.0/auditLogs/provisioning` (`tenant_id`, see `collectors._graph_poll`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from collectors._graph_poll import GraphLogPoller
from collectors._graph_source import GraphSourceConfig, build_graph_source
from collectors._records_file import RecordsFileCollector
from collectors.base import BuildContext, CollectorKind

__all__ = ["KIND", "Config"]


class Config(GraphSourceConfig):
    """Entra provisioning log records (Graph `auditLogs/provisioning`), exported or live."""

    type: Literal["entra_provisioning_log"]


def build(
    config: Config, *, name: str, base_dir: Path, context: BuildContext
) -> RecordsFileCollector | GraphLogPoller:
    return build_graph_source(
        config,
        kind="entra_provisioning_log",
        collection="provisioning",
        name=name,
        base_dir=base_dir,
        context=context,
    )


KIND = CollectorKind(type="entra_provisioning_log", config=Config, build=build, app_bound=False)
