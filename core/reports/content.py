"""What the weekly report says: one ISO week of a department or of the company, from the metrics engine.

Every figure comes from the same functions the dashboards and the `kpi` command use; this
module only picks, labels and orders them, within the reader's scope. The result is a
`WeeklyReport` in one language, which core.reports.xlsx and core.reports.pdf render.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core import charts
from core.balance import DIAGNOSES, LEG_LABELS, diagnosis_text
from core.i18n import (
    N_,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_week,
    normalise_language,
    pick,
    t,
)
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
from core.metrics.satisfaction import GAP_FLAGS, csat_by, csat_vs_target, csat_weekly, rating_gaps
from core.metrics.targets import attainment_windows
from core.metrics.weekly import weekly_kpi_changes
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, format_quarter, normalise_week, parse_week, previous_week, qtd, ytd
from core.reports import queries
from core.reports.document import (
    Chart,
    Column,
    Explanation,
    Section,
    Table,
    TextBlock,
    Tile,
    WeeklyReport,
)
from core.settings import get_settings

TREND_WEEKS = 13  # the legs' window: the charts show the quarter the scores stand on
PDF_LIST_LIMIT = 15  # long lists (overdue accounts, repeat complainants) are cut in the PDF

SEGMENT_LABELS = {"bank": N_("Bank"), "non_bank": N_("Non-bank")}
SEVERITY_ORDER = ("high", "medium", "info")
SEVERITY_LABELS = {"high": N_("High"), "medium": N_("Medium"), "info": N_("Info")}
ALERT_KINDS = {
    "complaint_spike": N_("Complaint spike"),
    "plan_below_forecast": N_("Plan below industry forecast"),
    "rating_gap": N_("Rating-chain gap"),
    "overdue_key_accounts": N_("Key accounts overdue for contact"),
    "reps_not_passed": N_("Reps not yet passed"),
    "diagnosis_changed": N_("Diagnosis changed"),
}


# --- errors -------------------------------------------------------------------------------

_ERRORS = {
    "outside_scope": N_("Department '{code}' is outside your access. You may report on: {allowed}."),
    "unknown_department": N_("Unknown department '{code}'. Known departments: {known}."),
    "no_departments": N_("Your account is not linked to any department, so there is nothing to report."),
    "complaints_only": N_("The weekly report holds supervisor scores, which your role does not include."),
    "bad_format": N_("Unknown report format '{fmt}'; use xlsx or pdf."),
    "no_font": N_("No Chinese font found for the PDF (looked for: {paths}). Install fonts-wqy-microhei."),
}


class ReportError(Exception):
    """A report that cannot be made; `text(lang)` says why in Chinese or English."""

    def __init__(self, reason: str, /, **fmt: object) -> None:
        self.reason = reason
        self.fmt = fmt
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return t(_ERRORS[self.reason], normalise_language(lang), **self.fmt)


class ReportScopeError(ReportError, PermissionError):
    """The reader asked for data outside their scope (another department, or no department)."""


# --- who the report is about --------------------------------------------------------------


@dataclass(frozen=True)
class ReportUnit:
    """The department of a department report (code set), or the departments of a company report."""

    department_code: str | None
    department_name: str
    department_ids: list[int] | None  # None: every department, unfiltered
    supervisor_ids: frozenset[int] | None


def resolve_unit(session: Session, department_code: str | None, scope: Any) -> ReportUnit:
    """The report's unit for a requested department and the reader's scope (core.auth.Scope).

    A department outside a restricted scope is refused, whether or not it exists, so the error
    never tells a manager which other departments there are. A restricted scope of exactly one
    department with no department requested gives that department's report.
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


# --- small helpers ------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any) -> float | None:
    """A plain float, or None for missing values (NaN, NA, None)."""
    if _missing(value) or isinstance(value, bool):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(round(number))


def _flag(value: Any) -> bool | None:
    return None if _missing(value) else bool(value)


def _delta(now: Any, before: Any) -> float | None:
    a, b = _num(now), _num(before)
    return None if a is None or b is None else a - b


def _join(names: Any, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(name) for name in names)


def _name_code(name: str, code: str) -> str:
    return f"{name} ({code})" if name and name != code else code


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
        "bookings_week": _num(window_value("week", "bookings")) or 0.0,
        "target_week": _num(window_value("week", "target")) or 0.0,
        "attainment_week": _num(window_value("week", "attainment")),
        "attainment_qtd": _num(window_value("qtd", "attainment")),
        "customers": customers,
        "complaints_week": complaints,
        "complaint_rate_week": complaint_rate(complaints, customers, params),
        "surveys_week": int(csat["responses"].sum()) if not csat.empty else 0,
        "csat_pct_week": _num(csat["csat_pct"].iloc[0]) if not csat.empty else None,
        "exam_coverage": float(reps["passed"].mean()) if not reps.empty else None,
        "key_account_contact_coverage": _num(coverage["coverage"].iloc[0]) if not coverage.empty else None,
    }


# --- tiles --------------------------------------------------------------------------------


