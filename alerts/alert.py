"""The alert vocabulary: a leaf module, imported by every stage and notifier, importing nothing.

An alert is a label set (low cardinality: used for routing, grouping, silencing and the
fingerprint), free-text annotations (identities, evidence, hints) and its active interval, as in
Alertmanager's model. Two alerts with the same labels are the same alert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Alert", "fingerprint"]


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable identity for a label set: survives restarts and is the same on every replica."""
    digest = hashlib.sha256()
    for name in sorted(labels):
        digest.update(name.encode())
        digest.update(b"\xff")
        digest.update(labels[name].encode())
        digest.update(b"\xff")
    return digest.hexdigest()[:16]


def _frozen(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert instance. `ends_at` is None while it fires and the resolve time afterwards."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: float = 0.0
    ends_at: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", _frozen(self.labels))
        object.__setattr__(self, "annotations", _frozen(self.annotations))

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)

    @property
    def resolved(self) -> bool:
        return self.ends_at is not None

    @property
    def status(self) -> str:
        return "resolved" if self.resolved else "firing"

    def to_json(self) -> dict[str, object]:
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, object]) -> Alert:
        ends = doc.get("ends_at")
        return cls(
            labels=_strings(doc.get("labels")),
            annotations=_strings(doc.get("annotations")),
            starts_at=float(doc.get("starts_at") or 0.0),  # type: ignore[arg-type]
            ends_at=None if ends is None else float(ends),  # type: ignore[arg-type]
        )


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}
