"""The `alerting:` section of the behaviour file: routes, receivers, inhibition, timers and the
thresholds of the built-in conditions. Shapes and defaults follow Alertmanager's
`alertmanager.yml`, so a route tree reads the same in both tools.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from alerts.catalog import RUNBOOKS_URL
from alerts.matchers import Matcher, MatcherError, parse_matcher
from alerts.notifiers import NOTIFIERS

__all__ = [
    "AlertingConfig",
    "Duration",
    "InhibitRuleConfig",
    "ReceiverConfig",
    "RouteConfig",
    "Thresholds",
    "parse_duration",
]

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> float:
    """Seconds from a number or a Prometheus duration such as `30s`, `5m` or `1h30m`."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m or 4h")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if not isinstance(value, str) or not value:
        raise ValueError("expected a duration such as 30s, 5m or 4h")
    text = value.strip()
    pos, total = 0, 0.0
    for found in _PART.finditer(text):
        if found.start() != pos:
            break
        total += float(found[1]) * _UNIT[found[2]]
        pos = found.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"bad duration {value!r}: expected e.g. 30s, 5m, 4h or 1h30m")
    return total


Duration = Annotated[float, BeforeValidator(parse_duration)]


def _matchers(values: list[str]) -> list[str]:
    for text in values:
        try:
            parse_matcher(text)
        except MatcherError as err:
            raise ValueError(str(err)) from None
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RouteConfig(_Strict):
    """A node of the routing tree; unset options are inherited from the parent."""

    receiver: str | None = None
    matchers: list[str] = Field(default_factory=list, description="All must match.")
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteConfig] = Field(default_factory=list)

    _check = field_validator("matchers")(_matchers)

    def parsed(self) -> list[Matcher]:
        return [parse_matcher(m) for m in self.matchers]


class InhibitRuleConfig(_Strict):
    """Mute `target` alerts while a `source` alert with the same `equal` labels fires."""

    source_matchers: list[str] = Field(min_length=1)
    target_matchers: list[str] = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)

    _check = field_validator("source_matchers", "target_matchers")(_matchers)


if TYPE_CHECKING:
    NotifierConfig = BaseModel
else:
    NotifierConfig = (
        Annotated[Union[tuple(k.config for k in NOTIFIERS)], Field(discriminator="type")]  # noqa: UP007
        if NOTIFIERS
        else Any
    )


class ReceiverConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,120}$")
    notifiers: list[NotifierConfig] = Field(default_factory=list)


class Thresholds(_Strict):
    """When the built-in conditions fire. Windows are event time, ending now."""

    auth_failure_streak: int = Field(default=5, ge=1)
    error_window: Duration = 900.0
    min_requests: int = Field(default=20, ge=1)
    server_error_ratio: float = Field(default=0.05, gt=0, le=1)
    throttled_ratio: float = Field(default=0.1, gt=0, le=1)
    stalled_after: Duration = 1800.0
    mass_deprovision_window: Duration = 900.0
    mass_deprovision_count: int = Field(default=25, ge=1)
    collector_down_for: Duration = 300.0
    collector_behind: Duration = 3600.0
    notifications_failing_for: Duration = 300.0
    detection_skipped_window: Duration = Field(
        default=3600.0,
        description="DetectionSkippingRecords fires while a record was skipped this recently.",
    )
    activity_quiet_for: Duration = Field(
        default=86400.0,
        description="ActivityAfterDeprovision resolves after this long without new activity.",
    )


def _default_inhibitions() -> list[InhibitRuleConfig]:
    """While credentials are refused, nothing reaches the app: one page, not three."""
    return [
        InhibitRuleConfig(
            source_matchers=['alertname="ScimAuthFailing"'],
            target_matchers=['alertname=~"ProvisioningStalled|ScimServerErrors|ScimThrottled"'],
            equal=["app"],
        )
    ]


def _default_route() -> RouteConfig:
    return RouteConfig(receiver="default")


class AlertingConfig(_Strict):
    external_url: str = Field(default="", description="Where people open scimwatch.")
    runbook_base_url: str = Field(
        default=RUNBOOKS_URL,
        description="Prefix of the runbook links; <AlertName>.md is appended. Point it at your "
        "own published copy of docs/runbooks/ to link that instead.",
    )
    evaluation_interval: Duration = 15.0
    lease_ttl: Duration = Field(
        default=30.0,
        description="How long the pipeline lease outlives its holder's last pass (replicas).",
    )
    route: RouteConfig = Field(default_factory=_default_route)
    receivers: list[ReceiverConfig] = Field(default_factory=list)
    inhibit_rules: list[InhibitRuleConfig] = Field(
        default_factory=_default_inhibitions,
        description="Default: ScimAuthFailing mutes ProvisioningStalled, ScimServerErrors and "
        "ScimThrottled of the same app; `[]` turns that off.",
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)
    retry_max_interval: Duration = 300.0


def _receivers_used(route: RouteConfig) -> list[str]:
    names = [route.receiver] if route.receiver else []
    for child in route.routes:
        names.extend(_receivers_used(child))
    return names


def check_receivers(config: AlertingConfig) -> list[str]:
    """Problems a schema cannot see: routes naming receivers that do not exist."""
    problems = []
    known = {r.name for r in config.receivers} | {"default"}
    seen: set[str] = set()
    for receiver in config.receivers:
        if receiver.name in seen:
            problems.append(f"duplicate receiver {receiver.name!r}")
        seen.add(receiver.name)
    if not config.route.receiver:
        problems.append("the root route needs a receiver")
    for name in _receivers_used(config.route):
        if name not in known:
            problems.append(f"route names unknown receiver {name!r} (receivers: {sorted(known)})")
    return problems