def _tiles(now: Mapping[str, Any], before: Mapping[str, Any], lang: str, params: MetricParams) -> list[Tile]:
    def tile(key: str, label: str, kind: str, delta_kind: str, detail: str = "") -> Tile:
        return Tile(
            better="down" if key.startswith("complaint") else "up",
            key=key,
            label=label,
            kind=kind,
            value=_num(now.get(key)),
            previous=_num(before.get(key)),
            delta=_delta(now.get(key), before.get(key)),
            delta_kind=delta_kind,
            detail=detail,
        )

    return [
        tile(
            "bookings_week",
            t("Bookings this week", lang),
            "money",
            "delta_money",
            t("Target: {target}", lang, target=format_currency(_num(now.get("target_week")), lang)),
        ),
        tile("attainment_week", t("Target attainment, week", lang), "percent", "delta_percent"),
        tile("attainment_qtd", t("Target attainment, quarter to date", lang), "percent", "delta_percent"),
        tile(
            "complaints_week",
            t("Complaints this week", lang),
            "count",
            "delta_count",
            t("{customers} customers", lang, customers=format_number(_num(now.get("customers")), lang)),
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
                responses=format_number(_num(now.get("surveys_week")), lang),
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


# --- supervisors --------------------------------------------------------------------------


def _diagnosis_label(code: Any, lang: str) -> str:
    return diagnosis_text(None if _missing(code) else str(code), lang)["label"]


def _supervisor_table(rows: list[dict[str, Any]], deltas: Mapping[str, dict[str, Any]], lang: str) -> Table:
    out = []
    for row in rows:
        change = deltas.get(row["code"], {})
        code = None if _missing(row.get("diagnosis")) else row["diagnosis"]
        text = diagnosis_text(code, lang)
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "label": _name_code(row["name"], row["code"]),
                "department_code": row["department_code"],
                "score_targets": _num(row["score_targets"]),
                "score_targets_delta": _num(change.get("score_targets")),
                "score_team": _num(row["score_team"]),
                "score_team_delta": _num(change.get("score_team")),
                "score_skills": _num(row["score_skills"]),
                "score_skills_delta": _num(change.get("score_skills")),
                "diagnosis": text["label"],
                "diagnosis_code": code,
                "diagnosis_weeks": _int(row["diagnosis_weeks"]),
                "diagnosis_last_week": _diagnosis_label(row["diagnosis_last_week"], lang),
                "attainment_13w": _num(row["attainment_13w"]),
                "contribution_evenness": _num(row["contribution_evenness"]),
                "exam_coverage": _num(row["exam_coverage"]),
                "csat_pct_13w": _num(row["csat_pct_13w"]),
                "complaints_week": _int(row["complaints_week"]),
                "complaint_rate_week": _num(row["complaint_rate_week"]),
                "consequence": text["consequence"],
                "actions": "\n".join(f"{i}. {action}" for i, action in enumerate(text["actions"], 1)),
            }
        )
    leg = {name: pick(label, lang) for name, label in LEG_LABELS.items()}
    columns = [
        Column("code", t("Code", lang), width=9),
        Column("name", t("Supervisor", lang), width=14),
        Column("department_code", t("Department", lang), width=11),
        Column("score_targets", leg["targets"], "score", 9, delta_key="score_targets_delta"),
        Column("score_targets_delta", t("{leg}: change", lang, leg=leg["targets"]), "delta_score", 9),
        Column("score_team", leg["team"], "score", 9, delta_key="score_team_delta"),
        Column("score_team_delta", t("{leg}: change", lang, leg=leg["team"]), "delta_score", 9),
        Column("score_skills", leg["skills"], "score", 9, delta_key="score_skills_delta"),
        Column("score_skills_delta", t("{leg}: change", lang, leg=leg["skills"]), "delta_score", 9),
        Column("diagnosis", t("Diagnosis", lang), width=14),
        Column("diagnosis_weeks", t("Weeks held", lang), "count", 8),
        Column("diagnosis_last_week", t("Last week", lang), width=14),
        Column("attainment_13w", t("Attainment, 13 weeks", lang), "percent", 11),
        Column("contribution_evenness", t("Contribution evenness", lang), "percent", 11),
        Column("exam_coverage", t("Exam passed", lang), "percent", 9),
        Column("csat_pct_13w", t("CSAT, 13 weeks", lang), "percent", 9),
        Column("complaints_week", t("Complaints", lang), "count", 9),
        Column("complaint_rate_week", t("Per 100 customers", lang), "rate", 9),
        Column("consequence", t("What it leads to", lang), width=48, wrap=True),
        Column("actions", t("What to do", lang), width=60, wrap=True),
        # The PDF prints name and code in one cell; the workbook keeps them apart.
        Column("label", t("Supervisor", lang), width=18, in_xlsx=False),
    ]
    return Table(
        key="supervisors",
        title=t("Supervisors: the three legs and the diagnosis", lang),
        sheet=t("Supervisors", lang),
        columns=columns,
        rows=out,
        empty_text=t("No supervisors in this scope.", lang),
        pdf_columns=[
            "label",
            "department_code",
            "score_targets",
            "score_team",
            "score_skills",
            "diagnosis",
            "diagnosis_weeks",
            "diagnosis_last_week",
            "attainment_13w",
            "exam_coverage",
            "csat_pct_13w",
            "complaints_week",
        ],
    )


def _diagnosis_block(rows: list[dict[str, Any]], lang: str) -> TextBlock:
    items = []
    for code in (*DIAGNOSES, None):
        who = [row["label"] for row in rows if row["diagnosis_code"] == code]
        if not who:
            continue
        text = diagnosis_text(code, lang)
        items.append(
            Explanation(
                heading=t("{diagnosis}: {who}", lang, diagnosis=text["label"], who=_join(who, lang)),
                body=text["consequence"],
                bullets=text["actions"],
            )
        )
    return TextBlock(
        key="diagnoses",
        title=t("What each diagnosis leads to, and what to do", lang),
        items=items,
        empty_text=t("No supervisors in this scope.", lang),
    )


