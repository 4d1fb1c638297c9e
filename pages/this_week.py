"""This week: a department manager's ISO week — tiles, each supervisor's balance, alerts, trends, notes."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlmodel import Session

from core import charts, week_view
from core.auth import Scope
from core.i18n import N_, format_week, t
from ui import glue, widgets
from ui.notes_panel import notes_panel, plain
from ui.report_panel import report_panel

SEVERITY = {"high": ("red", N_("High")), "medium": ("orange", N_("Medium"))}


@glue.cached_loader()
def load_week(session: Session, department_code: str, week: str, scope: Scope) -> dict[str, Any]:
    return week_view.department_week(session, department_code, week, scope=scope)


def supervisor_card(card: dict[str, Any], lang: str) -> None:
    with st.container(border=True):
        who, legs, what = st.columns([3, 3, 5])
        with who:
            st.markdown(f"**{plain(card['title'])}**")
            st.badge(card["diagnosis"], color=card["badge"])
            if card["unexplained"]:
                st.badge(
                    t("Unexplained", lang),
                    color="red",
                    icon=":material/edit_note:",
                    help=t(
                        "Why: {reasons}. A tipped balance or a red figure asks for a note on this supervisor "
                        "and week. Write one under Notes and actions below and the mark goes away.",
                        lang,
                        reasons=card["unexplained"],
                    ),
                )
            st.caption(card["held"])
            glue.link_to("supervisor", t("Open the supervisor's page", lang), supervisor=card["code"])
        with legs:
            figure = widgets.figure(
                charts.legs_chart, card["scores"], labels=week_view.leg_labels(lang), height=130
            )
            st.plotly_chart(figure, theme=None, key=f"legs_{card['code']}", config=widgets.PLOTLY_CONFIG)
        with what:
            st.markdown(card["consequence"])
            with st.expander(t("What to do", lang)):
                st.markdown("\n".join(f"{i}. {action}" for i, action in enumerate(card["actions"], 1)))
            st.caption(f"{card['changes']}  \n{card['figures']}")


def trend_specs(view: dict, lang: str) -> list:
    """week_view.trend_charts, built once per content of the trends (widgets.figure)."""
    return widgets.figure(week_view.trend_charts, {"trends": view["trends"]}, lang)


def render() -> None:
    lang = glue.current_lang()
    st.title(t("This week", lang))
    left, right = st.columns(2)
    department = glue.department_filter(lang, allow_all=False, where=left)
    week = glue.week_filter(lang, where=right)
    if department is None:
        widgets.empty_state(
            t("No department yet: upload departments, supervisors and reps first.", lang), lang
        )
        return
    view = load_week(department.code, week, glue.current_scope())
    if not week_view.has_figures(view):
        text = t(
            "Nothing is recorded for {department} in {week}: "
            "upload bookings, targets, surveys or complaints.",
            lang,
            department=department.name,
            week=format_week(week, lang),
        )
        widgets.empty_state(text, lang)
        return

    tiles = week_view.tiles(view, lang)
    for row in (tiles[:3], tiles[3:]):
        for column, tile in zip(st.columns(3), row, strict=True):
            with column:
                # A figure from too few answers carries a grey marker with its count (tile.sample).
                widgets.kpi_tile(tile.label, tile.value, lang, **tile.options())

    alerts = week_view.alert_lines(view, lang)
    st.subheader(t("Alerts", lang))
    for alert in alerts:
        colour, level = SEVERITY[alert["severity"]]
        badge = t(level, lang)
        st.markdown(f":{colour}-badge[{badge}] **{plain(alert['title'])}** — {plain(alert['detail'])}")
    if not alerts:
        st.caption(t("No alerts this week.", lang))

    st.subheader(t("Supervisors: the three legs and the diagnosis", lang))
    cards = week_view.supervisor_cards(view, lang)
    for card in cards:
        supervisor_card(card, lang)
    frame, headers = week_view.supervisor_table(view, lang)
    widgets.download_csv(
        frame,
        key="supervisors",
        file_name=f"tripod-supervisors-{department.code}-{week}",
        lang=lang,
        headers=headers,
    )

    st.subheader(t("Trends over the last 13 weeks", lang))
    for column, spec in zip(st.columns(3), trend_specs(view, lang), strict=True):
        with column:
            widgets.chart(
                spec.figure,
                spec.data,
                key=spec.key,
                lang=lang,
                headers=spec.headers,
                file_name=f"tripod-{spec.key}-{department.code}-{week}",
            )

    notes_panel(lang, {card["id"]: card["title"] for card in cards}, week, key="this_week")
    report_panel(week, department.code, lang, key="this_week")


glue.run_page(render, page_key="this_week")
