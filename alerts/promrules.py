"""Prometheus rules generated from the alert catalog: `python -m alerts.promrules`.

Teams that alert from their own Prometheus get the same alerts as the daemon, and nothing drifts:
every catalog entry becomes one alerting rule (its `expr`, `for_` and severity), next to
recording rules for request rates and error ratios, the deprovision SLO ratios read from the lag
histogram, and multi-window multi-burn-rate alerts on that SLO (Google SRE workbook, "Alerting on
SLOs"). docs/alerting-rules.md explains the parameters and the maths.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client.utils import floatToGoString

from alerts._generated import dump_yaml, write_or_check
from alerts.catalog import CATALOG, RUNBOOKS_URL, AlertRule
from alerts.config import parse_duration
from alerts.promtext import prom_annotations
from monitor.config import SloConfig
from monitor.telemetry.metrics import DEPROVISION_LAG, LAG_BUCKETS, SCIM_REQUESTS

__all__ = ["OUT", "Params", "build", "burn_rate_alerts", "main", "render", "slo_bucket"]

OUT = Path(__file__).resolve().parents[1] / "deploy" / "prometheus" / "scimwatch-rules.yml"
SOURCE = "scimwatch"
REQUEST_WINDOWS = ("5m", "30m", "1h", "6h")
SLO_WINDOWS = ("5m", "30m", "1h", "6h", "3d")
# (alert, severity, [(long window, short window, burn rate)]): the workbook's recommendation
# for a 30-day SLO. Both windows of a pair must burn faster than the rate; pairs are OR-ed.
BURN_RATES = (
    ("DeprovisionSloFastBurn", "critical", (("1h", "5m", 14.4), ("6h", "30m", 6.0))),
    ("DeprovisionSloSlowBurn", "warning", (("3d", "6h", 1.0),)),
)
# Burn-rate alerts have no catalog entry of their own: they are the statistical view of
# DeprovisionOverdue, whose runbook has a section for them.
BURN_RUNBOOK = "DeprovisionOverdue.md#deprovision-slo-burn-rate-alerts"

REQUESTS_RATE = "app_idp:scimwatch_scim_requests:rate{w}"
OUTCOME_RATE = "app_idp_outcome:scimwatch_scim_requests:rate{w}"
OUTCOME_RATIO = "app_idp_outcome:scimwatch_scim_requests:ratio_rate{w}"
SLO_RATIO = "app_idp:scimwatch_deprovision_lag_seconds:within_slo_ratio_rate{w}"
SLO_OBJECTIVE = "scimwatch:deprovision_slo:objective_ratio"


@dataclass(frozen=True, slots=True)
class Params:
    """What a team may change; the defaults match the daemon's own defaults."""

    slo_target: float = 0.99
    slo_seconds: float = SloConfig().deprovision_seconds
    runbook_base_url: str = RUNBOOKS_URL

    def __post_init__(self) -> None:
        if not 0 < self.slo_target < 1:
            raise ValueError("slo_target must be between 0 and 1 (e.g. 0.99)")


def slo_bucket(slo_seconds: float) -> str:
    """The `le` of the largest lag bucket within the SLO, as the client library writes it.

    A histogram only knows its bucket bounds, so an SLO between two bounds is measured at the
    lower one: stricter, never more lenient than the SLO itself.
    """
    within = [b for b in LAG_BUCKETS if b <= slo_seconds]
    if not within:
        raise ValueError(f"no {DEPROVISION_LAG} bucket is <= {slo_seconds}s ({LAG_BUCKETS})")
    return _go_float(float(max(within)))


def _go_float(value: float) -> str:
    """How the Go and Python clients write a bucket bound: `3600.0`, `+Inf`."""
    return str(floatToGoString(value))  # type: ignore[no-untyped-call]


def _record(name: str, expr: str) -> dict[str, Any]:
    return {"record": name, "expr": expr}


def _request_rules() -> list[dict[str, Any]]:
    rules = []
    for w in REQUEST_WINDOWS:
        rules += [
            _record(REQUESTS_RATE.format(w=w), f"sum by (app, idp) (rate({SCIM_REQUESTS}[{w}]))"),
            _record(
                OUTCOME_RATE.format(w=w),
                f"sum by (app, idp, outcome) (rate({SCIM_REQUESTS}[{w}]))",
            ),
            _record(
                OUTCOME_RATIO.format(w=w),
                f"{OUTCOME_RATE.format(w=w)} / ignoring (outcome) group_left "
                f"{REQUESTS_RATE.format(w=w)}",
            ),
        ]
    return rules


