"""What is loaded: how many records of each kind, from when to when, and whether they are demo data."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core.i18n import format_date, format_number, t
from core.inventory import kind_label, summarise_data
from core.settings import get_settings
from ui import glue, widgets


@glue.cached_loader()
def load_inventory(session: Session, department_ids: tuple[int, ...] | None) -> pd.DataFrame:
    return summarise_data(session, department_ids)


def _when(value: object, lang: str) -> str:
    if isinstance(value, date):
        return format_date(value, lang)
    return "—" if value is None else str(value)


def render() -> None:
    lang = glue.current_lang()
    st.title(t("What is loaded", lang))
    scope = glue.current_scope()
    restricted = scope.department_ids is not None
    frame = load_inventory(None if not restricted else tuple(sorted(scope.department_ids)))
    if get_settings().demo_mode:
        st.warning(
            t(
                "Demo mode is on: the organisation, people, customers and figures below are invented. "
                "Set TRIPOD_DEMO=0 to run Tripod on your own data.",
                lang,
            ),
            icon=":material/science:",
        )
    if int(frame["rows"].sum()) == 0:
        widgets.empty_state(
            t("Nothing is loaded yet: start with departments, supervisors and reps.", lang), lang
        )
        return
    st.caption(
        t("Counts cover your department only.", lang)
        if restricted
        else t("Counts cover the whole organisation.", lang)
    )

    rows = dict(zip(frame["kind"], frame["rows"], strict=True))
    tiles = ("departments", "supervisors", "reps", "customers", "complaints")
    for column, kind in zip(st.columns(len(tiles)), tiles, strict=True):
        with column:
            st.metric(t(kind_label(kind), lang), format_number(rows.get(kind, 0), lang), border=True)

    st.subheader(t("Records by kind", lang))
    headers = {
        "kind": t("Kind of record", lang),
        "rows": t("Rows", lang),
        "first": t("From", lang),
        "last": t("To", lang),
    }
    shown = pd.DataFrame(
        {
            "kind": [t(kind_label(kind), lang) for kind in frame["kind"]],
            "rows": [format_number(n, lang) for n in frame["rows"]],
            "first": [_when(v, lang) for v in frame["first"]],
            "last": [_when(v, lang) for v in frame["last"]],
        }
    )
    st.dataframe(
        shown.rename(columns=headers),
        hide_index=True,
        width="stretch",
        height="content",
        column_config={headers["rows"]: st.column_config.TextColumn(alignment="right")},
    )
    glue.link_to("method", t("How every figure is computed", lang))
    raw = frame.assign(kind=shown["kind"])  # the download keeps numbers and ISO dates machine-readable
    widgets.download_csv(raw, key="inventory", file_name="tripod-inventory", lang=lang, headers=headers)


glue.run_page(render, page_key="overview")
