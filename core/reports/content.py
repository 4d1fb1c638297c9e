"""What the weekly report says: one ISO week of a department or of the company, from the metrics engine.

Every figure comes from the same functions the dashboards and the `kpi` command use; this
module only picks, labels and orders them, within the reader's scope. The result is a
`WeeklyReport` in one language, which core.reports.xlsx and core.reports.pdf render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core.i18n import format_currency, format_date, format_number, format_week, normalise_language, t
from core.metrics.complaints import (
    category_pareto,
    complaint_counts,
    complaint_rate,
    customers_at,
    repeat_complainants,
    resolution_stats,
    weekly_complaint_series,
)
from core.metrics.contacts import key_account_coverage, overdue_key_accounts, reactive_complaints
from core.metrics.satisfaction import csat_by, csat_vs_target, csat_weekly, rating_gaps
from core.metrics.targets import attainment_windows
from core.metrics.weekly import weekly_kpi_changes
from core.notes import notes_for, open_actions
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, format_quarter, normalise_week, parse_week, previous_week, qtd, ytd
from core.reports import queries
from core.reports.alerts import alert_table
from core.reports.document import Section, Tile, WeeklyReport
from core.reports.errors import ReportError, ReportScopeError
from core.reports.sections import (
    TREND_WEEKS,
    category_table,
    complaint_table,
    department_table,
    diagnosis_block,
    legs_chart,
    note_tables,
    overdue_table,
    pareto_chart,
    rating_gap_rows,
    rating_gap_table,
    repeat_table,
    reps_not_passed_table,
    satisfaction_table,
    supervisor_table,
    trend_chart,
    trend_table,
)
from core.reports.values import delta, name_code, num
from core.settings import get_settings

__all__ = ["ReportError", "ReportScopeError", "ReportUnit", "company_row", "gather_report", "resolve_unit"]

# --- who the report is about --------------------------------------------------------------


@dataclass(frozen=True)
class ReportUnit:
    """The department of a department report (code set), or the departments of a company report."""

    department_code: str | None
    department_name: str
    department_ids: list[int] | None  # None: every department, unfiltered
    supervisor_ids: frozenset[int] | None
    chosen: bool = False  # the departments were chosen (Compare), not all those in the scope


def resolve_unit(
    session: Session, department_code: str | None, scope: Any, department_codes: Sequence[str] | None = None
) -> ReportUnit:
    """The report's unit for a requested department and the reader's scope (core.auth.Scope).

    A department outside a restricted scope is refused, whether or not it exists, so the error
    never tells a manager which other departments there are. A restricted scope of exactly one
    department with no department requested gives that department's report. department_codes
    (with no department_code) narrows a company report to those departments: the ones chosen on
    Compare; each must be in the scope, and one alone gives that department's report.
    """
    if scope is None:
        raise TypeError("build_report needs the reader's scope (core.auth.Scope); None is not a scope")
    if getattr(scope, "complaints_only", False):
        raise ReportScopeError("complaints_only")
    allowed = scope.department_ids
    rows = queries.departments(session)
    if allowed is not None:
        rows = rows[rows["id"].isin(list(allowed))]
        if rows.empty:
            raise ReportScopeError("no_departments")
    supervisor_ids = getattr(scope, "supervisor_ids", None)
    if department_code is None and department_codes is not None:
        wanted = sorted({code.strip() for code in department_codes})
        for code in wanted:
            if code not in set(rows["code"]):
                if allowed is not None:
                    raise ReportScopeError("outside_scope", code=code, allowed=", ".join(rows["code"]))
                raise ReportError("unknown_department", code=code, known=", ".join(list(rows["code"])[:20]))
        if len(wanted) == 1:
            department_code = wanted[0]
        elif len(wanted) < len(rows):
            chosen = rows[rows["code"].isin(wanted)]
            return ReportUnit(None, "", sorted(int(i) for i in chosen["id"]), supervisor_ids, chosen=True)
    if department_code is None and allowed is not None and len(rows) == 1:
        department_code = str(rows["code"].iloc[0])
    if department_code is None:
        ids = None if allowed is None else sorted(int(i) for i in rows["id"])
        return ReportUnit(None, "", ids, supervisor_ids)
    chosen = rows[rows["code"] == department_code.strip()]
    if chosen.empty:
        if allowed is not None:
            raise ReportScopeError("outside_scope", code=department_code, allowed=", ".join(rows["code"]))
        known = list(rows["code"])
        shown = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
        raise ReportError("unknown_department", code=department_code, known=shown or "—")
    row = chosen.iloc[0]
    return ReportUnit(str(row["code"]), str(row["name"]), [int(row["id"])], supervisor_ids)


# --- the company row (the tiles of a company report) --------------------------------------


def company_row(
    session: Session, week: str, department_ids: list[int] | None, params: MetricParams
) -> dict[str, Any]:
    """The headline figures over all departments in scope, with the metrics engine's company level.

    Same keys and meanings as a department row of the weekly KPI set. Exam coverage is passed
    current reps ÷ current reps over the whole scope (queries.current_reps: the legs' rule).
    """
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    attainment = attainment_windows(
        session, {"week": window, "qtd": qtd(sunday)}, "company", department_ids=department_ids
    )

    def window_value(name: str, column: str) -> Any:
        rows = attainment[attainment["window"] == name]
        return rows[column].iloc[0] if not rows.empty else None

    customers = int(customers_at(session, sunday, "company", department_ids)["customers"].sum())
    complaints = int(complaint_counts(session, window, "company", department_ids)["complaints"].sum())
    csat = csat_by(session, window, "company", department_ids, params)
    coverage = key_account_coverage(session, sunday, "company", department_ids, params)
    reps = queries.current_reps(session, sunday, department_ids)
    return {
        "bookings_week": num(window_value("week", "bookings")) or 0.0,
        "target_week": num(window_value("week", "target")) or 0.0,
        "attainment_week": num(window_value("week", "attainment")),
        "attainment_qtd": num(window_value("qtd", "attainment")),
        "customers": customers,
        "complaints_week": complaints,
        "complaint_rate_week": complaint_rate(complaints, customers, params),
        "surveys_week": int(csat["responses"].sum()) if not csat.empty else 0,
        "csat_pct_week": num(csat["csat_pct"].iloc[0]) if not csat.empty else None,
        "exam_coverage": float(reps["passed"].mean()) if not reps.empty else None,
        "key_account_contact_coverage": num(coverage["coverage"].iloc[0]) if not coverage.empty else None,
    }


# --- tiles --------------------------------------------------------------------------------


def qtd_label(sunday: date, lang: str) -> str:
    """The quarter-to-date figure's name with the day it counts to (the week's Sunday)."""
    return t("Target attainment, quarter to {day}", lang, day=format_date(sunday, lang, style="MMMd"))


def _tiles(
    now: Mapping[str, Any], before: Mapping[str, Any], lang: str, params: MetricParams, sunday: date
) -> list[Tile]:
    def tile(key: str, label: str, kind: str, delta_kind: str, detail: str = "") -> Tile:
        return Tile(
            better="down" if key.startswith("complaint") else "up",
            key=key,
            label=label,
            kind=kind,
            value=num(now.get(key)),
            previous=num(before.get(key)),
            delta=delta(now.get(key), before.get(key)),
            delta_kind=delta_kind,
            detail=detail,
        )

    return [
        tile(
            "bookings_week",
            t("Bookings this week", lang),
            "money",
            "delta_money",
            t("Target: {target}", lang, target=format_currency(num(now.get("target_week")), lang)),
        ),
        tile("attainment_week", t("Target attainment, week", lang), "percent", "delta_percent"),
        # Named with its as-of day, as on This week: "Target attainment, quarter to Nov 22".
        tile("attainment_qtd", qtd_label(sunday, lang), "percent", "delta_percent"),
        tile(
            "complaints_week",
            t("Complaints this week", lang),
            "count",
            "delta_count",
            t("{customers} customers", lang, customers=format_number(num(now.get("customers")), lang)),
        ),
        tile(
            "complaint_rate_week",
            t("Complaints per 100 customers", lang),
            "rate",
            "delta_rate",
            t(
                "Shown from {minimum} customers",
                lang,
                minimum=format_number(params.complaint_rate_min_customers, lang),
            ),
        ),
        tile(
            "csat_pct_week",
            t("Customer satisfaction (CSAT), week", lang),
            "percent",
            "delta_percent",
            t(
                "{responses} survey answers",
                lang,
                responses=format_number(num(now.get("surveys_week")), lang),
            )
            + (
                " · " + t("small sample, not judged", lang)
                if now.get("csat_pct_week") is not None
                and 0 < (num(now.get("surveys_week")) or 0) < params.csat_min_surveys
                else ""
            ),
        ),
        tile("exam_coverage", t("Reps who passed the hands-on exam", lang), "percent", "delta_percent"),
        tile(
            "key_account_contact_coverage",
            t("Key accounts contacted in time", lang),
            "percent",
            "delta_percent",
            t("Within {days} days", lang, days=params.contact_cadence_days),
        ),
    ]


# --- the report ---------------------------------------------------------------------------


def _week_mondays(week: str, count: int) -> list[date]:
    monday = parse_week(week)[0]
    return [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def gather_report(
    session: Session,
    week: str,
    *,
    department_code: str | None,
    lang: str,
    scope: Any,
    now: datetime | None = None,
    params: MetricParams = DEFAULT_PARAMS,
    department_codes: Sequence[str] | None = None,
) -> WeeklyReport:
    """The content of the weekly report for `week`, in `lang`, limited to the reader's `scope`.

    Raises ReportScopeError for a department outside the scope (or a scope without any),
    ReportError for an unknown department, core.periods.PeriodError for a bad week.
    """
    lang = normalise_language(lang)
    week = normalise_week(week)
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    unit = resolve_unit(session, department_code, scope, department_codes)
    ids = unit.department_ids

    changes = weekly_kpi_changes(
        session, week, department_code=unit.department_code, department_ids=ids, params=params
    )
    current, previous = changes["current"], changes["previous"]
    all_departments = queries.departments(session)
    departments = all_departments[all_departments["code"].isin([d["code"] for d in current["departments"]])]
    departments = departments.reset_index(drop=True)
    id_of = {str(c): int(i) for c, i in zip(departments["code"], departments["id"], strict=True)}
    dept_names = {int(i): str(n) for i, n in zip(departments["id"], departments["name"], strict=True)}

    sups = queries.supervisors(session, ids)
    if unit.supervisor_ids is not None:
        sups = sups[sups["id"].isin(list(unit.supervisor_ids))]
    sup_names = {
        int(i): name_code(n, c) for i, c, n in zip(sups["id"], sups["code"], sups["name"], strict=True)
    }
    allowed_codes = set(sups["code"])
    supervisor_rows = [row for row in current["supervisors"] if row["code"] in allowed_codes]
    sup_deltas = {row["code"]: row for row in changes["deltas"]["supervisors"]}
    dep_deltas = {row["code"]: row for row in changes["deltas"]["departments"]}

    # Headline tiles: the department's own row, or the company level over the scope.
    if unit.department_code is not None:
        tiles_now, tiles_before = current["departments"][0], previous["departments"][0]
        scope_label = name_code(unit.department_name, unit.department_code)
    else:
        tiles_now = company_row(session, week, ids, params)
        tiles_before = company_row(session, previous_week(week), ids, params)
        scope_label = t("Company", lang) if ids is None else t("All departments you can see", lang)
        if unit.chosen:
            scope_label = t("Chosen departments", lang)
        if ids is not None:
            scope_label = f"{scope_label}: {', '.join(departments['code'])}"

    reps = queries.current_reps(session, sunday, ids)
    if unit.supervisor_ids is not None:
        reps = reps[reps["supervisor_id"].isin(list(unit.supervisor_ids))]
    mondays = _week_mondays(week, TREND_WEEKS)
    series = weekly_complaint_series(session, mondays[0], monday, ids, params)
    week_series = series[series["week_start"] == monday] if not series.empty else series
    overdue = overdue_key_accounts(session, sunday, ids, params)
    if unit.supervisor_ids is not None and not overdue.empty:
        overdue = overdue[overdue["supervisor_id"].isin(list(unit.supervisor_ids))]
    quarter = queries.latest_rated_quarter(session, format_quarter(sunday), ids)
    gaps = rating_gaps(session, quarter, ids, params) if quarter else pd.DataFrame()
    if unit.supervisor_ids is not None and not gaps.empty:
        gaps = gaps[gaps["supervisor_id"].isin(list(unit.supervisor_ids))]
    gap_rows = rating_gap_rows(session, gaps, sup_names, dept_names, lang) if not gaps.empty else []

    alerts = alert_table(
        lang=lang,
        year=(monday + timedelta(days=3)).year,
        params=params,
        departments_now=current["departments"],
        week_series=week_series,
        overdue=overdue,
        reps=reps,
        sup_names=sup_names,
        gap_rows=gap_rows,
        supervisor_rows=supervisor_rows,
        id_of=id_of,
    )

    supervisors_table = supervisor_table(supervisor_rows, sup_deltas, lang)
    departments_table = department_table(current["departments"], lang, params, as_of=sunday)

    all_codes = list(all_departments["code"])
    complaint_trend = trend_table(
        "complaint_trend",
        t("Complaints per week, last {weeks} weeks", lang, weeks=TREND_WEEKS),
        t("Complaint trend", lang),
        series,
        "complaints",
        "count",
        departments,
        mondays,
        lang,
    )
    csat_series = csat_weekly(session, Window(mondays[0], sunday), ids, params)
    csat_trend = trend_table(
        "csat_trend",
        t("CSAT per week, last {weeks} weeks", lang, weeks=TREND_WEEKS),
        t("CSAT trend", lang),
        csat_series,
        "csat_pct",
        "percent",
        departments,
        mondays,
        lang,
    )
    categories = category_table(category_pareto(session, window, ids), lang)
    sup_ids = [int(i) for i in sups["id"]]
    notes_table, actions_table = note_tables(
        notes_for(session, sup_ids, week), open_actions(session, sup_ids, week), week, sup_names, lang
    )

    sections = [
        Section(
            "supervisors",
            t("Supervisors", lang),
            [
                supervisors_table,
                legs_chart(supervisors_table, lang),
                diagnosis_block(supervisors_table.rows, lang),
                reps_not_passed_table(reps, sup_names, lang),
            ],
        ),
        Section("departments", t("Departments", lang), [departments_table]),
        Section(
            "satisfaction",
            t("Customer satisfaction", lang),
            [
                satisfaction_table(
                    current["departments"],
                    dep_deltas,
                    csat_vs_target(session, ytd(sunday), ids, params),
                    departments,
                    lang,
                    params,
                ),
                trend_chart(
                    csat_trend, departments, all_codes, csat_trend.title, t("CSAT", lang), "percent", lang
                ),
                csat_trend,
                rating_gap_table(gap_rows, quarter, lang),
            ],
        ),
        Section(
            "complaints",
            t("Complaints and key accounts", lang),
            [
                complaint_table(
                    current["departments"],
                    dep_deltas,
                    week_series,
                    resolution_stats(session, window, "department", ids, params),
                    reactive_complaints(session, window, "department", ids, params),
                    departments,
                    lang,
                ),
                trend_chart(
                    complaint_trend,
                    departments,
                    all_codes,
                    complaint_trend.title,
                    t("Complaints", lang),
                    "number",
                    lang,
                ),
                complaint_trend,
                categories,
                pareto_chart(categories, lang),
                repeat_table(
                    repeat_complainants(session, window, ids, params),
                    dept_names,
                    params.repeat_window_days,
                    lang,
                ),
                overdue_table(overdue, dept_names, sup_names, params.contact_cadence_days, lang),
            ],
        ),
        Section("notes", t("Notes and open actions", lang), [notes_table, actions_table]),
    ]

    generated_at = now or datetime.now(get_settings().tz).replace(tzinfo=None)
    return WeeklyReport(
        lang=lang,
        week=week,
        week_start=monday,
        week_end=sunday,
        title=t("Weekly report: {unit}", lang, unit=scope_label),
        subtitle=f"{format_week(week, lang, with_dates=True)} · {week}",
        generated=t(
            "Generated {date} {time}",
            lang,
            date=format_date(generated_at, lang),
            time=generated_at.strftime("%H:%M"),
        ),
        tiles_title=t("This week at a glance", lang),
        tiles=_tiles(tiles_now, tiles_before, lang, params, sunday),
        tile_headers=(t("Indicator", lang), t("This week", lang), t("Last week", lang), t("Change", lang)),
        alerts=alerts,
        sections=sections,
        labels={
            "yes": t("Yes", lang),
            "no": t("No", lang),
            "empty_cells": t("An empty cell means no data.", lang),
            "chart_failed": t("Chart not available: {reason}", lang, reason="{reason}"),
            "more_rows": t("{count} more rows in the Excel report.", lang, count="{count}"),
            "page": t("Page {page}", lang, page="{page}"),
            "charts": t("Charts", lang),
            "change": t("Change: {change}", lang, change="{change}"),
            "summary": t("Summary", lang),
            "details": t("Detail", lang),
            "title_short": t("Weekly report", lang),
            "no_data": t("No data", lang),
            "charts_off": t("charts were switched off for this report", lang),
        },
        department_codes=list(departments["code"]),
    )
