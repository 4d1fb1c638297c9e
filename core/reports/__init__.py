"""The weekly report (issue 7): one ISO week of a department or of the company, as XLSX or PDF bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.params import DEFAULT_PARAMS, MetricParams
from core.reports.content import ReportError, ReportScopeError, gather_report
from core.reports.document import WeeklyReport

FORMATS = ("xlsx", "pdf")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "ReportError",
    "ReportScopeError",
    "WeeklyReport",
    "build_report",
    "gather_report",
    "render_report",
    "report_filename",
]


def render_report(report: WeeklyReport, fmt: str, *, charts: bool = True) -> bytes:
    """Bytes of an already gathered report in `fmt` ("xlsx" or "pdf")."""
    if fmt == "xlsx":
        from core.reports.xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "pdf":
        from core.reports.images import render_pngs
        from core.reports.pdf import render_pdf

        images = render_pngs({chart.key: chart.figure for chart in report.charts()}) if charts else {}
        return render_pdf(report, images)
    raise ReportError("bad_format", fmt=fmt)


def build_report(
    session: Session,
    week: str,
    *,
    department_code: str | None,
    lang: str,
    scope: Any,
    fmt: str,
    charts: bool = True,
    now: datetime | None = None,
    params: MetricParams = DEFAULT_PARAMS,
    department_codes: Sequence[str] | None = None,
) -> bytes:
    """The weekly report of `week` as XLSX or PDF bytes, within the reader's scope (core.auth.Scope).

    department_code picks one department (refused with ReportScopeError when outside the
    scope); None gives the company report over every department in scope, or the department
    report when the scope holds exactly one. charts=False leaves the PDF's images out (no
    browser needed). department_codes (with no department_code) narrows the company report to
    those departments, each in the scope (Compare's chosen departments). Errors carry
    `text(lang)`: ReportError, ReportScopeError, core.periods.PeriodError.
    """
    if fmt not in FORMATS:
        raise ReportError("bad_format", fmt=fmt)
    report = gather_report(
        session,
        week,
        department_code=department_code,
        lang=lang,
        scope=scope,
        now=now,
        params=params,
        department_codes=department_codes,
    )
    return render_report(report, fmt, charts=charts)


def report_filename(report_week: str, department_code: str | None, fmt: str) -> str:
    """A download name such as tripod-weekly-2026-W47-BANK1.pdf (ASCII, no spaces)."""
    unit = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in (department_code or "company"))
    return f"tripod-weekly-{report_week}-{unit}.{fmt}"