def _legs_chart(table: Table, lang: str) -> Chart:
    # The chart module orders series by code; numbered codes keep targets, team, skills in order.
    legs = ("targets", "team", "skills")
    codes = {name: f"{i}_{name}" for i, name in enumerate(legs, 1)}
    long = pd.DataFrame(
        [
            {"supervisor": row["label"], "leg": codes[name], "score": row[f"score_{name}"]}
            for row in table.rows
            for name in legs
        ],
        columns=["supervisor", "leg", "score"],
    )
    title = t("The three legs per supervisor (0–100)", lang)

    def build() -> Any:
        figure = charts.bar_chart(
            long,
            x="supervisor",
            y="score",
            title=title,
            colour="leg",
            colour_map={codes[name]: charts.LEG_COLOURS[name] for name in legs},
            names={codes[name]: pick(LEG_LABELS[name], lang) for name in legs},
            y_title=t("Score", lang),
            value_format="score",
            empty_text=t("No data", lang),
        )
        return figure.update_yaxes(range=[0, 100])

    return Chart(
        key="legs",
        title=title,
        build=build,
        table="supervisors",
        category="name",
        series=[f"score_{name}" for name in legs],
        style="bar",
        y_title=t("Score", lang),
        colours=[charts.LEG_COLOURS[name] for name in legs],
    )


def _whole_ticks(figure: Any, largest: float | None, axis: str = "y") -> None:
    """Counts read as whole numbers: small maxima get a tick per unit, not 0.5 steps shown as 0, 1, 1."""
    if largest is not None and largest <= 10:
        (figure.update_yaxes if axis == "y" else figure.update_xaxes)(dtick=1, tick0=0)


def _reps_not_passed_table(reps: pd.DataFrame, sup_names: Mapping[int, str], lang: str) -> Table:
    waiting = reps[~reps["passed"]]
    rows = [
        {
            "supervisor": sup_names.get(int(r.supervisor_id), str(r.supervisor_id)),
            "rep_code": r.rep_code,
            "rep_name": r.rep_name,
            "attempts": int(r.attempts),
            "best_score": _num(r.best_score),
            "last_attempt_on": None if _missing(r.last_attempt_on) else r.last_attempt_on,
        }
        for r in waiting.itertuples(index=False)
    ]
    return Table(
        key="reps_not_passed",
        title=t("Reps who have not passed the hands-on exam", lang),
        sheet=t("Exam not passed", lang),
        columns=[
            Column("supervisor", t("Supervisor", lang), width=18),
            Column("rep_code", t("Rep code", lang), width=10),
            Column("rep_name", t("Rep", lang), width=14),
            Column("attempts", t("Attempts", lang), "count", 9),
            Column("best_score", t("Best score", lang), "score", 9),
            Column("last_attempt_on", t("Last attempt", lang), "date", 13),
        ],
        rows=rows,
        empty_text=t("Every current rep has passed.", lang),
        pdf_limit=PDF_LIST_LIMIT,
    )


# --- departments --------------------------------------------------------------------------


def _department_table(rows: list[dict[str, Any]], lang: str) -> Table:
    out = []
    for row in rows:
        segment = SEGMENT_LABELS.get(row["segment"])
        out.append(
            {
                **{key: row[key] for key in ("code", "name")},
                "segment": t(segment, lang) if segment else row["segment"],
                **{
                    key: _num(row[key])
                    for key in (
                        "bookings_week",
                        "target_week",
                        "attainment_week",
                        "attainment_qtd",
                        "customers",
                        "complaints_week",
                        "complaint_rate_week",
                        "surveys_week",
                        "csat_pct_week",
                        "exam_coverage",
                        "key_account_contact_coverage",
                        "plan_growth",
                        "industry_growth",
                    )
                },
                "complaint_spike": _flag(row["complaint_spike"]),
                "plan_below_forecast": _flag(row["plan_below_forecast"]),
            }
        )
    columns = [
        Column("code", t("Code", lang), width=10),
        Column("name", t("Department", lang), width=16),
        Column("segment", t("Segment", lang), width=9),
        Column("bookings_week", t("Bookings (CNY)", lang), "money", 13),
        Column("target_week", t("Target (CNY)", lang), "money", 13),
        Column("attainment_week", t("Attainment, week", lang), "percent", 10),
        Column("attainment_qtd", t("Attainment, QTD", lang), "percent", 10),
        Column("customers", t("Customers", lang), "count", 10),
        Column("complaints_week", t("Complaints", lang), "count", 10),
        Column("complaint_rate_week", t("Per 100 customers", lang), "rate", 10),
        Column("complaint_spike", t("Spike", lang), "flag", 7),
        Column("surveys_week", t("Survey answers", lang), "count", 9),
        Column("csat_pct_week", t("CSAT, week", lang), "percent", 9),
        Column("exam_coverage", t("Exam passed", lang), "percent", 9),
        Column("key_account_contact_coverage", t("Key accounts contacted", lang), "percent", 11),
        Column("plan_growth", t("Plan growth", lang), "percent", 9),
        Column("industry_growth", t("Industry forecast", lang), "percent", 9),
        Column("plan_below_forecast", t("Plan below forecast", lang), "flag", 9),
    ]
    return Table(
        key="departments",
        title=t("Departments this week", lang),
        sheet=t("Departments", lang),
        columns=columns,
        rows=out,
        empty_text=t("No departments in this scope.", lang),
        pdf_columns=[
            "name",
            "bookings_week",
            "target_week",
            "attainment_week",
            "attainment_qtd",
            "complaints_week",
            "complaint_rate_week",
            "csat_pct_week",
            "exam_coverage",
            "key_account_contact_coverage",
            "plan_growth",
            "industry_growth",
        ],
    )


