"""Satisfaction & complaints: CSAT against the indicator, the rating chain, complaint rates and spikes,
categories, SLA, repeats, reactive complaints and the unmatched complaints."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core import charts
from core.auth import Scope
from core.i18n import N_, format_date, t
from core.metrics import voice_overview as voice
from core.params import DEFAULT_PARAMS
from core.tables import Column, download_table, format_table, headers
from core.week_view import with_sample_marks
from ui import glue, widgets


@glue.cached_loader()
def load_voice(session: Session, week: str, scope: Scope) -> voice.VoiceOverview:
    ids = None if scope.department_ids is None else sorted(scope.department_ids)
    return voice.voice_overview(session, week, department_ids=ids, include_scores=not scope.complaints_only)


@glue.cached_loader(session=False)
def repeats_table(week: str, scope: Scope, lang: str) -> tuple[pd.DataFrame, list[str], bytes]:
    """The repeat complainants as shown, their numeric headers, and the CSV: made once per week,
    scope and language. At the bench scale they are ~50,000 customers, and formatting them on
    every rerun took 5 s (docs/benchmarks.md)."""
    rows, columns = load_voice(week, scope).repeats, voice.REPEAT_COLUMNS
    numeric = [h for c, h in zip(columns, headers(columns, lang), strict=True) if c.numeric]
    return format_table(rows, columns, lang), numeric, widgets.csv_bytes(download_table(rows, columns, lang))


def _repeats(prepared: tuple[pd.DataFrame, list[str], bytes], lang: str) -> None:
    """widgets.table's long-table view of repeats_table's prepared rows."""
    shown, numeric, csv = prepared
    if shown.empty:
        st.caption(t("Nothing to list.", lang))
        return
    if len(shown) <= widgets.STATIC_ROWS:
        st.table(shown.style.hide(axis="index"))
    else:
        right = {header: st.column_config.TextColumn(alignment="right") for header in numeric}
        st.dataframe(
            shown, hide_index=True, width="stretch", height=560, column_config=right, key="repeats_table"
        )
    st.download_button(
        t("Download the data (CSV)", lang),
        data=csv,
        file_name="repeats.csv",
        mime="text/csv",
        key="repeats_csv",
        icon=":material/download:",
        on_click="ignore",
    )


# The CSAT table with its small-sample marker: from fewer than csat_min_surveys answers a CSAT is
# not judged against the indicator (docs/metrics.md, "Small CSAT samples").
CSAT_TABLE_COLUMNS = (*voice.CSAT_COLUMNS, Column("sample", N_("Sample")))


def satisfaction(v: voice.VoiceOverview, lang: str) -> None:
    st.header(t("Customer satisfaction", lang))
    title = t("CSAT by department, each week over the 4 weeks ending with it; its indicator dashed", lang)
    fig = widgets.figure(
        charts.csat_against_indicator,
        with_sample_marks(v.csat_trend, lang),
        title=title,
        colour_map=v.department_colours,
        names=v.department_names,
        y_title=t("CSAT", lang),
        reference_label=t("Indicator", lang),
        week_labels=v.week_labels(lang),
        empty_text=t("No survey answers in these weeks.", lang),
        small_sample="sample",
        small_label=t("Small sample, not judged", lang),
    )
    widgets.chart(fig, download_table(v.csat_trend, voice.CSAT_TREND_COLUMNS, lang), key="csat", lang=lang)
    widgets.table(with_sample_marks(v.csat_summary, lang), CSAT_TABLE_COLUMNS, lang, key="csat_summary")
    quarter = voice.quarter_label(v.rating_quarter, lang)
    st.subheader(t("Rating chain: ratings far from what customers say ({quarter})", lang, quarter=quarter))
    if v.rating_gaps.empty:
        st.success(t("No rating differs from the customers' view beyond the threshold.", lang))
    else:
        widgets.table(v.rating_gaps, voice.RATING_GAP_COLUMNS, lang, key="rating_gaps")


def complaints(v: voice.VoiceOverview, lang: str, repeats: tuple[pd.DataFrame, list[str], bytes]) -> None:
    st.header(t("Complaints", lang))
    fig = widgets.figure(
        charts.complaint_rate_with_spikes,
        v.complaint_trend,
        title=t("Complaints per 100 customers, by department and week", lang),
        colour_map=v.department_colours,
        names=v.department_names,
        spike_label=t("Spike", lang),
        week_labels=v.week_labels(lang),
        y_title=t("Per 100 customers", lang),
    )
    trend = download_table(v.complaint_trend, voice.COMPLAINT_TREND_COLUMNS, lang)
    widgets.chart(fig, trend, key="complaint_rate", lang=lang)
    fig = widgets.figure(
        charts.pareto_chart,
        v.pareto,
        category="label",
        count="complaints",
        title=t("Complaints by category", lang),
        count_title=t("Complaints", lang),
        share_title=t("Cumulative share", lang),
        empty_text=t("No complaints in these weeks.", lang),
    )
    widgets.chart(fig, download_table(v.pareto, voice.PARETO_COLUMNS, lang), key="pareto", lang=lang)
    st.subheader(t("Time to resolve and the SLA", lang))
    widgets.table(v.resolution, voice.RESOLUTION_COLUMNS, lang, key="resolution")
    st.subheader(t("Reactive complaints: key accounts overdue for contact", lang))
    widgets.table(v.reactive, voice.REACTIVE_COLUMNS, lang, key="reactive")
    days = DEFAULT_PARAMS.repeat_window_days
    st.subheader(t("Repeat complainants: the same customer again within {days} days", lang, days=days))
    st.caption(v.repeats_summary(lang))
    _repeats(repeats, lang)


def unmatched(v: voice.VoiceOverview, lang: str) -> None:
    st.header(t("Unmatched complaints", lang))
    if v.unmatched_count == 0:
        st.success(t("Every complaint is attributed to a department.", lang))
        return
    widgets.table(v.unmatched, voice.UNMATCHED_TABLE_COLUMNS, lang, key="unmatched")
    widgets.empty_state(v.unmatched_summary(lang), lang)


def render() -> None:
    lang = glue.current_lang()
    st.title(t("Satisfaction & complaints", lang))
    week_box, department_box = st.columns(2)
    week = glue.week_filter(lang, where=week_box)
    department = glue.department_filter(lang, where=department_box)
    scope = glue.current_scope()
    shown = scope if department is None else replace(scope, department_ids=frozenset({department.id}))
    v = load_voice(week, shown)
    if not v.has_data:
        widgets.empty_state(
            t("Nothing to show yet: upload the complaint log and the survey results.", lang), lang
        )
        return
    start, end = format_date(v.window.start, lang), format_date(v.window.end, lang)
    st.caption(t("Weeks from {start} to {end}.", lang, start=start, end=end))
    if not scope.complaints_only:
        satisfaction(v, lang)
    complaints(v, lang, repeats_table(week, shown, lang))
    if shown.department_ids is None:
        unmatched(v, lang)


glue.run_page(render, page_key="satisfaction")
