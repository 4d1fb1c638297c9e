"""What the Compare page draws: the supervisors its filters keep, ranked, and which of them get a small chart.

A comparison can hold a thousand supervisors. The table lists all of them; the charts do not
try to: the ranking chart draws the best and the worst, the balance map draws every point but
names them only when few, and the legs' small multiples draw at most SMALL_MULTIPLES_LIMIT
supervisors — the ones the reader picked, or by default the ones whose balance tipped this week
and the lowest and highest on the ranking figure. Figures are built here, once per choice, so
the page can cache them whole.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from core import charts
from core.i18n import format_number, t
from core.metrics.compare import (
    BALANCE_MAP_COLUMNS,
    KPIS,
    TREND_DOWNLOAD_COLUMNS,
    Comparison,
    diagnosis_names,
    leg_names,
    rank_supervisors,
    ranking_columns,
)
from core.tables import download_table

SMALL_MULTIPLES_LIMIT = 24  # small charts drawn at most (six rows of four): beyond that none is read
RANKING_CHART_ENDS = 15  # past twice this many supervisors the ranking chart draws the best and worst 15


@dataclass(frozen=True)
class Panels:
    """Which supervisors get a small chart, and why (for the caption)."""

    codes: tuple[str, ...]  # in ranking order
    reason: str  # "all" (few enough), "chosen" (the reader's pick) or "picked" (the default rule)
    tipped: int = 0  # of the codes: supervisors whose balance tipped this week
    lowest: int = 0  # ... the lowest on the ranking figure
    highest: int = 0  # ... the highest on it


@dataclass(frozen=True)
class CompareView:
    """Everything the Compare page shows for one choice of week, scope, filters, KPI and language."""

    shown: Comparison  # the supervisors the filters keep (percentiles stay the company's)
    company_size: int  # supervisors the percentiles are taken over
    ranked: pd.DataFrame  # shown, best first on the KPI (core.metrics.compare.rank_supervisors)
    ranking: go.Figure
    ranking_data: pd.DataFrame
    ranking_cut: bool  # the chart draws only the best and worst RANKING_CHART_ENDS
    balance: go.Figure
    balance_data: pd.DataFrame
    panels: Panels
    trends: go.Figure
    trend_data: pd.DataFrame  # the legs of the supervisors drawn, week by week


def filter_rows(
    comparison: Comparison, department_codes: Collection[str] | None, segment: str | None
) -> Comparison:
    """The supervisors of the given departments (None: all) and segment (None: both)."""
    table = comparison.table
    keep = pd.Series(True, index=table.index)
    if department_codes is not None:
        keep &= table["department_code"].isin(list(department_codes))
    if segment is not None:
        keep &= table["segment"] == segment
    table = table[keep].reset_index(drop=True)
    trend = comparison.trend[comparison.trend["code"].isin(set(table["code"]))].reset_index(drop=True)
    return Comparison(week=comparison.week, table=table, trend=trend)


def tipped(table: pd.DataFrame) -> pd.Series:
    """Whose balance tipped this week: a failure pattern now that was not there the week before.

    True when this week's diagnosis is known, is not 'balanced', and differs from last week's
    (balanced, another pattern, or none yet). A return to balance is not a tip.
    """
    now, before = table["diagnosis"], table["diagnosis_last_week"]
    return now.notna() & (now != "balanced") & (now != before)


def pick_panels(
    ranked: pd.DataFrame, chosen: Sequence[str] = (), *, limit: int = SMALL_MULTIPLES_LIMIT
) -> Panels:
    """The supervisors that get a small chart, in ranking order.

    The reader's choice when there is one (at most `limit`); everyone when there are at most
    `limit`; otherwise those whose balance tipped this week (at most half of `limit`, the lowest
    ranked first), then the lowest and the highest on the ranking figure, half each.
    """
    order = list(ranked["code"])
    if chosen:
        wanted = set(chosen)
        return Panels(tuple(code for code in order if code in wanted)[:limit], "chosen")
    if len(order) <= limit:
        return Panels(tuple(order), "all")
    flips = ranked.loc[tipped(ranked), "code"].tolist()[::-1][: limit // 2]  # worst ranked first
    rest = ranked[~ranked["code"].isin(flips) & ranked["value"].notna()]
    room = limit - len(flips)
    lowest = rest["code"].tolist()[::-1][: room // 2]
    highest = [code for code in rest["code"] if code not in set(lowest)][: room - len(lowest)]
    keep = set(flips) | set(lowest) | set(highest)
    return Panels(
        tuple(code for code in order if code in keep), "picked", len(flips), len(lowest), len(highest)
    )


def ranking_rows(ranked: pd.DataFrame, ends: int = RANKING_CHART_ENDS) -> pd.DataFrame:
    """The rows the ranking chart draws: all of them, or the best and the worst `ends` with a value."""
    valued = ranked[ranked["value"].notna()]
    if len(valued) <= 2 * ends:
        return ranked
    return pd.concat([valued.head(ends), valued.tail(ends)])


def build_compare_view(
    comparison: Comparison,
    *,
    department_codes: Collection[str] | None,
    segment: str | None,
    kpi: str,
    chosen: Sequence[str],
    lang: str,
) -> CompareView:
    """The Compare page's tables and figures for one choice (texts in `lang`)."""
    shown = filter_rows(comparison, department_codes, segment)
    ranked = rank_supervisors(shown.table, kpi)
    kpi_label = t(KPIS[kpi].label, lang)
    company = comparison.table
    drawn = ranking_rows(ranked)
    ranking = charts.ranking_chart(
        drawn,
        title=t("Ranking: {kpi}", lang, kpi=kpi_label),
        colour_map=charts.department_colours(company["department_code"]),
        names=dict(zip(company["department_code"], company["department_name"], strict=False)),
        value_title=kpi_label,
        value_format=KPIS[kpi].value_format,
    )
    x_title = t("Mean of the team and skills legs", lang)
    balance = charts.balance_map(
        shown.table,
        title=t("Balance map: targets against team and skills", lang),
        names=diagnosis_names(lang),
        x_title=x_title,
        y_title=t("Targets leg", lang),
    )
    panels = pick_panels(ranked, chosen)
    position = {code: i for i, code in enumerate(panels.codes)}
    trend = shown.trend[shown.trend["code"].isin(position)]
    trend = trend.assign(_order=trend["code"].map(position)).sort_values("_order", kind="stable")
    trends = charts.legs_small_multiples(
        trend.drop(columns="_order"),
        title=t("The three legs week by week", lang),
        leg_labels=leg_names(lang),
    )
    return CompareView(
        shown=shown,
        company_size=len(company),
        ranked=ranked,
        ranking=ranking,
        ranking_data=download_table(ranked, ranking_columns(kpi), lang),
        ranking_cut=len(drawn) < len(ranked),
        balance=balance,
        balance_data=download_table(shown.table, BALANCE_MAP_COLUMNS, lang),
        panels=panels,
        trends=trends,
        # The rows behind the small charts drawn (a thousand supervisors' weeks would be 39,000 rows).
        trend_data=download_table(trend.drop(columns="_order"), TREND_DOWNLOAD_COLUMNS, lang),
    )


def panels_caption(view: CompareView, kpi: str, lang: str) -> str:
    """Which supervisors the small charts show, and how to pick others."""
    panels, total = view.panels, format_number(len(view.ranked), lang)
    if panels.reason == "all":
        return t("A small chart for each of the {count} supervisors.", lang, count=total)
    if panels.reason == "chosen":
        return t(
            "Small charts for the {shown} supervisors you chose (of {total}). "
            "Clear the choice to see the default ones again.",
            lang,
            shown=len(panels.codes),
            total=total,
        )
    return t(
        "Small charts for {shown} of the {total} supervisors: {tipped} whose balance tipped this week, "
        "then the {lowest} lowest and the {highest} highest on “{kpi}”. "
        "Choose others (up to {limit}) in the box below.",
        lang,
        shown=len(panels.codes),
        total=total,
        tipped=panels.tipped,
        lowest=panels.lowest,
        highest=panels.highest,
        kpi=t(KPIS[kpi].label, lang),
        limit=SMALL_MULTIPLES_LIMIT,
    )