# --- trends (wide tables: one row per week, one column per department) --------------------


def _trend_table(
    key: str,
    title: str,
    sheet: str,
    long: pd.DataFrame,
    value: str,
    kind: str,
    departments: pd.DataFrame,
    weeks: list[date],
    lang: str,
) -> Table:
    names = dict(zip(departments["id"].astype("int64"), departments["name"], strict=True))
    codes = dict(zip(departments["id"].astype("int64"), departments["code"], strict=True))
    present = [int(i) for i in departments["id"]]
    values: dict[tuple[int, date], Any] = {}
    if not long.empty:
        for dep, monday, number in zip(long["department_id"], long["week_start"], long[value], strict=True):
            values[(int(dep), pd.Timestamp(monday).date())] = _num(number)
    rows = []
    for monday in weeks:
        row: dict[str, Any] = {
            "week": monday.strftime("%G-W%V"),
            "week_label": format_date(monday, lang, style="MMMd"),
        }
        for dep in present:
            row[f"d{dep}"] = values.get((dep, monday), 0 if kind == "count" else None)
        rows.append(row)
    columns = [
        Column("week", t("Week", lang), width=10),
        Column("week_label", t("Week starting", lang), width=12),
        *[Column(f"d{dep}", _name_code(names[dep], codes[dep]), kind, 14) for dep in present],
    ]
    return Table(
        key=key,
        title=title,
        sheet=sheet,
        columns=columns,
        rows=rows,
        empty_text=t("No data", lang),
        in_pdf=False,
    )


def _trend_chart(
    table: Table,
    departments: pd.DataFrame,
    all_codes: list[str],
    title: str,
    y_title: str,
    value_format: str,
    lang: str,
) -> Chart:
    colours = charts.department_colours(all_codes)
    series = [column.key for column in table.columns[2:]]
    code_of = {f"d{int(i)}": code for i, code in zip(departments["id"], departments["code"], strict=True)}
    name_of = {code: name for code, name in zip(departments["code"], departments["name"], strict=True)}
    long = pd.DataFrame(
        [
            {"week": row["week_label"], "order": i, "department": code_of[key], "value": row[key]}
            for i, row in enumerate(table.rows)
            for key in series
            if row[key] is not None
        ],
        columns=["week", "order", "department", "value"],
    )

    def build() -> Any:
        figure = charts.line_chart(
            long,
            x="order",
            y="value",
            title=title,
            colour="department",
            colour_map=colours,
            names=name_of,
            y_title=y_title,
            value_format=value_format,
            empty_text=t("No data", lang),
        )
        if value_format == "number":
            _whole_ticks(figure, _num(long["value"].max()) if not long.empty else None)
        if not long.empty:
            # Weeks as labels on an ordered axis: the line keeps its order whatever the language.
            figure.update_xaxes(
                tickmode="array",
                tickvals=list(range(len(table.rows))),
                ticktext=[row["week_label"] for row in table.rows],
            )
        return figure

    return Chart(
        key=table.key,
        title=title,
        build=build,
        table=table.key,
        category="week_label",
        series=series,
        style="line",
        percent=value_format == "percent",
        y_title=y_title,
        colours=[colours.get(code_of[key], charts.NEUTRAL) for key in series],
    )


# --- satisfaction -------------------------------------------------------------------------


def _satisfaction_table(
    rows: list[dict[str, Any]],
    deltas: Mapping[str, dict[str, Any]],
    ytd_frame: pd.DataFrame,
    departments: pd.DataFrame,
    lang: str,
) -> Table:
    by_id = {int(r.department_id): r for r in ytd_frame.itertuples(index=False)}
    id_of = dict(zip(departments["code"], departments["id"].astype("int64"), strict=True))
    out = []
    for row in rows:
        year = by_id.get(int(id_of[row["code"]]))
        meets = None if year is None else year.meets_target
        out.append(
            {
                "name": row["name"],
                "surveys_week": _int(row["surveys_week"]),
                "csat_pct_week": _num(row["csat_pct_week"]),
                "csat_pct_week_delta": _num(deltas.get(row["code"], {}).get("csat_pct_week")),
                "responses_ytd": None if year is None else _int(year.responses),
                "csat_pct_ytd": None if year is None else _num(year.csat_pct),
                "target_pct": None if year is None else _num(year.target_pct),
                "gap": None if year is None else _num(year.gap),
                "meets_target": _flag(meets),
            }
        )
    return Table(
        key="satisfaction",
        title=t("Customer satisfaction against the yearly indicator", lang),
        sheet=t("Satisfaction", lang),
        columns=[
            Column("name", t("Department", lang), width=16),
            Column("surveys_week", t("Survey answers, week", lang), "count", 10),
            Column("csat_pct_week", t("CSAT, week", lang), "percent", 9),
            Column("csat_pct_week_delta", t("CSAT, week: change", lang), "delta_percent", 10),
            Column("responses_ytd", t("Survey answers, year to date", lang), "count", 11),
            Column("csat_pct_ytd", t("CSAT, year to date", lang), "percent", 10),
            Column("target_pct", t("Indicator", lang), "percent", 9),
            Column("gap", t("Gap to indicator", lang), "delta_percent", 10),
            Column("meets_target", t("Meets indicator", lang), "flag", 9),
        ],
        rows=out,
        empty_text=t("No departments in this scope.", lang),
        pdf_columns=[
            "name",
            "surveys_week",
            "csat_pct_week",
            "responses_ytd",
            "csat_pct_ytd",
            "target_pct",
            "gap",
            "meets_target",
        ],
    )


