"""The behaviour file: which apps are watched, where their records come from, and the SLOs.

`load(path)` turns YAML into typed, frozen models or raises one `ConfigError` whose lines each
name the file, the line, the path inside the document and the problem. Unknown keys are errors.
Secrets are never read from this file: fields such as `token` are refused with a pointer to the
`*_env` / `*_file` form (see `monitor.secret`). Source models live beside their collectors and
the union is built from `collectors.COLLECTORS`, so a new source needs no change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alerts.config import AlertingConfig, check_receivers
from collectors import COLLECTORS, CollectorKind, kind_of
from monitor.config_errors import (
    ConfigError,
    describe_validation_error,
    located,
    secret_key_problems,
)

__all__ = ["AppConfig", "Config", "ConfigError", "SloConfig", "SourceSpec", "load", "parse"]

if TYPE_CHECKING:
    SourceConfig = BaseModel
else:
    SourceConfig = Annotated[
        Union[tuple(kind.config for kind in COLLECTORS)],  # noqa: UP007
        Field(discriminator="type"),
    ]

IdpName = Literal["okta", "entra", "google", "onelogin", "jumpcloud", "generic"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SloConfig(_Strict):
    """Service level objectives."""

    deprovision_seconds: float = Field(
        default=3600, gt=0, description="A deprovision slower than this is overdue."
    )


class AppConfig(_Strict):
    """One service provider that is watched."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Label used everywhere.")
    idp: IdpName | None = Field(
        default=None, description="The IdP provisioning this app; unset means detect it."
    )
    okta_app_id: str | None = Field(default=None, description="Okta AppInstance id.")
    entra_service_principal_id: str | None = Field(
        default=None, description="Graph servicePrincipal.id."
    )
    google_app_name: str | None = Field(default=None, description="Google app display name.")
    slo: SloConfig | None = Field(default=None, description="Overrides the global SLO.")


class _Document(_Strict):
    apps: list[AppConfig] = Field(min_length=1)
    sources: list[SourceConfig] = Field(default_factory=list)
    slo: SloConfig = Field(default_factory=SloConfig)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A configured source with its unique name and registry entry."""

    name: str
    kind: CollectorKind
    config: BaseModel

    @property
    def app(self) -> str | None:
        app = getattr(self.config, "app", None)
        return app if isinstance(app, str) else None


@dataclass(frozen=True, slots=True)
class Config:
    """A validated behaviour file; relative paths resolve against `base_dir`."""

    apps: tuple[AppConfig, ...]
    sources: tuple[SourceSpec, ...]
    slo: SloConfig
    base_dir: Path
    alerting: AlertingConfig = field(default_factory=AlertingConfig)

    def app(self, name: str) -> AppConfig | None:
        return next((app for app in self.apps if app.name == name), None)

    def slo_seconds(self, app: str) -> float:
        found = self.app(app)
        return (
            (found.slo or self.slo).deprovision_seconds if found else self.slo.deprovision_seconds
        )


def load(path: Path) -> Config:
    """Read and validate a config file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise ConfigError([f"{path}: cannot read: {reason}"]) from None
    return parse(text, source=str(path), base_dir=path.resolve().parent)


def parse(text: str, *, source: str, base_dir: Path) -> Config:
    """Validate config text; `source` names the file in error messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError(
            [f"{where}: invalid YAML: {getattr(err, 'problem', None) or err}"]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: the top level must be a mapping with `apps` and `sources`"])
    problems = secret_key_problems(data, node, source)
    if problems:
        raise ConfigError(problems)
    try:
        document = _Document.model_validate(data)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err, node, source)) from None
    return _resolve(document, node, source, base_dir)


def _resolve(document: _Document, node: yaml.Node | None, source: str, base_dir: Path) -> Config:
    problems: list[str] = []
    names = [app.name for app in document.apps]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.append(
                located(node, source, ("apps", index, "name"), f"duplicate app {name!r}")
            )
    specs: list[SourceSpec] = []
    for index, config in enumerate(document.sources):
        kind = kind_of(str(getattr(config, "type")))  # noqa: B009
        app = getattr(config, "app", None)
        if kind.app_bound and app not in names:
            known = ", ".join(names)
            problems.append(
                located(
                    node, source, ("sources", index, "app"), f"unknown app {app!r} (apps: {known})"
                )
            )
        name = getattr(config, "name", None) or kind.default_name(config)
        taken = {spec.name for spec in specs}
        if getattr(config, "name", None) and name in taken:
            problems.append(
                located(node, source, ("sources", index, "name"), f"duplicate source name {name!r}")
            )
        suffix = 2
        base = name
        while name in taken:
            name, suffix = f"{base}#{suffix}", suffix + 1
        specs.append(SourceSpec(name=name, kind=kind, config=config))
    problems.extend(
        located(node, source, ("alerting", "route"), problem)
        for problem in check_receivers(document.alerting)
    )
    if problems:
        raise ConfigError(problems)
    return Config(
        apps=tuple(document.apps),
        sources=tuple(specs),
        slo=document.slo,
        base_dir=base_dir,
        alerting=document.alerting,
    )
