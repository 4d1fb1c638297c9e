"""Compare supervisors: everyone in scope ranked on a KPI, the balance map, the legs' trends, percentiles."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from core.auth import Scope
from core.compare_view import SMALL_MULTIPLES_LIMIT, CompareView, build_compare_view, panels_caption
from core.i18n import format_week, t
from core.metrics.compare import (
    KPIS,
    SEGMENT_LABELS,
    SEGMENTS,
    Comparison,
    compare_supervisors,
    ranking_columns,
)
from core.params import DEFAULT_PARAMS
from ui import glue, widgets
from ui.report_panel import report_panel


@glue.cached_loader()
def load_comparison(session: Session, week: str, scope: Scope) -> Comparison:
    ids = None if scope.department_ids is None else sorted(scope.department_ids)
    return compare_supervisors(session, week, department_ids=ids)


@glue.cached_loader(session=False)
def load_view(
    week: str,
    scope: Scope,
    departments: tuple[str, ...] | None,
    segment: str | None,
    kpi: str,
    chosen: tuple[str, ...],
    lang: str,
) -> CompareView:
    # The figures are built once per choice and then come from the cache with the rows.
    return build_compare_view(
        load_comparison(week, scope),
        department_codes=departments,
        segment=segment,
        kpi=kpi,
        chosen=chosen,
        lang=lang,
    )


def render() -> None:
    lang = glue.current_lang()
    st.title(t("Compare supervisors", lang))
    # The week gets the widest box: its label carries the dates ("2026年第47周 (11月16日–11月22日)").
    week_box, segment_box, kpi_box = st.columns([5, 3, 4])
    week = glue.week_filter(lang, where=week_box)
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
    departments = glue.departments_filter(lang)
    everyone = {d.code for d in departments} == set(glue.load_departments(glue.current_scope())["code"])
    codes = None if everyone else tuple(sorted(d.code for d in departments))
    chosen = tuple(st.session_state.get("compare_panels") or ())
    scope, seg = glue.current_scope(), None if segment == glue.ALL else segment
    view = load_view(week, scope, codes, seg, kpi, chosen, lang)
    if view.ranked.empty:
        text = t("No supervisor to compare here. Upload departments, supervisors, reps and bookings.", lang)
        widgets.empty_state(text, lang)
        return
    st.caption(
        t(
            "{count} supervisors, scored over the {weeks} weeks ending {week}. Percentile: the share of the "
            "company's {total} supervisors this one does better than on the chosen figure (100 = best).",
            lang,
            count=len(view.ranked),
            weeks=DEFAULT_PARAMS.legs_window_weeks,
            week=format_week(view.shown.week, lang),
            total=view.company_size,
        )
    )
    left, right = st.columns(2)
    with left:
        widgets.chart(view.ranking, view.ranking_data, key="ranking", lang=lang)
        if view.ranking_cut:
            st.caption(t("The chart shows the best and the worst; the table below lists everyone.", lang))
    with right:
        widgets.chart(view.balance, view.balance_data, key="balance_map", lang=lang)
        st.caption(t("On the dashed line the three legs are level. Bubble size: reps in the team.", lang))

    st.subheader(t("Ranking and percentiles", lang))
    widgets.table(view.ranked, ranking_columns(kpi), lang, key="ranking_table")

    labels = dict(zip(view.ranked["code"], view.ranked["label"], strict=True))
    st.session_state["compare_panels"] = [code for code in chosen if code in labels]  # filters may drop some
    st.caption(panels_caption(view, kpi, lang))
    widgets.chart(view.trends, view.trend_data, key="leg_trends", lang=lang)
    st.multiselect(
        t("Supervisors in the small charts", lang),
        list(labels),
        format_func=labels.get,
        max_selections=SMALL_MULTIPLES_LIMIT,
        key="compare_panels",
        placeholder=t("Default: tipped balances, then the lowest and highest ranked", lang),
    )

    picked = st.selectbox(t("Open a supervisor's page", lang), list(labels), format_func=labels.get)
    glue.link_to(
        "supervisor",
        t("Open the page of {name}", lang, name=labels[picked]),
        supervisor=picked,
        department=str(view.ranked.loc[view.ranked["code"] == picked, "department_code"].iloc[0]),
    )
    # The report covers what is on screen: the chosen departments of the chosen segment.
    single, several = report_departments(scope, codes, seg)
    report_panel(week, single, lang, key="compare", department_codes=several)


def report_departments(
    scope: Scope, codes: tuple[str, ...] | None, segment: str | None
) -> tuple[str | None, tuple[str, ...] | None]:
    """(one department's code, None), (None, several codes) or (None, None) for every department."""
    frame = glue.load_departments(scope)
    shown = frame if codes is None else frame[frame["code"].isin(codes)]
    if segment is not None:
        shown = shown[shown["segment"] == segment]
    picked = tuple(sorted(shown["code"]))
    if len(picked) == 1:
        return picked[0], None
    if not picked or len(picked) == len(frame):
        return None, None
    return None, picked


glue.run_page(render, page_key="compare")