def _rating_gap_rows(
    session: Session,
    gaps: pd.DataFrame,
    sup_names: Mapping[int, str],
    dept_names: Mapping[int, str],
    lang: str,
) -> list[dict[str, Any]]:
    reps = rep_names_for(session, gaps)
    rows = []
    for g in gaps.itertuples(index=False):
        sup = sup_names.get(int(g.supervisor_id), str(g.supervisor_id))
        if g.subject == "rep":
            code, name = reps.get(int(g.subject_id), (str(g.subject_id), ""))
            subject, rater = _name_code(name, code), sup
            kind = t("Rep, rated by their supervisor", lang)
        else:
            subject, rater = sup, t("The company", lang)
            kind = t("Supervisor, rated by the company", lang)
        rows.append(
            {
                "subject_kind": kind,
                "subject": subject,
                "rater": rater,
                "department": dept_names.get(int(g.department_id), ""),
                "rating": _num(g.rating),
                "mean_score": _num(g.mean_score),
                "responses": _int(g.responses),
                "gap": _num(g.gap),
                "verdict": pick(GAP_FLAGS.get(g.gap_flag, GAP_FLAGS["within"]), lang),
            }
        )
    return rows


def rep_names_for(session: Session, gaps: pd.DataFrame) -> dict[int, tuple[str, str]]:
    if gaps.empty:
        return {}
    return queries.rep_names(session, {int(i) for i in gaps.loc[gaps["subject"] == "rep", "subject_id"]})


def _rating_gap_table(rows: list[dict[str, Any]], quarter: str | None, lang: str) -> Table:
    title = (
        t("Rating-chain gaps, {quarter}", lang, quarter=quarter) if quarter else t("Rating-chain gaps", lang)
    )
    return Table(
        key="rating_gaps",
        title=title,
        sheet=t("Rating gaps", lang),
        columns=[
            Column("subject_kind", t("Who is rated", lang), width=18),
            Column("subject", t("Name", lang), width=16),
            Column("rater", t("Rated by", lang), width=16),
            Column("department", t("Department", lang), width=14),
            Column("rating", t("Rating (1–5)", lang), "decimal", 9),
            Column("mean_score", t("Customers' mean score (1–5)", lang), "decimal", 11),
            Column("responses", t("Survey answers", lang), "count", 9),
            Column("gap", t("Gap (index points)", lang), "delta_score", 10),
            Column("verdict", t("Verdict", lang), width=24),
        ],
        rows=rows,
        empty_text=(
            t("No ratings yet.", lang)
            if quarter is None
            else t("Ratings agree with what customers say.", lang)
        ),
    )


# --- complaints ---------------------------------------------------------------------------


def _complaint_table(
    rows: list[dict[str, Any]],
    deltas: Mapping[str, dict[str, Any]],
    week_series: pd.DataFrame,
    resolution: pd.DataFrame,
    reactive: pd.DataFrame,
    departments: pd.DataFrame,
    lang: str,
) -> Table:
    id_of = dict(zip(departments["code"], departments["id"].astype("int64"), strict=True))
    series = {int(r.department_id): r for r in week_series.itertuples(index=False)}
    solved = {int(r.unit_id): r for r in resolution.itertuples(index=False)}
    reacted = {int(r.unit_id): r for r in reactive.itertuples(index=False)}
    out = []
    for row in rows:
        ident = int(id_of[row["code"]])
        base, fix, react = series.get(ident), solved.get(ident), reacted.get(ident)
        out.append(
            {
                "name": row["name"],
                "complaints_week": _int(row["complaints_week"]),
                "complaints_week_delta": _num(deltas.get(row["code"], {}).get("complaints_week")),
                "customers": _int(row["customers"]),
                "complaint_rate_week": _num(row["complaint_rate_week"]),
                "baseline_mean": None if base is None else _num(base.baseline_mean),
                "upper_bound": None if base is None else _num(base.upper_bound),
                "complaint_spike": _flag(row["complaint_spike"]),
                "sla_share": None if fix is None else _num(fix.sla_share),
                "median_hours_to_resolve": None if fix is None else _num(fix.median_hours_to_resolve),
                "reactive_share": None if react is None else _num(react.reactive_share),
            }
        )
    return Table(
        key="complaints",
        title=t("Complaints this week", lang),
        sheet=t("Complaints", lang),
        columns=[
            Column("name", t("Department", lang), width=16),
            Column("complaints_week", t("Complaints", lang), "count", 9, delta_key="complaints_week_delta"),
            Column("complaints_week_delta", t("Complaints: change", lang), "delta_count", 10),
            Column("customers", t("Customers", lang), "count", 9),
            Column("complaint_rate_week", t("Per 100 customers", lang), "rate", 9),
            Column("baseline_mean", t("Usual week (12-week mean)", lang), "decimal", 11),
            Column("upper_bound", t("Alarm level", lang), "decimal", 9),
            Column("complaint_spike", t("Spike", lang), "flag", 7),
            Column("sla_share", t("Resolved within SLA", lang), "percent", 10),
            Column("median_hours_to_resolve", t("Median hours to resolve", lang), "decimal", 10),
            Column("reactive_share", t("From key accounts overdue for contact", lang), "percent", 13),
        ],
        rows=out,
        empty_text=t("No departments in this scope.", lang),
        pdf_columns=[
            "name",
            "complaints_week",
            "customers",
            "complaint_rate_week",
            "baseline_mean",
            "upper_bound",
            "complaint_spike",
            "sla_share",
            "median_hours_to_resolve",
            "reactive_share",
        ],
    )


