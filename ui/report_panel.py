"""The weekly report on a page: built on request (a PDF takes seconds), for the reader's scope only."""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from core.periods import PeriodError
from ui import glue

FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"))


def report_panel(week: str, department_code: str | None, lang: str, *, key: str) -> None:
    """Prepare and download this week's report (Excel or PDF) for one department or the company.

    The report holds only what the signed-in user may see: core.reports refuses a department
    outside the scope, whatever the page's filters say.
    """
    from core.reports import MEDIA_TYPES, ReportError, build_report, report_filename

    scope = glue.current_scope()
    with st.expander(t("Weekly report: Excel or PDF", lang), icon=":material/summarize:"):
        st.caption(
            t(
                "The report of {unit} for this week, as you may see it.",
                lang,
                unit=department_code or t("the company", lang),
            )
        )
        for column, (fmt, name) in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
            stored = f"report:{key}:{fmt}:{week}:{department_code}:{lang}"
            if column.button(t("Prepare {format}", lang, format=name), key=f"{key}_prepare_{fmt}"):
                with st.spinner(t("Building the report…", lang)):
                    try:
                        with glue.reading() as session:
                            st.session_state[stored] = build_report(
                                session,
                                week,
                                department_code=department_code,
                                lang=lang,
                                scope=scope,
                                fmt=fmt,
                            )
                    except (ReportError, PeriodError) as exc:
                        column.error(exc.text(lang))
            if stored in st.session_state:
                column.download_button(
                    t("Download {format}", lang, format=name),
                    data=st.session_state[stored],
                    file_name=report_filename(week, department_code, fmt),
                    mime=MEDIA_TYPES[fmt],
                    key=f"{key}_download_{fmt}",
                    icon=":material/download:",
                )
