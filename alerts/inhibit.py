"""Inhibition: while a source alert fires, matching target alerts with equal labels are muted.

An alert matching both sides cannot inhibit itself (Alertmanager's rule), and a muted alert's
resolve still reaches receivers that were told it fired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alerts.alert import Alert
from alerts.config import InhibitRuleConfig
from alerts.matchers import Matcher, matches_all, parse_matcher

__all__ = ["InhibitRule", "build_rules", "inhibited"]


@dataclass(frozen=True, slots=True)
class InhibitRule:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    def mutes(self, alert: Alert, firing: Sequence[Alert]) -> bool:
        if not matches_all(self.target, alert.labels):
            return False
        for source in firing:
            if source.fingerprint == alert.fingerprint:
                continue
            if not matches_all(self.source, source.labels):
                continue
            if all(source.labels.get(k, "") == alert.labels.get(k, "") for k in self.equal):
                return True
        return False


def build_rules(configs: Sequence[InhibitRuleConfig]) -> list[InhibitRule]:
    return [
        InhibitRule(
            source=tuple(parse_matcher(m) for m in c.source_matchers),
            target=tuple(parse_matcher(m) for m in c.target_matchers),
            equal=tuple(c.equal),
        )
        for c in configs
    ]


def inhibited(rules: Sequence[InhibitRule], alert: Alert, firing: Sequence[Alert]) -> bool:
    return any(rule.mutes(alert, firing) for rule in rules)
