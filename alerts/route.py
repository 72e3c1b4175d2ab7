"""The routing tree: which receivers an alert reaches and how it is grouped on the way.

As in Alertmanager: an alert enters at the root and walks down; the first matching child takes
it unless that child says `continue`, and a node with no matching child handles the alert
itself. Children inherit unset options from their parent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.config import RouteConfig
from alerts.matchers import Matcher, matches_all

__all__ = ["Route", "build_routes"]

DEFAULT_GROUP_BY = ("alertname", "app")


@dataclass(frozen=True, slots=True)
class Route:
    path: str  # "0", "0.1", ...: stable while the config is
    receiver: str
    matchers: tuple[Matcher, ...]
    group_by: tuple[str, ...]
    group_wait: float
    group_interval: float
    repeat_interval: float
    continue_: bool
    children: tuple[Route, ...] = field(default_factory=tuple)

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The routes that take an alert, depth first, in config order."""
        if not matches_all(self.matchers, labels):
            return []
        taken: list[Route] = []
        for child in self.children:
            found = child.match(labels)
            if found:
                taken.extend(found)
                if not child.continue_:
                    break
        return taken or [self]

    def group_key(self, labels: Mapping[str, str]) -> str:
        """Route plus the values of its group_by labels: one message per key."""
        if self.group_by == ("...",):
            values = ",".join(f"{k}={labels[k]!r}" for k in sorted(labels))
        else:
            values = ",".join(f"{k}={labels.get(k, '')!r}" for k in self.group_by)
        return f"{self.path}:{{{values}}}"

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        if self.group_by == ("...",):
            return dict(labels)
        return {k: labels[k] for k in self.group_by if k in labels}

    def walk(self) -> list[Route]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def build_routes(config: RouteConfig, parent: Route | None = None, path: str = "0") -> Route:
    """Resolve inheritance once, so matching is a plain walk."""
    group_by = (
        tuple(config.group_by)
        if config.group_by is not None
        else (parent.group_by if parent else DEFAULT_GROUP_BY)
    )
    route = Route(
        path=path,
        receiver=config.receiver or (parent.receiver if parent else "default"),
        matchers=tuple(config.parsed()),
        group_by=group_by,
        group_wait=_pick(config.group_wait, parent.group_wait if parent else None, 30.0),
        group_interval=_pick(
            config.group_interval, parent.group_interval if parent else None, 300.0
        ),
        repeat_interval=_pick(
            config.repeat_interval, parent.repeat_interval if parent else None, 14400.0
        ),
        continue_=config.continue_,
    )
    children = tuple(
        build_routes(child, route, f"{path}.{i}") for i, child in enumerate(config.routes)
    )
    return dataclasses.replace(route, children=children)


def _pick(own: float | None, inherited: float | None, default: float) -> float:
    if own is not None:
        return own
    return inherited if inherited is not None else default
