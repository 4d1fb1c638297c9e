"""Shared page elements: KPI tiles with red/amber/green, empty states, charts with CSV, demo notice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.cells import neutralise_frame
from core.i18n import N_, t
from core.settings import get_settings
from core.tables import Column, download_table, format_table, headers
from ui import glue

STATUS_BADGES = {
    "green": (N_("On track"), "green", ":material/check_circle:"),
    "amber": (N_("Watch"), "orange", ":material/error:"),
    "red": (N_("Needs action"), "red", ":material/cancel:"),
}
STATIC_ROWS = 15  # tables up to this many rows are drawn whole; longer ones scroll
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def kpi_tile(
    label: str,
    value: str,
    lang: str,
    *,
    delta: str | None = None,
    higher_is_better: bool = True,
    status: str | None = None,
    help: str | None = None,
) -> None:
    """One KPI: formatted value, week-over-week delta, and a red/amber/green badge in words.

    `value` and `delta` arrive formatted (core.i18n.format_*); a delta starting with '-' is a
    fall. `higher_is_better=False` (complaint rate) draws a rise in red.
    """
    with st.container(border=True):
        st.metric(
            label,
            value,
            delta=delta,
            delta_color="normal" if higher_is_better else "inverse",
            help=help,
        )
        if status in STATUS_BADGES:
            text, colour, icon = STATUS_BADGES[status]
            st.badge(t(text, lang), color=colour, icon=icon)


def empty_state(message: str, lang: str, *, upload_hint: bool = True) -> None:
    """Say why there is nothing to show and, when the user may upload, link to the upload page."""
    st.info(message, icon=":material/inbox:")
    if upload_hint and not glue.link_to("upload", t("Go to Upload", lang)):
        st.caption(t("Ask a department manager or an administrator to upload the data.", lang))


def csv_bytes(frame: pd.DataFrame, headers: Mapping[str, str] | None = None) -> bytes:
    """The frame as CSV for Excel users: UTF-8 with a byte-order mark (so Chinese opens correctly).

    Text that a spreadsheet would run as a formula (a customer named =HYPERLINK(...)) is
    neutralised, since downloads carry data as it was entered.
    """
    shown = frame.rename(columns=dict(headers)) if headers else frame
    return neutralise_frame(shown).to_csv(index=False).encode("utf-8-sig")


def download_csv(
    frame: pd.DataFrame, *, key: str, file_name: str, lang: str, headers: Mapping[str, str] | None = None
) -> None:
    st.download_button(
        t("Download the data (CSV)", lang),
        data=csv_bytes(frame, headers),
        file_name=file_name if file_name.endswith(".csv") else f"{file_name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )


def chart(
    fig: go.Figure,
    data: pd.DataFrame,
    *,
    key: str,
    lang: str,
    file_name: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """A chart from core.charts in the house template, with the rows behind it downloadable below."""
    st.plotly_chart(fig, theme=None, key=f"{key}_chart", config=PLOTLY_CONFIG)
    download_csv(data, key=key, file_name=file_name or key, lang=lang, headers=headers)


def demo_notice(lang: str, *, where: object = None) -> None:
    """When demo mode is on: say plainly that the figures belong to an invented organisation."""
    if not get_settings().demo_mode:
        return
    (where or st.sidebar).warning(
        t("Demo data: an invented organisation, for trying Tripod out.", lang), icon=":material/science:"
    )


def table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    lang: str,
    *,
    key: str,
    file_name: str | None = None,
    height: int | str | None = None,
) -> None:
    """A table described in core.tables, with the same columns downloadable as CSV (numbers raw).

    Up to STATIC_ROWS rows it is drawn whole, long texts wrapping; longer tables scroll, numbers
    right-aligned.
    """
    if frame.empty:
        st.caption(t("Nothing to list.", lang))
        return
    shown = format_table(frame, columns, lang)
    numeric = [
        header for column, header in zip(columns, headers(columns, lang), strict=True) if column.numeric
    ]
    if len(shown) <= STATIC_ROWS and height is None:
        st.table(shown.style.hide(axis="index"))
    else:
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=height or 560,
            column_config={header: st.column_config.TextColumn(alignment="right") for header in numeric},
            key=f"{key}_table",
        )
    download_csv(download_table(frame, columns, lang), key=key, file_name=file_name or key, lang=lang)
