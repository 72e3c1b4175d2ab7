"""The catalog's `str.format` templates as Prometheus annotation templates.

The daemon fills a template from the alert's labels and from facts only its built-in condition
knows (who, since when, how many). Prometheus has the result labels of the rule's expression and
its `$value`, nothing else. So each field becomes, in order of preference:

1. `{{ $labels.x }}` when the expression's result carries label `x`;
2. `$value`, formatted, when the condition's `$value` *is* that field (a ratio, a count, a lag);
3. a generic phrase (`a user`, `an account`);
4. nothing: the parenthesis or sentence holding it is left out.

An unknown field raises, so a new catalog field forces a decision here instead of rendering
empty. Finding and overdue alerts get one more sentence pointing at the API that lists the
subjects Prometheus cannot name.
"""

from __future__ import annotations

import re
import string

from alerts.catalog import AlertRule

__all__ = ["prom_annotations", "result_labels", "translate"]

# Labels a bare (unaggregated) selector keeps from scimwatch's series.
BARE_LABELS = frozenset({"app", "idp", "collector", "receiver", "source"})
_COUNT = '{{ $value | printf "%.0f" }}'
_PERCENT = "{{ $value | humanizePercentage }}"
# condition -> {field: how `$value` renders it}
VALUE_FIELDS: dict[str, dict[str, str]] = {
    "auth_streak": {"streak": _COUNT},
    "server_errors": {"ratio": _PERCENT},
    "throttled": {"ratio": _PERCENT},
    "stalled": {"pending": _COUNT},
    "mass_deprovision": {"count": _COUNT},
    "detection_skipped": {"count": _COUNT},
    "collector_behind": {"lag": "{{ $value | humanizeDuration }}"},
}
GENERIC: dict[str, str | None] = {
    "user_name": "a user",
    "sp_id": "an account",
    "external_id": "an account",
    "new_sp_id": "a new id",
    "old_sp_id": "the old one",
    "lost_attributes": "attributes",
    "quirk": "vendor-specific",
    "age": "longer than the SLO allows",
    "source": "An activity log",
    "where": "{{ if $labels.app }}{{ $labels.app }}{{ else }}the IdP{{ end }}",
    "idp": "the IdP",
    "last_ok": "{window} ago",
    # Only the daemon knows these: left out with their parenthesis or sentence.
    "at": None,
    "count": None,
    "errors": None,
    "first_at": None,
    "fix_hint": None,
    "pending": None,
    "reason": None,
    "requested_at": None,
    "requests": None,
    "since": None,
    "slo": None,
    "sp_ids": None,
    "streak": None,
    "window": None,  # replaced by the expression's range when it has one
}
_BY = re.compile(r"^\s*\(*\s*\w+\s+by\s*\(([^)]*)\)")
_RANGE = re.compile(r"\[(\d+[smhdwy])\]")
_FORMATTER = string.Formatter()


def result_labels(expr: str) -> frozenset[str]:
    """Labels of the expression's result: its outer `by (...)`, else a bare selector's."""
    found = _BY.match(expr)
    if found is None:
        return BARE_LABELS
    return frozenset(label.strip() for label in found.group(1).split(",") if label.strip())


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def _drop(template: str, field: str) -> str:
    """Leave out the parenthesis, else the sentence, that holds `{field}`."""
    marker = "{" + field + "}"
    paren = re.compile(r"\s*\([^()]*" + re.escape(marker) + r"[^()]*\)")
    if paren.search(template):
        return paren.sub("", template)
    sentences = re.split(r"(?<=[.!?])\s+", template)
    return " ".join(s for s in sentences if marker not in s)


def translate(template: str, rule: AlertRule) -> str:
    """One catalog template as a Prometheus template for this rule's expression."""
    labels = result_labels(rule.expr)
    values = VALUE_FIELDS.get(rule.condition, {})
    window = _RANGE.search(rule.expr)
    text = template
    for field in sorted(_fields(template)):
        if field in labels or field in values:
            continue
        if field not in GENERIC:
            raise ValueError(f"{rule.name}: no Prometheus wording for field {{{field}}}")
        if GENERIC[field] is None and not (field == "window" and window):
            text = _drop(text, field)
    replacements = {name: "{{ $labels." + name + " }}" for name in labels}
    replacements.update({k: v for k, v in GENERIC.items() if v is not None})
    replacements["window"] = window.group(1) if window else ""
    replacements.update(values)
    replacements["last_ok"] = replacements["last_ok"].replace("{window}", replacements["window"])
    out = _FORMATTER.vformat(text, (), replacements).strip()
    if not out:
        raise ValueError(f"{rule.name}: nothing left of {template!r}")
    return out[0].upper() + out[1:] if out[0].islower() and field_led(template) else out


def field_led(template: str) -> bool:
    """A template that opens with a field opens a sentence with whatever replaced it."""
    return template.startswith("{")


def _pointer(rule: AlertRule) -> str:
    app = "{{ with $labels.app }}&app={{ . }}{{ end }}"
    if rule.finding:
        return f" Open findings: GET /api/v1/findings?type={rule.finding}&status=open{app}"
    if rule.condition == "deprovision_overdue":
        return f" Overdue deprovisions: GET /api/v1/deprovisions?status=pending&overdue=true{app}"
    return ""


def prom_annotations(rule: AlertRule) -> dict[str, str]:
    """`summary` and `description` of the rule, as Prometheus templates."""
    return {
        "summary": translate(rule.summary, rule),
        "description": translate(rule.description, rule) + _pointer(rule),
    }
