"""The weekly report on a page: built on request (a PDF takes seconds), for the reader's scope only."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.i18n import format_week, t
from core.periods import PeriodError
from ui import glue

FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"))


def report_unit_text(
    department_code: str | None,
    department_codes: Sequence[str] | None,
    lang: str,
    names: dict[str, str] | None = None,
) -> str:
    """What the download covers: '银行一部 (D01)', 'the departments D01, D03', or 'the company'."""
    if department_code:
        name = (names or {}).get(department_code)
        return f"{name} ({department_code})" if name else department_code
    if department_codes:
        return t("the departments {codes}", lang, codes=", ".join(sorted(department_codes)))
    return t("the company", lang)


def report_panel(
    week: str,
    department_code: str | None,
    lang: str,
    *,
    key: str,
    department_codes: Sequence[str] | None = None,
) -> None:
    """Prepare and download this week's report (Excel or PDF) for one department or the company.

    department_codes (with no department_code) narrows the report to those departments, as
    chosen on Compare. The report holds only what the signed-in user may see: core.reports
    refuses a department outside the scope, whatever the page's filters say.
    """
    from core.reports import MEDIA_TYPES, ReportError, build_report, report_filename

    scope = glue.current_scope()
    codes = None if department_code or not department_codes else tuple(sorted(department_codes))
    with st.expander(t("Weekly report: Excel or PDF", lang), icon=":material/summarize:"):
        departments = glue.load_departments(scope)
        names = dict(zip(departments["code"], departments["name"], strict=True))
        st.caption(
            t(
                "The report of {unit} for {week}, as you may see it.",
                lang,
                unit=report_unit_text(department_code, codes, lang, names),
                week=format_week(week, lang),
            )
        )
        for column, (fmt, name) in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
            unit = department_code if codes is None else "+".join(codes)
            stored = f"report:{key}:{fmt}:{week}:{unit}:{lang}"
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
                                department_codes=codes,
                            )
                    except (ReportError, PeriodError) as exc:
                        column.error(exc.text(lang))
            if stored in st.session_state:
                column.download_button(
                    t("Download {format}", lang, format=name),
                    data=st.session_state[stored],
                    file_name=report_filename(
                        week, department_code or ("-".join(codes) if codes else None), fmt
                    ),
                    mime=MEDIA_TYPES[fmt],
                    key=f"{key}_download_{fmt}",
                    icon=":material/download:",
                )
