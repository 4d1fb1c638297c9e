"""Shared page elements: KPI tiles with red/amber/green, empty states, charts with CSV, demo notice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

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
    marker: str | None = None,
) -> None:
    """One KPI: formatted value, week-over-week delta, and a red/amber/green badge in words.

    `marker` (e.g. "small sample: 4 surveys") is drawn as a grey badge under the value, where a
    long label's ellipsis cannot hide it.

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
        if marker:
            st.badge(marker, color="gray", icon=":material/info:")


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
    _download_button(glue.memo(csv_bytes, frame, headers), key=key, file_name=file_name, lang=lang)


def _download_button(data: bytes, *, key: str, file_name: str, lang: str) -> None:
    st.download_button(
        t("Download the data (CSV)", lang),
        data=data,
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


def figure(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """`build(*args, **kwargs)` (a figure of core.charts), built once per content of its arguments
    (glue.memo): plotly validates every property it is given, and rebuilding a page's figures on
    every rerun was most of a cached rerun. The figure is shared: do not change it."""
    return glue.memo(build, *args, **kwargs)


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
    widths: Mapping[str, str | int] | None = None,
    download_columns: Sequence[Column] | None = None,
) -> None:
    """A table described in core.tables, with the same columns downloadable as CSV (numbers raw).

    Up to STATIC_ROWS rows it is drawn whole, long texts wrapping; longer tables scroll, numbers
    right-aligned. `widths` (by column key: "small", "medium", "large" or pixels) narrows columns
    of a scrolling table; `download_columns`, when given, are the CSV's columns instead.
    """
    if frame.empty:
        st.caption(t("Nothing to list.", lang))
        return
    download = tuple(download_columns) if download_columns is not None else None
    shown, numeric, csv = glue.memo(_prepared_table, frame, tuple(columns), lang, download)
    if len(shown) <= STATIC_ROWS and height is None:
        st.table(shown.style.hide(axis="index"))
    else:
        config = {header: st.column_config.TextColumn(alignment="right") for header in numeric}
        for column in columns:
            if widths and column.key in widths:
                header = t(column.header, lang)
                right = "right" if header in numeric else None
                config[header] = st.column_config.TextColumn(width=widths[column.key], alignment=right)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=height or 560,
            column_config=config,
            key=f"{key}_table",
        )
    _download_button(csv, key=key, file_name=file_name or key, lang=lang)


def _prepared_table(
    frame: pd.DataFrame,
    columns: tuple[Column, ...],
    lang: str,
    download_columns: tuple[Column, ...] | None = None,
) -> tuple[pd.DataFrame, list[str], bytes]:
    """A table as shown, its numeric headers and its CSV; made once per content and language
    (glue.memo), since formatting every cell through babel on every rerun took most of a rerun."""
    shown = format_table(frame, columns, lang)
    numeric = [
        header for column, header in zip(columns, headers(columns, lang), strict=True) if column.numeric
    ]
    return shown, numeric, csv_bytes(download_table(frame, download_columns or columns, lang))


def _css_text(text: str) -> str:
    """A CSS string literal (for `content:`) holding `text`; quotes, backslashes and '<' escaped."""
    escaped = text.replace("\\", "\\5c ").replace('"', "\\22 ").replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def localised_file_uploader(
    label: str, lang: str, *, key: str, type: Sequence[str] | None = None, **kwargs: Any
) -> Any:
    """st.file_uploader whose own texts follow the interface language.

    Streamlit writes the drop zone's texts ("Upload", "200MB per file • CSV", "Drag and drop a
    file here") in English and offers no option to change them. In Chinese the uploader sits in
    a keyed container, and CSS scoped to that container hides those texts and shows translated
    ones with `::after`; the button stays the same button, so choosing and dropping files work.
    """
    if lang == "en":
        return st.file_uploader(label, type=type, key=key, **kwargs)
    limit_mb = int(st.get_option("server.maxUploadSize"))
    limit = t("At most {size} MB per file", lang, size=limit_mb)
    if type:
        limit += " • " + ", ".join(ext.lstrip(".").upper() for ext in type)
    box = f"{key}_localised"
    scope = f".st-key-{box} [data-testid='stFileUploaderDropzone']"
    st.html(
        "<style>"
        # The limit line: the built-in text hidden, the translated one in its place.
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] > * {{ display: none; }}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions']::after {{"
        f" content: {_css_text(limit)}; font-size: 0.875rem; opacity: 0.6; }}"
        # The button: its English word hidden (the icon stays), the translation after it. Only the
        # empty zone's button: once a file is chosen its chip and remove button show instead.
        f"{scope} > span > button [data-testid='stMarkdownContainer'] {{ display: none; }}"
        f"{scope} > span > button::after {{ content: {_css_text(t('Choose a file to upload', lang))}; }}"
        # While a file is dragged over the zone Streamlit says "Drag and drop a file here".
        f"{scope} > div:not([data-testid]) > span {{ font-size: 0; }}"
        f"{scope} > div:not([data-testid]) > span::after {{"
        f" content: {_css_text(t('Drop the file here', lang))}; font-size: 1rem; }}"
        "</style>"
    )
    with st.container(key=box):
        return st.file_uploader(label, type=type, key=key, **kwargs)
