"""The parts every scimwatch dashboard shares: variables, panel shapes, the runbook links.

Each dashboard module only says what to show (titles, descriptions, PromQL, the catalog alerts
whose signal a panel shows); how a panel is wired to the `$datasource` variable, how targets get
their refIds, how runbook links are spelled and where panels go is decided here once, so the
five dashboards look and behave alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard, heatmap, prometheus, stat, timeseries
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    LegendDisplayMode,
    LegendPlacement,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    VariableHide,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from alerts.catalog import CATALOG, RUNBOOKS_URL, rule
from monitor.telemetry.metrics import COLLECTOR_UP, SCIM_REQUESTS

__all__ = [
    "APP_FROM_IDP",
    "APP_IDP",
    "APP_ONLY",
    "COLLECTOR",
    "COLLECTOR_ONLY",
    "IDP_FROM_APP",
    "RATE",
    "RUNBOOKS_URL",
    "LabelVariable",
    "Link",
    "Query",
    "Runbooks",
    "base",
    "heatmap_panel",
    "stat_panel",
    "timeseries_panel",
]

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
# Label matchers for the template variables; `.*` (All, where it is the allValue) also matches
# the empty `app` of IdP-level findings.
APP_IDP = 'app=~"$app", idp=~"$idp"'
APP_ONLY = 'app=~"$app"'
COLLECTOR = 'collector=~"$collector"'
RATE = "$__rate_interval"  # Grafana's range for rate(): at least four scrape intervals

Link = dashboard.DashboardLink
# Finding type -> the catalog alert an open finding of that type raises.
FINDING_ALERTS = {r.finding: r.name for r in CATALOG if r.finding is not None}


class Runbooks:
    """Links to docs/runbooks/<AlertName>.md where they are published (`RUNBOOKS_URL` unless
    `python -m dashboards.build --runbooks-url` names a fork or an internal mirror)."""

    def __init__(self, url: str = RUNBOOKS_URL) -> None:
        self.url = url if url.endswith("/") else url + "/"

    def of(self, *alerts: str) -> list[Link]:
        """Panel links to the runbooks of the catalog alerts whose signal the panel shows; an
        unknown name fails the build, not a click."""
        return [self._link(rule(name).name) for name in alerts]

    def of_findings(self, *types: str) -> list[Link]:
        return self.of(*(FINDING_ALERTS[kind] for kind in types))

    def _link(self, alert: str) -> Link:
        return (
            Link(f"Runbook: {alert}")
            .type(DashboardLinkType.LINK)
            .icon("doc")
            .tooltip(f"docs/runbooks/{alert}.md: what the {alert} alert means and what to do")
            .url(f"{self.url}{alert}.md")
            .target_blank(True)
        )


@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL target: the expression and how its series are named in the legend."""

    expr: str
    legend: str = ""


def _target(query: Query, ref: str, *, heat: bool = False) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
    if query.legend:
        target = target.legend_format(query.legend)
    if heat:
        target = target.format(PromQueryFormat.HEATMAP).legend_format("{{le}}")
    return target


def _refs(queries: tuple[Query, ...]) -> list[tuple[Query, str]]:
    return [(query, chr(ord("A") + i)) for i, query in enumerate(queries)]


def timeseries_panel(
    title: str,
    description: str,
    *queries: Query,
    unit: str = "short",
    width: int = 12,
    links: Sequence[Link] = (),
) -> timeseries.Panel:
    """A line graph, legend as a table under it (long label sets stay readable)."""
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(8)
        .min(0)
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(LegendDisplayMode.TABLE)
            .placement(LegendPlacement.BOTTOM)
            .calcs(["lastNotNull", "max"])
        )
    )
    for query, ref in _refs(queries):
        panel = panel.with_target(_target(query, ref))
    return panel.links(list(links)) if links else panel


def stat_panel(
    title: str,
    description: str,
    query: Query,
    *,
    unit: str = "short",
    red_at: float | None = None,
    width: int = 6,
    no_value: str | None = None,
    links: Sequence[Link] = (),
) -> stat.Panel:
    """A single number per series; turns red at `red_at` when that value means trouble."""
    steps = [Threshold(value=None, color="green")]
    if red_at is not None:
        steps.append(Threshold(value=red_at, color="red"))
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(5)
        .color_mode(BigValueColorMode.BACKGROUND if red_at is not None else BigValueColorMode.VALUE)
        .graph_mode(BigValueGraphMode.AREA)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps))
        .with_target(_target(query, "A"))
    )
    if links:
        panel = panel.links(list(links))
    # A counter or gauge with no series yet means none happened: show 0, not "No data".
    return panel.no_value(no_value) if no_value is not None else panel


def heatmap_panel(title: str, description: str, query: Query, *, unit: str) -> heatmap.Panel:
    """Buckets of a Prometheus histogram over time (the query returns rates by `le`)."""
    return (
        heatmap.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .span(12)
        .height(8)
        .calculate(False)
        .y_axis(heatmap.YAxisConfig().unit(unit))
        .show_legend()
        .show_tooltip()
        .with_target(_target(query, "A", heat=True))
    )


@dataclass(frozen=True, slots=True)
class LabelVariable:
    """A multi-select query variable over one label. With `all_value` None, "All" is the
    variable's current options, so a variable it depends on narrows it; `.*` is every value,
    the empty one too."""

    name: str
    label: str
    query: str
    all_value: str | None = ".*"


# `idp` follows the chosen apps: for dashboards whose panels filter on both labels.
IDP_FROM_APP = (
    LabelVariable("app", "App", f"label_values({SCIM_REQUESTS}, app)"),
    LabelVariable("idp", "IdP", f'label_values({SCIM_REQUESTS}{{app=~"$app"}}, idp)'),
)
# `app` follows the chosen IdPs, "All" included: for panels over metrics with an `app` label
# and no `idp` label (findings), which can only follow an IdP through the apps it provisions.
APP_FROM_IDP = (
    LabelVariable("idp", "IdP", f"label_values({SCIM_REQUESTS}, idp)"),
    LabelVariable(
        "app", "App", f'label_values({SCIM_REQUESTS}{{idp=~"$idp"}}, app)', all_value=None
    ),
)
COLLECTOR_ONLY = (
    LabelVariable("collector", "Collector", f"label_values({COLLECTOR_UP}, collector)"),
)


def _label_variable(variable: LabelVariable) -> dashboard.QueryVariable:
    built = (
        dashboard.QueryVariable(variable.name)
        .label(variable.label)
        .datasource(DATASOURCE)
        .query(variable.query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .hide(VariableHide.DONT_HIDE)
    )
    return built.all_value(variable.all_value) if variable.all_value is not None else built


def base(
    uid: str,
    title: str,
    description: str,
    *,
    runbooks: Runbooks,
    variables: tuple[LabelVariable, ...] = IDP_FROM_APP,
) -> dashboard.Dashboard:
    """A dashboard with the shared variables, tags, time range and links."""
    built = (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["scimwatch"])
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("browser")
        .link(
            Link("Runbooks")
            .type(DashboardLinkType.LINK)
            .icon("doc")
            .tooltip("docs/runbooks/<AlertName>.md: what an alert means and what to do")
            .url(runbooks.url)
            .target_blank(True)
        )
        .link(
            Link("scimwatch dashboards")
            .type(DashboardLinkType.DASHBOARDS)
            .tags(["scimwatch"])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
    )
    built = built.with_variable(
        dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus")
    )
    for variable in variables:
        built = built.with_variable(_label_variable(variable))
    return built
