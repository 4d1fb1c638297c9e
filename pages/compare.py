"""Compare supervisors: everyone in scope ranked on a KPI, the balance map, the legs' trends, percentiles."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from core import charts
from core.auth import Scope
from core.i18n import format_week, t
from core.metrics.compare import (
    BALANCE_MAP_COLUMNS,
    KPIS,
    SEGMENT_LABELS,
    SEGMENTS,
    TREND_DOWNLOAD_COLUMNS,
    Comparison,
    compare_supervisors,
    diagnosis_names,
    leg_names,
    rank_supervisors,
    ranking_columns,
)
from core.params import DEFAULT_PARAMS
from core.tables import download_table
from ui import glue, widgets
from ui.report_panel import report_panel


@glue.cached_loader()
def load_comparison(session: Session, week: str, scope: Scope) -> Comparison:
    ids = None if scope.department_ids is None else sorted(scope.department_ids)
    return compare_supervisors(session, week, department_ids=ids)


def render() -> None:
    lang = glue.current_lang()
    st.title(t("Compare supervisors", lang))
    week_box, department_box, segment_box, kpi_box = st.columns(4)
    week = glue.week_filter(lang, where=week_box)
    department = glue.department_filter(lang, where=department_box)
    segment = glue.bound_select(
        "segment",
        [glue.ALL, *SEGMENTS],
        label=t("Segment", lang),
        format_func=lambda s: t("All segments", lang) if s == glue.ALL else t(SEGMENT_LABELS[s], lang),
        where=segment_box,
    )
    kpi = glue.bound_select(
        "kpi",
        list(KPIS),
        label=t("Rank by", lang),
        format_func=lambda k: t(KPIS[k].label, lang),
        where=kpi_box,
    )
    company = load_comparison(week, glue.current_scope())
    shown = company.filtered(department and department.code, None if segment == glue.ALL else segment)
    if shown.table.empty:
        text = t("No supervisor to compare here. Upload departments, supervisors, reps and bookings.", lang)
        widgets.empty_state(text, lang)
        return
    st.caption(
        t(
            "{count} supervisors, scored over the {weeks} weeks ending {week}. Percentile: the share of the "
            "company's {total} supervisors this one does better than on the chosen figure (100 = best).",
            lang,
            count=len(shown.table),
            weeks=DEFAULT_PARAMS.legs_window_weeks,
            week=format_week(company.week, lang),
            total=len(company.table),
        )
    )
    ranked = rank_supervisors(shown.table, kpi)
    kpi_label = t(KPIS[kpi].label, lang)
    left, right = st.columns(2)
    with left:
        ranking = charts.ranking_chart(
            ranked,
            title=t("Ranking: {kpi}", lang, kpi=kpi_label),
            colour_map=charts.department_colours(company.table["department_code"]),
            names=dict(zip(company.table["department_code"], company.table["department_name"], strict=False)),
            value_title=kpi_label,
            value_format=KPIS[kpi].value_format,
        )
        widgets.chart(ranking, download_table(ranked, ranking_columns(kpi), lang), key="ranking", lang=lang)
    with right:
        balance = charts.balance_map(
            shown.table,
            title=t("Balance map: targets against team and skills", lang),
            names=diagnosis_names(lang),
            x_title=t("Mean of the team and skills legs", lang),
            y_title=t("Targets leg", lang),
        )
        data = download_table(shown.table, BALANCE_MAP_COLUMNS, lang)
        widgets.chart(balance, data, key="balance_map", lang=lang)
        st.caption(t("On the dashed line the three legs are level. Bubble size: reps in the team.", lang))

    st.subheader(t("Ranking and percentiles", lang))
    widgets.table(ranked, ranking_columns(kpi), lang, key="ranking_table")

    title = t("The three legs week by week", lang)
    trends = charts.legs_small_multiples(shown.trend, title=title, leg_labels=leg_names(lang))
    data = download_table(shown.trend, TREND_DOWNLOAD_COLUMNS, lang)
    widgets.chart(trends, data, key="leg_trends", lang=lang)

    labels = dict(zip(ranked["code"], ranked["label"], strict=True))
    chosen = st.selectbox(t("Open a supervisor's page", lang), list(labels), format_func=labels.get)
    glue.link_to(
        "supervisor",
        t("Open the page of {name}", lang, name=labels[chosen]),
        supervisor=chosen,
        department=str(ranked.loc[ranked["code"] == chosen, "department_code"].iloc[0]),
    )
    report_panel(week, department.code if department else None, lang, key="compare")


glue.run_page(render, page_key="compare")
