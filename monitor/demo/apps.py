"""The demo's watched apps: which IdP dialect provisions each, and how its SCIM log is written.

`DemoApp.idp` names a dialect (`okta_oin`, `okta_aiw`, `entra_legacy`, `entra_flagged`,
`google`), finer than the config's `idp`, because two Entra apps behave differently on the wire
depending on one tenant-URL flag. The config file gets the coarse IdP (`okta`, `entra`, ...).
`mishaps` are what goes wrong in that app beyond transport faults (`monitor.demo.incidents`
stages them), so each finding type scimwatch knows has an app where it really happens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.demo.dialects import DIALECTS

__all__ = [
    "DEFAULT_APPS",
    "LOG_FORMATS",
    "MISHAPS",
    "PATCH_BODY_DIALECTS",
    "TOLERANT_DIALECTS",
    "DemoApp",
    "config_text",
]

# `flat_str` is flat JSON whose bodies are strings holding JSON, which the contract also allows.
# DEFAULT_APPS all log bodies: a deprovision is confirmed from the SP's own log, and Google
# writes no per-app provisioning records that could confirm it instead. `combined` (no bodies)
# stays available for apps the caller defines.
LOG_FORMATS = ("flat", "flat_str", "ecs", "ecs_dotted", "combined")

# Apps provisioned by these dialects run an SP with scim2-models' Entra-tolerant ScimPolicy;
# the rest are RFC-strict, so Entra's legacy shapes meet the real 400s a strict SP answers.
TOLERANT_DIALECTS = frozenset({"entra_flagged", "google"})

# SPs that answer a user PATCH with 200 and the resource rather than 204 (both are RFC 7644).
PATCH_BODY_DIALECTS = frozenset({"okta_oin", "entra_flagged"})

# jit_sign_in: the app also creates an account (no externalId) on a first SSO sign-in that
#   does not match the SCIM one, so the person has two (a `digital_twin` the next import shows).
# patch_as_put: a release of the SP handles PATCH as PUT for a while (`silent_attribute_loss`).
# rename_recreates: an Okta username change deactivates the account and creates a new one
#   with the same externalId (`recreate_churn`).
# ignores_disable: the SP keeps some accounts active when told to deactivate them, and says
#   200 (`deprovision_not_applied`).
MISHAPS = frozenset({"jit_sign_in", "patch_as_put", "rename_recreates", "ignores_disable"})

# Names end up in file names, YAML and metric labels, so keep them plain.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


@dataclass(frozen=True, slots=True)
class DemoApp:
    """One simulated SaaS app and the IdP connection that provisions it."""

    name: str
    idp: str
    log_format: str
    base_path: str
    mishaps: frozenset[str] = frozenset()
    activity_log: bool = False  # writes its own sign-ins and API calls (`app_activity_log`)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"app name {self.name!r} must match {_NAME.pattern}")
        if self.idp not in DIALECTS:
            raise ValueError(f"app {self.name}: unknown idp dialect {self.idp!r}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"app {self.name}: unknown log format {self.log_format!r}")
        if not self.base_path.startswith("/") or self.base_path.endswith("/"):
            raise ValueError(f"app {self.name}: base_path must start and not end with '/'")
        if not self.mishaps <= MISHAPS:
            raise ValueError(f"app {self.name}: unknown mishaps {sorted(self.mishaps - MISHAPS)}")

    @property
    def log_path(self) -> str:
        """Where the app's SCIM log lives, relative to the demo directory."""
        return f"scim/{self.name}.log"

    @property
    def activity_path(self) -> str:
        """Where the app's own activity log lives (when it writes one)."""
        return f"activity/{self.name}.log"


DEFAULT_APPS: tuple[DemoApp, ...] = (
    DemoApp(
        "salesforge",
        "okta_oin",
        "flat",
        "/scim/v2",
        mishaps=frozenset({"jit_sign_in", "ignores_disable"}),
        activity_log=True,
    ),
    DemoApp(
        "servicedesk",
        "okta_aiw",
        "ecs_dotted",
        "/api/scim/v2",
        mishaps=frozenset({"rename_recreates"}),
    ),
    DemoApp("intranet", "entra_legacy", "flat_str", "/scim"),
    DemoApp("expenses", "entra_flagged", "ecs", "/identity/scim/v2", activity_log=True),
    DemoApp("meetings", "google", "flat", "/v2", mishaps=frozenset({"patch_as_put"})),
)


def config_text(
    apps: Sequence[DemoApp],
    *,
    slo_seconds: int = 3600,
    refs: Mapping[str, tuple[str, str]] | None = None,
    idp_sources: Sequence[Mapping[str, str]] = (),
) -> str:
    """The scimwatch YAML (contract section 2) that watches these apps' logs.

    `refs` maps an app name to the config key and value its IdP's records name it by (e.g.
    `("okta_app_id", "0oa...")`); `idp_sources` are the IdP audit sources, key by key.
    """
    refs = refs or {}
    lines = ["# scimwatch configuration for the demo traffic (`scimwatch demo`)", "apps:"]
    for app in apps:
        lines += [f"  - name: {app.name}", f"    idp: {DIALECTS[app.idp].config_idp}"]
        if app.name in refs:
            key, value = refs[app.name]
            lines.append(f"    {key}: {_quote(value)}")
    lines.append("sources:")
    for app in apps:
        lines += ["  - type: scim_log", f"    app: {app.name}", f"    path: {app.log_path}"]
    for app in apps:
        if app.activity_log:
            kind, path = "app_activity_log", app.activity_path
            lines += [f"  - type: {kind}", f"    app: {app.name}", f"    path: {path}"]
    for source in idp_sources:
        (first, value), *rest = source.items()
        lines.append(f"  - {first}: {_quote(value)}")
        lines += [f"    {key}: {_quote(value)}" for key, value in rest]
    lines += ["slo:", f"  deprovision_seconds: {slo_seconds}", ""]
    return "\n".join(lines)


def _quote(value: str) -> str:
    """Plain when it is a plain token, else double-quoted (a JSON string is valid YAML)."""
    return value if _PLAIN.fullmatch(value) else json.dumps(value)
