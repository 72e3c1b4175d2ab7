"""Each dashboard keeps the panels its purpose calls for (docs/dashboards.md).

The generated-JSON test catches drift and unknown metrics, the no-dead-panels test catches
panels without data; neither notices a panel that is gone. Each requirement here names what a
panel must show (a metric, the breakdown or quantiles, a panel type) rather than its title, so
panels can be renamed and rearranged freely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from contract_util import FINDING_TYPES

from dashboards.build import JSON_DIR

_BY = r"sum by \([^)]*\b{label}\b[^)]*\) \((?:rate|increase)\({metric}"
_Q = r"histogram_quantile\({q}.*{metric}"
REQ, DUR = "scimwatch_scim_requests_total", "scimwatch_scim_request_duration_seconds_bucket"
LAG, ERR = "scimwatch_deprovision_lag_seconds_bucket", "scimwatch_scim_errors_total"
REQUIRED: dict[str, dict[str, tuple[str | None, str]]] = {
    "overview": {
        "request rate per app and IdP": (None, rf"by \(app, idp\) \(rate\({REQ}"),
        "failed share per app and IdP": (None, rf"by \(app, idp\) .*{REQ}.*outcome!~"),
        "latency per app": (None, _Q.format(q=r".*by \(app, le\)", metric=DUR)),
        "latency per IdP": (None, _Q.format(q=r".*by \(idp\b", metric=DUR)),
    },
    "deprovisioning": {
        "lag heatmap": ("heatmap", LAG),
        "lag p99": (None, _Q.format(q=r"0\.99, ", metric=LAG)),
        "lag p50": (None, _Q.format(q=r"0\.5, ", metric=LAG)),
        "pending": (None, r"scimwatch_deprovisions_pending"),
        "oldest pending": (None, r"scimwatch_deprovision_oldest_pending_seconds"),
        "overdue": (None, r"scimwatch_deprovisions_overdue"),
        "SLO error budget": (None, rf"^1 - .*{LAG}.*le=\"\$slo\""),
    },
    "errors": {
        "errors by status": (None, _BY.format(label="status_code", metric=ERR)),
        "errors by scimType": (None, _BY.format(label="scim_type", metric=ERR)),
        "errors by IdP": (None, _BY.format(label="idp", metric=ERR)),
        "throttling": (None, rf"{REQ}\{{[^}}]*outcome=\"throttled\""),
        "Retry-After": (None, _Q.format(q="", metric="scimwatch_scim_retry_after_seconds_bucket")),
    },
    "findings": {
        f"{kind} open": (None, rf"scimwatch_findings_open\{{[^}}]*type=\"{kind}\"")
        for kind in FINDING_TYPES
    },
    "collectors": {
        "up": (None, r"scimwatch_collector_up\b"),
        "lag": (None, r"scimwatch_collector_lag_seconds\b"),
        "errors by reason": (
            None,
            _BY.format(label="reason", metric="scimwatch_collector_errors_total"),
        ),
        "rate-limit headroom": (None, r"scimwatch_collector_rate_limit_headroom_ratio\b"),
    },
}


def _panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in items:
        yield panel
        yield from _panels(panel.get("panels") or [])


def _shown(name: str) -> list[tuple[str, list[str]]]:
    """(panel type, its queries) of every panel of the committed dashboard `name`."""
    board = json.loads((JSON_DIR / f"scimwatch-{name}.json").read_text(encoding="utf-8"))
    return [
        (str(panel.get("type")), [str(t.get("expr", "")) for t in panel.get("targets") or []])
        for panel in _panels(board["panels"])
    ]


@pytest.mark.parametrize(
    ("board", "need"), [(board, need) for board, needs in REQUIRED.items() for need in needs]
)
def test_the_dashboard_shows_it(board: str, need: str) -> None:
    kind, pattern = REQUIRED[board][need]
    wanted = re.compile(pattern)
    assert any(
        (kind is None or kind == found) and any(wanted.search(expr) for expr in exprs)
        for found, exprs in _shown(board)
    ), f"{board}: no panel shows {need}"


def test_a_missing_panel_is_noticed() -> None:
    """The check itself: a pattern no panel matches is reported."""
    wanted = re.compile(r"scimwatch_no_such_metric")
    assert not any(any(wanted.search(e) for e in exprs) for _, exprs in _shown("errors"))
