"""Supervisor: one team in detail — its reps, key accounts, customer classes, activities, legs and notes."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlmodel import Session

from core import supervisor_view as sv
from core.auth import Scope
from core.i18n import t
from ui import glue, widgets
from ui.notes_panel import notes_panel
from ui.report_panel import report_panel


@glue.cached_loader()
def load_supervisor(session: Session, code: str, week: str, scope: Scope) -> dict[str, Any] | None:
    try:
        return sv.supervisor_week(session, code, week, scope=scope)
    except sv.SupervisorNotFoundError:
        return None


def render() -> None:
    lang = glue.current_lang()
    where = st.columns(3)
    department = glue.department_filter(lang, where=where[0])
    chosen = glue.supervisor_filter(lang, department.id if department else None, where=where[1])
    week = glue.week_filter(lang, where=where[2])
    view = load_supervisor(chosen.code, week, glue.current_scope()) if chosen else None
    if view is None:
        st.title(t("Supervisor", lang))
        widgets.empty_state(
            t("No supervisor to show yet: upload departments, supervisors and reps.", lang), lang
        )
        return
    who = view["supervisor"]
    glue.link_to(
        "this_week",
        t("← This week: {department}", lang, department=who["department_name"]),
        department=who["department_code"],
    )
    st.title(f"{who['name']} ({who['code']})")
    diagnosis = sv.diagnosis(view, lang)
    st.badge(diagnosis["label"], color=diagnosis["badge"])
    st.markdown(diagnosis["consequence"])
    if diagnosis["actions"]:
        with st.expander(t("What to do", lang)):
            st.markdown("\n".join(f"{i}. {action}" for i, action in enumerate(diagnosis["actions"], 1)))

    for column, tile in zip(st.columns(4), sv.tiles(view, lang), strict=True):
        with column:
            widgets.kpi_tile(tile.label, tile.value, lang, **tile.options())
    legs = sv.legs_trend(view, lang)
    widgets.chart(
        legs.figure,
        legs.data,
        key=legs.key,
        lang=lang,
        headers=legs.headers,
        file_name=f"tripod-legs-{who['code']}-{week}",
    )

    st.subheader(t("The team's reps, last 13 weeks", lang))
    if view["reps"].empty:
        widgets.empty_state(t("No reps in this team in that week: upload reps and assignments.", lang), lang)
    else:
        widgets.table(
            view["reps"], sv.REP_TABLE, lang, key="reps", file_name=f"tripod-reps-{who['code']}-{week}"
        )

    st.subheader(t("Key accounts: last contact", lang))
    widgets.table(
        view["key_accounts"],
        sv.KEY_ACCOUNT_TABLE,
        lang,
        key="key_accounts",
        file_name=f"tripod-key-accounts-{who['code']}-{week}",
    )

    st.subheader(t("Customer portfolio by class and segment", lang))
    portfolio = sv.portfolio_chart(view, lang)
    widgets.chart(portfolio.figure, portfolio.data, key=portfolio.key, lang=lang, headers=portfolio.headers)
    widgets.table(view["portfolio"], sv.PORTFOLIO_TABLE, lang, key="portfolio_table")

    st.subheader(t("Team activities, last 13 weeks", lang))
    st.caption(sv.activity_summary(view, lang))
    widgets.table(view["activities"], sv.ACTIVITY_TABLE, lang, key="activities")

    notes_panel(lang, {who["id"]: f"{who['name']} ({who['code']})"}, week, key="supervisor")
    report_panel(week, who["department_code"], lang, key="supervisor")


glue.run_page(render, page_key="supervisor")
