"""The parts every scimwatch dashboard shares: variables, panel shapes, the runbooks link.

Each dashboard module only says what to show (titles, descriptions, PromQL); how a panel is
wired to the `$datasource` variable, how targets get their refIds and where panels go is
decided here once, so the five dashboards look and behave alike.
"""

from __future__ import annotations

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

from monitor.telemetry.metrics import COLLECTOR_UP, SCIM_REQUESTS

__all__ = [
    "APP_IDP",
    "APP_ONLY",
    "COLLECTOR",
    "RUNBOOKS_URL",
    "Query",
    "base",
    "heatmap_panel",
    "stat_panel",
    "timeseries_panel",
]

# Where docs/runbooks/<AlertName>.md is published; `python -m dashboards.build --runbooks-url`
# overrides it for a fork or an internal mirror.
RUNBOOKS_URL = "https://github.com/scimwatch/scimwatch/tree/main/docs/runbooks"

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
# Label matchers for the two template variables; `.*` (All) also matches the empty `app` of
# IdP-level findings.
APP_IDP = 'app=~"$app", idp=~"$idp"'
APP_ONLY = 'app=~"$app"'
COLLECTOR = 'collector=~"$collector"'


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
    title: str, description: str, *queries: Query, unit: str = "short", width: int = 12
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
    return panel


def stat_panel(
    title: str,
    description: str,
    query: Query,
    *,
    unit: str = "short",
    red_at: float | None = None,
    width: int = 6,
    no_value: str | None = None,
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


# Template variables by name: label, query. `idp` follows the chosen apps.
LABEL_VARIABLES = {
    "app": ("App", f"label_values({SCIM_REQUESTS}, app)"),
    "idp": ("IdP", f'label_values({SCIM_REQUESTS}{{app=~"$app"}}, idp)'),
    "collector": ("Collector", f"label_values({COLLECTOR_UP}, collector)"),
}


def _label_variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .hide(VariableHide.DONT_HIDE)
    )


def base(
    uid: str,
    title: str,
    description: str,
    *,
    runbooks_url: str,
    variables: tuple[str, ...] = ("app", "idp"),
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
            dashboard.DashboardLink("Runbooks")
            .type(DashboardLinkType.LINK)
            .icon("doc")
            .tooltip("docs/runbooks/<AlertName>.md: what an alert means and what to do")
            .url(runbooks_url)
            .target_blank(True)
        )
        .link(
            dashboard.DashboardLink("scimwatch dashboards")
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
    for name in variables:
        built = built.with_variable(_label_variable(name, *LABEL_VARIABLES[name]))
    return built
