"""Plans & targets: each department's annual plan against the industry forecast, and attainment by period."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core import charts
from core.auth import Scope
from core.i18n import N_, format_date, format_week, t
from core.metrics import plans
from core.metrics.voice_overview import department_colour_map
from core.tables import download_table
from ui import glue, widgets

# What the attainment figures count up to: the end of the chosen week (as This week does), or yesterday.
UNTIL_LABELS = {"week": N_("The end of the chosen week"), "yesterday": N_("Yesterday")}


def _ids(scope: Scope) -> list[int] | None:
    return None if scope.department_ids is None else sorted(scope.department_ids)


@glue.cached_loader()
def load_years(session: Session, scope: Scope) -> list[int]:
    return plans.plan_years(session, _ids(scope))


@glue.cached_loader()
def load_colours(session: Session) -> dict[str, str]:
    return department_colour_map(session)


@glue.cached_loader()
def load_plans(session: Session, year: int, as_of: date, scope: Scope) -> pd.DataFrame:
    return plans.plan_overview(session, year, as_of=as_of, department_ids=_ids(scope))


@glue.cached_loader()
def load_periods(
    session: Session, year: int, kind: str, level: str, as_of: date, scope: Scope
) -> pd.DataFrame:
    return plans.period_attainment(session, year, kind, level, as_of=as_of, department_ids=_ids(scope))


def render() -> None:
    lang = glue.current_lang()
    st.title(t("Plans & targets", lang))
    yesterday = plans.last_full_day(glue.today())
    until_box, week_box = st.columns(2)
    until = glue.bound_select(
        "to",
        ["week", "yesterday"],
        label=t("Count bookings up to", lang),
        format_func=lambda k: t(UNTIL_LABELS[k], lang),
        where=until_box,
    )
    week = glue.week_filter(lang, where=week_box)
    as_of = plans.as_of_day(week, yesterday) if until == "week" else yesterday
    year_box, kind_box, department_box = st.columns(3)
    years = [str(y) for y in sorted({as_of.year, *load_years(glue.current_scope())}, reverse=True)]
    year = int(
        glue.bound_select("year", years, label=t("Year", lang), default=str(as_of.year), where=year_box)
    )
    kind = glue.bound_select(
        "period",
        list(plans.PERIOD_TYPES),
        label=t("Period", lang),
        default="quarter",
        format_func=lambda k: t(plans.PERIOD_TYPE_LABELS[k], lang),
        where=kind_box,
    )
    department = glue.department_filter(lang, where=department_box)
    scope = glue.current_scope()
    scope = scope if department is None else replace(scope, department_ids=frozenset({department.id}))
    if until == "week":
        caption = t(
            "Bookings and targets counted up to {day}, the end of {week}: the figures This week shows "
            "for that week.",
            lang,
            day=format_date(as_of, lang),
            week=format_week(week, lang),
        )
    else:
        caption = t(
            "Bookings and targets counted up to yesterday, {day}.", lang, day=format_date(as_of, lang)
        )
    st.caption(caption)

    st.header(t("Annual plan against the industry forecast", lang))
    plan = load_plans(year, as_of, scope)
    if plan.empty:
        widgets.empty_state(t("No plan for {year} yet: upload the plans file.", lang, year=year), lang)
    else:
        for alert in plans.plan_alerts(plan, lang):
            st.warning(alert, icon=":material/trending_down:")
        if not plan["last_year_complete"].all():
            st.caption(t("Last year is not over: its bookings so far stand in for the whole year.", lang))
        fig = widgets.figure(
            charts.plan_against_forecast,
            plan,
            title=t("Planned growth against the industry forecast, {year}", lang, year=year),
            names=dict(zip(plan["code"], plan["name"], strict=True)),
            plan_label=t("Plan growth", lang),
            forecast_label=t("Industry forecast", lang),
            recommended_label=t("Recommended growth", lang),
        )
        widgets.chart(fig, download_table(plan, plans.PLAN_TABLE_COLUMNS, lang), key="plan", lang=lang)
        widgets.table(plan, plans.PLAN_TABLE_COLUMNS, lang, key="plan_table")

    kind_label = t(plans.PERIOD_TYPE_LABELS[kind], lang)
    st.header(t("Targets and attainment by {period}", lang, period=kind_label.lower()))
    departments = plans.with_period_labels(
        load_periods(year, kind, "department", as_of, scope), kind, lang, as_of=as_of
    )
    if departments.empty or not (departments["target"] > 0).any():
        widgets.empty_state(t("No targets for {year} yet: upload the targets file.", lang, year=year), lang)
        return
    fig = widgets.figure(
        charts.attainment_bars,
        departments,
        x="period_label",
        title=t("Attainment by department and {period}", lang, period=kind_label.lower()),
        colour_map=load_colours(),
        names=dict(zip(departments["code"], departments["name"], strict=False)),
        target_label=t("Target", lang),
        y_title=t("Attainment", lang),
    )
    widgets.chart(
        fig, download_table(departments, plans.PERIOD_TABLE_COLUMNS, lang), key="attainment", lang=lang
    )
    widgets.table(departments, plans.PERIOD_TABLE_COLUMNS, lang, key="attainment_table")

    st.subheader(t("Attainment of each supervisor", lang))
    supervisors = plans.with_period_labels(
        load_periods(year, kind, "supervisor", as_of, scope), kind, lang, as_of=as_of
    )
    matrix = plans.attainment_matrix(supervisors)
    widgets.table(matrix, plans.matrix_columns(supervisors), lang, key="supervisors")


glue.run_page(render, page_key="plans")