def _category_table(pareto: pd.DataFrame, lang: str) -> Table:
    rows = [
        {
            "category": (r.label or "").strip() or t("(no category)", lang),
            "complaints": int(r.complaints),
            "share": _num(r.share),
            "cumulative_share": _num(r.cumulative_share),
        }
        for r in pareto.itertuples(index=False)
    ]
    return Table(
        key="categories",
        title=t("Complaint categories this week", lang),
        sheet=t("Categories", lang),
        columns=[
            Column("category", t("Category", lang), width=22),
            Column("complaints", t("Complaints", lang), "count", 10),
            Column("share", t("Share", lang), "percent", 9),
            Column("cumulative_share", t("Cumulative share", lang), "percent", 11),
        ],
        rows=rows,
        empty_text=t("No complaints this week.", lang),
        pdf_limit=PDF_LIST_LIMIT,
    )


def _pareto_chart(table: Table, lang: str) -> Chart:
    frame = pd.DataFrame(table.rows, columns=["category", "complaints", "share", "cumulative_share"])
    title = t("Complaint categories this week", lang)

    def build() -> Any:
        figure = charts.pareto_chart(
            frame,
            category="category",
            count="complaints",
            title=title,
            count_title=t("Complaints", lang),
            share_title=t("Cumulative share", lang),
            empty_text=t("No complaints this week.", lang),
        )
        _whole_ticks(figure, _num(frame["complaints"].max()) if not frame.empty else None)
        if not frame.empty:
            # Quarter steps on the share axis, whatever ticks the count axis chose.
            figure.update_layout(yaxis2={"tickmode": "linear", "tick0": 0, "dtick": 0.25})
        return figure

    return Chart(
        key="pareto",
        title=title,
        build=build,
        table="categories",
        category="category",
        series=["complaints", "cumulative_share"],
        style="pareto",
        y_title=t("Complaints", lang),
    )


def _repeat_table(repeats: pd.DataFrame, dept_names: Mapping[int, str], days: int, lang: str) -> Table:
    rows = [
        {
            "customer_code": r.customer_code,
            "customer_name": r.customer_name,
            "department": dept_names.get(int(r.department_id), ""),
            "complaints": int(r.complaints),
            "repeat_complaints": int(r.repeat_complaints),
            "last_received_at": None
            if _missing(r.last_received_at)
            else pd.Timestamp(r.last_received_at).date(),
        }
        for r in repeats.itertuples(index=False)
    ]
    return Table(
        key="repeat_complainants",
        title=t("Customers who complained again within {days} days", lang, days=days),
        sheet=t("Repeat complainants", lang),
        columns=[
            Column("customer_code", t("Customer code", lang), width=12),
            Column("customer_name", t("Customer", lang), width=24),
            Column("department", t("Department", lang), width=14),
            Column("complaints", t("Complaints this week", lang), "count", 10),
            Column("repeat_complaints", t("Repeats", lang), "count", 9),
            Column("last_received_at", t("Last complaint", lang), "date", 13),
        ],
        rows=rows,
        empty_text=t("No repeat complaints this week.", lang),
        pdf_limit=PDF_LIST_LIMIT,
    )


def _overdue_table(
    overdue: pd.DataFrame,
    dept_names: Mapping[int, str],
    sup_names: Mapping[int, str],
    days: int,
    lang: str,
) -> Table:
    rows = [
        {
            "customer_code": r.customer_code,
            "customer_name": r.customer_name,
            "department": dept_names.get(int(r.department_id), ""),
            "owner": _name_code(r.owner_rep_name, r.owner_rep_code) if not _missing(r.owner_rep_code) else "",
            "supervisor": "" if _missing(r.supervisor_id) else sup_names.get(int(r.supervisor_id), ""),
            "last_contact_on": None if _missing(r.last_contact_on) else r.last_contact_on,
            "days_since_contact": _int(r.days_since_contact),
        }
        for r in overdue.itertuples(index=False)
    ]
    return Table(
        key="overdue_key_accounts",
        title=t("Key accounts not contacted within {days} days", lang, days=days),
        sheet=t("Overdue key accounts", lang),
        columns=[
            Column("customer_code", t("Customer code", lang), width=12),
            Column("customer_name", t("Customer", lang), width=24),
            Column("department", t("Department", lang), width=14),
            Column("owner", t("Owner rep", lang), width=16),
            Column("supervisor", t("Supervisor", lang), width=16),
            Column("last_contact_on", t("Last contact", lang), "date", 13),
            Column("days_since_contact", t("Days since contact", lang), "count", 10),
        ],
        rows=rows,
        empty_text=t("Every key account was contacted in time.", lang),
        pdf_limit=PDF_LIST_LIMIT,
        note=t("An empty last contact means never contacted.", lang),
    )


# --- notes and actions --------------------------------------------------------------------


