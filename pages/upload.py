"""Upload: complaint logs (any export) and, for managers, the other kinds of data; history and unmatched."""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from core.importing.upload import COMPLAINTS, upload_kinds
from core.inventory import kind_label
from ui import glue, upload_view, widgets

# Extensions offered by the file picker; other files are still read and refused with a reason.
COMPLAINT_TYPES = ["csv", "txt", "tsv", "xlsx", "xls", "xlsm"]


def render() -> None:
    lang = glue.current_lang()
    user = glue.current_user()
    st.title(t("Upload", lang))
    upload_view.show_flash()
    kinds = upload_kinds(user.role) if user is not None else []
    if user is None or not kinds:
        st.info(t("Your role may not upload data.", lang))
        return
    kind = (
        st.selectbox(
            t("What are you uploading?", lang),
            kinds,
            format_func=lambda k: t(kind_label(k), lang),
            key="upload_kind",
        )
        if len(kinds) > 1
        else COMPLAINTS
    )
    if kind == COMPLAINTS:
        st.caption(
            t(
                "A complaint log exactly as your system exports it: CSV in any encoding, or Excel (.xlsx). "
                "Tripod suggests which column is which; check the preview and the counts before importing.",
                lang,
            )
        )
    else:
        st.caption(
            t(
                "A file in Tripod's format for {kind} (UTF-8 CSV, columns as in docs/formats.md).",
                lang,
                kind=t(kind_label(kind), lang),
            )
        )
    uploaded = widgets.localised_file_uploader(
        t("Choose a file", lang),
        lang,
        type=COMPLAINT_TYPES if kind == COMPLAINTS else ["csv"],
        key=f"upload_file_{kind}",
    )
    if uploaded is not None:
        data = uploaded.getvalue()
        if kind == COMPLAINTS:
            upload_view.complaint_flow(uploaded.name, data, user, lang)
        else:
            upload_view.record_flow(kind, uploaded.name, data, user, lang)

    st.divider()
    upload_view.history(user, lang)
    upload_view.unmatched(user, lang)


glue.run_page(render, page_key="upload")