def _slo_rules(params: Params) -> list[dict[str, Any]]:
    le = slo_bucket(params.slo_seconds)
    rules = [_record(SLO_OBJECTIVE, f"vector({_number(params.slo_target)})")]
    for w in SLO_WINDOWS:
        within = f'sum by (app, idp) (rate({DEPROVISION_LAG}_bucket{{le="{le}"}}[{w}]))'
        total = f"sum by (app, idp) (rate({DEPROVISION_LAG}_count[{w}]))"
        rules.append(_record(SLO_RATIO.format(w=w), f"{within} / {total}"))
    return rules


def _number(value: float) -> str:
    return f"{value:.6g}"


def _human(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{_number(seconds)}s"


def burn_rate_alerts(params: Params) -> list[dict[str, Any]]:
    """Page on a fast burn of the deprovision error budget, open a ticket on a slow one."""
    budget = 1 - params.slo_target
    alerts = []
    for name, severity, pairs in BURN_RATES:
        clauses = [
            f"(1 - {SLO_RATIO.format(w=long)}) > {_number(rate * budget)} "
            f"and (1 - {SLO_RATIO.format(w=short)}) > {_number(rate * budget)}"
            for long, short, rate in pairs
        ]
        windows = " or ".join(f"{long}/{short} at {_number(rate)}x" for long, short, rate in pairs)
        speed = "fast" if severity == "critical" else "slowly"
        alerts.append(
            {
                "alert": name,
                "expr": " or ".join(f"({c})" for c in clauses),
                "labels": {"severity": severity, "source": SOURCE, "slo": "deprovision"},
                "annotations": {
                    "summary": f"Deprovisions in {{{{ $labels.app }}}} are burning the SLO "
                    f"error budget {speed}",
                    "description": "Confirmed deprovisions slower than "
                    f"{_human(params.slo_seconds)} use up the error budget of the "
                    f"{_number(params.slo_target * 100)}% SLO "
                    f"faster than allowed (windows {windows}). Over the long window "
                    f"{{{{ $value | humanizePercentage }}}} of confirmations were late.",
                    "runbook_url": params.runbook_base_url + BURN_RUNBOOK,
                },
            }
        )
    return alerts


def catalog_alert(rule: AlertRule, params: Params) -> dict[str, Any]:
    """One alerting rule per catalog entry; `for` is left out when the alert fires at once."""
    entry: dict[str, Any] = {"alert": rule.name, "expr": rule.expr}
    if parse_duration(rule.for_) > 0:
        entry["for"] = rule.for_
    entry["labels"] = {"severity": rule.severity, "source": SOURCE}
    entry["annotations"] = {
        **prom_annotations(rule),
        "runbook_url": rule.runbook_url(params.runbook_base_url),
    }
    return entry


def build(params: Params | None = None) -> dict[str, Any]:
    """The rules file as a document, in a stable order (catalog order for the alerts)."""
    params = params or Params()
    return {
        "groups": [
            {"name": "scimwatch-requests.rules", "rules": _request_rules()},
            {"name": "scimwatch-deprovision-slo.rules", "rules": _slo_rules(params)},
            {"name": "scimwatch-deprovision-slo.alerts", "rules": burn_rate_alerts(params)},
            {"name": "scimwatch.alerts", "rules": [catalog_alert(r, params) for r in CATALOG]},
        ]
    }


def _header(params: Params) -> str:
    return (
        "# GENERATED by `python -m alerts.promrules` from alerts/catalog.py: do not edit.\n"
        "# Regenerate after changing the catalog (tests/rules fails while this file is stale).\n"
        f"# Parameters: --slo-target {_number(params.slo_target)} "
        f"--slo-seconds {_number(params.slo_seconds)} "
        f"--runbook-base-url {params.runbook_base_url}\n"
        "# See docs/alerting-rules.md.\n"
    )


def render(params: Params | None = None) -> str:
    params = params or Params()
    return _header(params) + dump_yaml(build(params))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts.promrules", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="default: %(default)s")
    defaults = Params()
    parser.add_argument("--slo-target", type=float, default=defaults.slo_target)
    parser.add_argument("--slo-seconds", type=float, default=defaults.slo_seconds)
    parser.add_argument(
        "--runbook-base-url",
        default=defaults.runbook_base_url,
        help="prefix of every runbook_url, <AlertName>.md appended (default: %(default)s)",
    )
    parser.add_argument("--check", action="store_true", help="fail if --out is not up to date")
    args = parser.parse_args(argv)
    try:
        params = Params(args.slo_target, args.slo_seconds, args.runbook_base_url)
        text = render(params)
    except ValueError as err:
        parser.error(str(err))
    return write_or_check(args.out, text, check=args.check, command=parser.prog)


if __name__ == "__main__":
    sys.exit(main())