def _note_tables(
    all_notes: pd.DataFrame, week: str, sunday: date, sup_names: Mapping[int, str], lang: str
) -> tuple[Table, Table]:
    this_week = all_notes[all_notes["week"] == week] if not all_notes.empty else all_notes
    end = queries.week_end_utc(sunday)

    def status(closed: Any) -> str:
        moment = queries._aware(closed)  # noqa: SLF001 (same package)
        return t("Closed", lang) if moment is not None and moment < end else t("Open", lang)

    note_rows = [
        {
            "supervisor": sup_names.get(int(n.supervisor_id), ""),
            "text": n.text or "",
            "action": n.action or "",
            "action_owner": n.action_owner or "",
            "action_due_week": n.action_due_week or "",
            "status": status(n.closed_at_utc) if (n.action or "").strip() else "",
            "created_by": n.created_by or "",
        }
        for n in this_week.itertuples(index=False)
    ]
    notes_table = Table(
        key="notes",
        title=t("Notes this week", lang),
        sheet=t("Notes", lang),
        columns=[
            Column("supervisor", t("Supervisor", lang), width=16),
            Column("text", t("Note", lang), width=50, wrap=True),
            Column("action", t("Action", lang), width=36, wrap=True),
            Column("action_owner", t("Owner", lang), width=12),
            Column("action_due_week", t("Due week", lang), width=10),
            Column("status", t("Status", lang), width=8),
            Column("created_by", t("Written by", lang), width=12),
        ],
        rows=note_rows,
        empty_text=t("No notes this week.", lang),
    )
    actions = queries.open_actions(all_notes, week, sunday)
    action_rows = [
        {
            "supervisor": sup_names.get(int(n.supervisor_id), ""),
            "week": n.week,
            "action": n.action,
            "action_owner": n.action_owner or "",
            "action_due_week": n.action_due_week or "",
            "overdue": bool(n.action_due_week and n.action_due_week < week),
        }
        for n in actions.itertuples(index=False)
    ]
    action_rows.sort(key=lambda r: (not r["overdue"], r["action_due_week"] or "9999", r["supervisor"]))
    actions_table = Table(
        key="open_actions",
        title=t("Open actions", lang),
        sheet=t("Open actions", lang),
        columns=[
            Column("supervisor", t("Supervisor", lang), width=16),
            Column("week", t("Raised in week", lang), width=10),
            Column("action", t("Action", lang), width=50, wrap=True),
            Column("action_owner", t("Owner", lang), width=12),
            Column("action_due_week", t("Due week", lang), width=10),
            Column("overdue", t("Overdue", lang), "flag", 8),
        ],
        rows=action_rows,
        empty_text=t("No open actions.", lang),
    )
    return notes_table, actions_table


# --- alerts -------------------------------------------------------------------------------


def _alert(severity: str, kind: str, unit: str, detail: str, lang: str) -> dict[str, Any]:
    return {
        "severity_code": severity,
        "kind_code": kind,
        "severity": t(SEVERITY_LABELS[severity], lang),
        "kind": t(ALERT_KINDS[kind], lang),
        "unit": unit,
        "detail": detail,
    }


def _alerts(
    *,
    lang: str,
    year: int,
    params: MetricParams,
    departments_now: list[dict[str, Any]],
    week_series: pd.DataFrame,
    overdue: pd.DataFrame,
    reps: pd.DataFrame,
    sup_names: Mapping[int, str],
    gap_rows: list[dict[str, Any]],
    supervisor_rows: list[dict[str, Any]],
    id_of: Mapping[str, int],
) -> Table:
    alerts = []
    series = {int(r.department_id): r for r in week_series.itertuples(index=False)}
    for dep in departments_now:
        ident = id_of[dep["code"]]
        if _flag(dep["complaint_spike"]):
            base = series.get(ident)
            alerts.append(
                _alert(
                    "high",
                    "complaint_spike",
                    dep["name"],
                    t(
                        "{count} complaints this week; a usual week has {mean} and more than {bound} "
                        "is out of the ordinary.",
                        lang,
                        count=format_number(dep["complaints_week"], lang),
                        mean=format_number(None if base is None else base.baseline_mean, lang, decimals=1),
                        bound=format_number(None if base is None else base.upper_bound, lang),
                    ),
                    lang,
                )
            )
        if _flag(dep["plan_below_forecast"]):
            industry = _num(dep["industry_growth"])
            alerts.append(
                _alert(
                    "high",
                    "plan_below_forecast",
                    dep["name"],
                    t(
                        "The {year} plan grows {plan} while the industry expects {industry}; "
                        "the recommended growth is {recommended}.",
                        lang,
                        year=year,
                        plan=format_percent(_num(dep["plan_growth"]), lang, decimals=1, signed=True),
                        industry=format_percent(industry, lang, decimals=1, signed=True),
                        recommended=format_percent(
                            None if industry is None else industry + params.plan_margin,
                            lang,
                            decimals=1,
                            signed=True,
                        ),
                    ),
                    lang,
                )
            )
    name_of = {ident: code for code, ident in id_of.items()}
    dep_name = {d["code"]: d["name"] for d in departments_now}
    if not overdue.empty:
        for dep_id, group in overdue.groupby("department_id", sort=True):
            never = int(group["days_since_contact"].isna().sum())
            alerts.append(
                _alert(
                    "medium",
                    "overdue_key_accounts",
                    dep_name.get(name_of.get(int(dep_id), ""), ""),
                    t(
                        "{count} key accounts not contacted within {days} days ({never} never contacted).",
                        lang,
                        count=format_number(len(group), lang),
                        days=params.contact_cadence_days,
                        never=format_number(never, lang),
                    ),
                    lang,
                )
            )
    if not reps.empty:
        for sup_id, group in reps.groupby("supervisor_id", sort=True):
            waiting = group[~group["passed"]]
            if waiting.empty:
                continue
            alerts.append(
                _alert(
                    "medium",
                    "reps_not_passed",
                    sup_names.get(int(sup_id), ""),
                    t(
                        "{count} of {team} reps have not passed the hands-on exam: {names}.",
                        lang,
                        count=len(waiting),
                        team=len(group),
                        names=_join(waiting["rep_name"].astype(str), lang),
                    ),
                    lang,
                )
            )
    for gap in gap_rows:
        alerts.append(
            _alert(
                "medium",
                "rating_gap",
                gap["subject"],
                t(
                    "{rater} gives {rating} of 5; customers give {mean} ({responses} answers): {verdict}.",
                    lang,
                    rater=gap["rater"],
                    rating=format_number(gap["rating"], lang, decimals=1),
                    mean=format_number(gap["mean_score"], lang, decimals=1),
                    responses=format_number(gap["responses"], lang),
                    verdict=gap["verdict"],
                ),
                lang,
            )
        )
    for row in supervisor_rows:
        now, before = row.get("diagnosis"), row.get("diagnosis_last_week")
        if _missing(now) or _missing(before) or now == before:
            continue
        alerts.append(
            _alert(
                "info",
                "diagnosis_changed",
                _name_code(row["name"], row["code"]),
                t(
                    "{before} last week, {now} this week.",
                    lang,
                    before=_diagnosis_label(before, lang),
                    now=_diagnosis_label(now, lang),
                ),
                lang,
            )
        )
    kinds = list(ALERT_KINDS)
    alerts.sort(key=lambda a: (SEVERITY_ORDER.index(a["severity_code"]), kinds.index(a["kind_code"])))
    return Table(
        key="alerts",
        title=t("Alerts", lang),
        sheet=t("Alerts", lang),
        columns=[
            Column("severity", t("Level", lang), width=8),
            Column("kind", t("Alert", lang), width=24),
            Column("unit", t("Who", lang), width=18),
            Column("detail", t("Detail", lang), width=80, wrap=True),
        ],
        rows=alerts,
        empty_text=t("No alerts this week.", lang),
    )


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
) -> WeeklyReport:
    """The content of the weekly report for `week`, in `lang`, limited to the reader's `scope`.

    Raises ReportScopeError for a department outside the scope (or a scope without any),
    ReportError for an unknown department, core.periods.PeriodError for a bad week.
    """
    lang = normalise_language(lang)
    week = normalise_week(week)
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    unit = resolve_unit(session, department_code, scope)
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
        int(i): _name_code(n, c) for i, c, n in zip(sups["id"], sups["code"], sups["name"], strict=True)
    }
    allowed_codes = set(sups["code"])
    supervisor_rows = [row for row in current["supervisors"] if row["code"] in allowed_codes]
    sup_deltas = {row["code"]: row for row in changes["deltas"]["supervisors"]}
    dep_deltas = {row["code"]: row for row in changes["deltas"]["departments"]}

    # Headline tiles: the department's own row, or the company level over the scope.
    if unit.department_code is not None:
        tiles_now, tiles_before = current["departments"][0], previous["departments"][0]
        scope_label = _name_code(unit.department_name, unit.department_code)
    else:
        tiles_now = company_row(session, week, ids, params)
        tiles_before = company_row(session, previous_week(week), ids, params)
        scope_label = t("Company", lang) if ids is None else t("All departments you can see", lang)
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
    gap_rows = _rating_gap_rows(session, gaps, sup_names, dept_names, lang) if not gaps.empty else []

    alerts = _alerts(
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

    supervisors_table = _supervisor_table(supervisor_rows, sup_deltas, lang)
    department_table = _department_table(current["departments"], lang)

    all_codes = list(all_departments["code"])
    complaint_trend = _trend_table(
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
    csat_trend = _trend_table(
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
    categories = _category_table(category_pareto(session, window, ids), lang)
    notes_table, actions_table = _note_tables(
        queries.notes(session, [int(i) for i in sups["id"]]), week, sunday, sup_names, lang
    )

    sections = [
        Section(
            "supervisors",
            t("Supervisors", lang),
            [
                supervisors_table,
                _legs_chart(supervisors_table, lang),
                _diagnosis_block(supervisors_table.rows, lang),
                _reps_not_passed_table(reps, sup_names, lang),
            ],
        ),
        Section("departments", t("Departments", lang), [department_table]),
        Section(
            "satisfaction",
            t("Customer satisfaction", lang),
            [
                _satisfaction_table(
                    current["departments"],
                    dep_deltas,
                    csat_vs_target(session, ytd(sunday), ids, params),
                    departments,
                    lang,
                ),
                _trend_chart(
                    csat_trend, departments, all_codes, csat_trend.title, t("CSAT", lang), "percent", lang
                ),
                csat_trend,
                _rating_gap_table(gap_rows, quarter, lang),
            ],
        ),
        Section(
            "complaints",
            t("Complaints and key accounts", lang),
            [
                _complaint_table(
                    current["departments"],
                    dep_deltas,
                    week_series,
                    resolution_stats(session, window, "department", ids, params),
                    reactive_complaints(session, window, "department", ids, params),
                    departments,
                    lang,
                ),
                _trend_chart(
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
                _pareto_chart(categories, lang),
                _repeat_table(
                    repeat_complainants(session, window, ids, params),
                    dept_names,
                    params.repeat_window_days,
                    lang,
                ),
                _overdue_table(overdue, dept_names, sup_names, params.contact_cadence_days, lang),
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
        tiles=_tiles(tiles_now, tiles_before, lang, params),
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
