"""The report's sections as tables, texts and charts: supervisors, departments, customers, notes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core import charts
from core.balance import DIAGNOSES, LEG_LABELS, diagnosis_text
from core.i18n import N_, format_date, pick, t, tn
from core.metrics.satisfaction import GAP_FLAGS
from core.notes import week_end_utc
from core.params import DEFAULT_PARAMS, MetricParams
from core.reports import queries
from core.reports.document import Chart, Column, Explanation, Table, TextBlock
from core.reports.values import flag, join_names, missing, name_code, num, whole

TREND_WEEKS = 13  # the legs' window: the charts show the quarter the scores stand on
PDF_LIST_LIMIT = 15  # long lists (overdue accounts, repeat complainants) are cut in the PDF

SEGMENT_LABELS = {"bank": N_("Bank"), "non_bank": N_("Non-bank")}

# --- supervisors --------------------------------------------------------------------------


def diagnosis_label(code: Any, lang: str) -> str:
    return diagnosis_text(None if missing(code) else str(code), lang)["label"]


def supervisor_table(rows: list[dict[str, Any]], deltas: Mapping[str, dict[str, Any]], lang: str) -> Table:
    out = []
    for row in rows:
        change = deltas.get(row["code"], {})
        code = None if missing(row.get("diagnosis")) else row["diagnosis"]
        text = diagnosis_text(code, lang)
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "label": name_code(row["name"], row["code"]),
                "department_code": row["department_code"],
                "score_targets": num(row["score_targets"]),
                "score_targets_delta": num(change.get("score_targets")),
                "score_team": num(row["score_team"]),
                "score_team_delta": num(change.get("score_team")),
                "score_skills": num(row["score_skills"]),
                "score_skills_delta": num(change.get("score_skills")),
                "diagnosis": text["label"],
                "diagnosis_code": code,
                "diagnosis_weeks": whole(row["diagnosis_weeks"]),
                "diagnosis_last_week": diagnosis_label(row["diagnosis_last_week"], lang),
                "attainment_13w": num(row["attainment_13w"]),
                "contribution_evenness": num(row["contribution_evenness"]),
                "exam_coverage": num(row["exam_coverage"]),
                "csat_pct_13w": num(row["csat_pct_13w"]),
                "complaints_week": whole(row["complaints_week"]),
                "complaint_rate_week": num(row["complaint_rate_week"]),
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


def diagnosis_block(rows: list[dict[str, Any]], lang: str) -> TextBlock:
    items = []
    for code in (*DIAGNOSES, None):
        who = [row["label"] for row in rows if row["diagnosis_code"] == code]
        if not who:
            continue
        text = diagnosis_text(code, lang)
        items.append(
            Explanation(
                heading=t("{diagnosis}: {who}", lang, diagnosis=text["label"], who=join_names(who, lang)),
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


def legs_chart(table: Table, lang: str) -> Chart:
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


def reps_not_passed_table(reps: pd.DataFrame, sup_names: Mapping[int, str], lang: str) -> Table:
    waiting = reps[~reps["passed"]]
    rows = [
        {
            "supervisor": sup_names.get(int(r.supervisor_id), str(r.supervisor_id)),
            "rep_code": r.rep_code,
            "rep_name": r.rep_name,
            "attempts": int(r.attempts),
            "best_score": num(r.best_score),
            "last_attempt_on": None if missing(r.last_attempt_on) else r.last_attempt_on,
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


def is_small_sample(surveys: Any, params: MetricParams = DEFAULT_PARAMS) -> bool:
    """As core.week_view.is_small_sample (which imports this package): some answers, but too few."""
    count = num(surveys)
    return count is not None and 0 < count < params.csat_min_surveys


def csat_sample_note(surveys: Any, csat: Any, lang: str, params: MetricParams = DEFAULT_PARAMS) -> str:
    """The marker beside a CSAT from too few answers ("small sample: 4 surveys"), else ""."""
    if missing(csat) or not is_small_sample(surveys, params):
        return ""
    count = int(num(surveys) or 0)
    return tn("small sample: {n} survey", "small sample: {n} surveys", count, lang)


def department_table(
    rows: list[dict[str, Any]], lang: str, params: MetricParams = DEFAULT_PARAMS, as_of: date | None = None
) -> Table:
    out = []
    for row in rows:
        segment = SEGMENT_LABELS.get(row["segment"])
        out.append(
            {
                **{key: row[key] for key in ("code", "name")},
                "segment": t(segment, lang) if segment else row["segment"],
                **{
                    key: num(row[key])
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
                "complaint_spike": flag(row["complaint_spike"]),
                "plan_below_forecast": flag(row["plan_below_forecast"]),
                "csat_sample": csat_sample_note(row["surveys_week"], row["csat_pct_week"], lang, params),
            }
        )
    columns = [
        Column("code", t("Code", lang), width=10),
        Column("name", t("Department", lang), width=16),
        Column("segment", t("Segment", lang), width=9),
        Column("bookings_week", t("Bookings (CNY)", lang), "money", 13),
        Column("target_week", t("Target (CNY)", lang), "money", 13),
        Column("attainment_week", t("Attainment, week", lang), "percent", 10),
        Column(
            "attainment_qtd",
            t("Attainment, QTD", lang)
            if as_of is None
            else t("Attainment, quarter to {day}", lang, day=format_date(as_of, lang, style="MMMd")),
            "percent",
            10,
        ),
        Column("customers", t("Customers", lang), "count", 10),
        Column("complaints_week", t("Complaints", lang), "count", 10),
        Column("complaint_rate_week", t("Per 100 customers", lang), "rate", 10),
        Column("complaint_spike", t("Spike", lang), "flag", 7),
        Column("surveys_week", t("Survey answers", lang), "count", 9),
        Column("csat_pct_week", t("CSAT, week", lang), "percent", 9),
        Column("csat_sample", t("CSAT sample", lang), width=14),
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
            "csat_sample",
            "exam_coverage",
            "key_account_contact_coverage",
            "plan_growth",
            "industry_growth",
        ],
    )


# --- trends (wide tables: one row per week, one column per department) --------------------


def trend_table(
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
            values[(int(dep), pd.Timestamp(monday).date())] = num(number)
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
        *[Column(f"d{dep}", name_code(names[dep], codes[dep]), kind, 14) for dep in present],
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


def trend_chart(
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
            _whole_ticks(figure, num(long["value"].max()) if not long.empty else None)
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


def satisfaction_table(
    rows: list[dict[str, Any]],
    deltas: Mapping[str, dict[str, Any]],
    ytd_frame: pd.DataFrame,
    departments: pd.DataFrame,
    lang: str,
    params: MetricParams = DEFAULT_PARAMS,
) -> Table:
    by_id = {int(r.department_id): r for r in ytd_frame.itertuples(index=False)}
    id_of = dict(zip(departments["code"], departments["id"].astype("int64"), strict=True))
    out = []
    for row in rows:
        year = by_id.get(int(id_of[row["code"]]))
        meets = None if year is None else year.meets_target
        if year is not None and is_small_sample(year.responses, params):
            meets = None  # too few answers this year to judge against the indicator
        note = csat_sample_note(row["surveys_week"], row["csat_pct_week"], lang, params)
        change = deltas.get(row["code"], {}).get("csat_pct_week")
        out.append(
            {
                "name": row["name"],
                "surveys_week": whole(row["surveys_week"]),
                "csat_pct_week": num(row["csat_pct_week"]),
                "csat_sample": note,
                # a small sample's change since last week is not news about the department
                "csat_pct_week_delta": None if note else num(change),
                "responses_ytd": None if year is None else whole(year.responses),
                "csat_pct_ytd": None if year is None else num(year.csat_pct),
                "target_pct": None if year is None else num(year.target_pct),
                "gap": None if year is None else num(year.gap),
                "meets_target": flag(meets),
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
            Column("csat_sample", t("CSAT sample", lang), width=14),
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
            "csat_sample",
            "responses_ytd",
            "csat_pct_ytd",
            "target_pct",
            "gap",
            "meets_target",
        ],
    )


def rating_gap_rows(
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
            subject, rater = name_code(name, code), sup
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
                "rating": num(g.rating),
                "mean_score": num(g.mean_score),
                "responses": whole(g.responses),
                "gap": num(g.gap),
                "verdict": pick(GAP_FLAGS.get(g.gap_flag, GAP_FLAGS["within"]), lang),
            }
        )
    return rows


def rep_names_for(session: Session, gaps: pd.DataFrame) -> dict[int, tuple[str, str]]:
    if gaps.empty:
        return {}
    return queries.rep_names(session, {int(i) for i in gaps.loc[gaps["subject"] == "rep", "subject_id"]})


def rating_gap_table(rows: list[dict[str, Any]], quarter: str | None, lang: str) -> Table:
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


def complaint_table(
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
                "complaints_week": whole(row["complaints_week"]),
                "complaints_week_delta": num(deltas.get(row["code"], {}).get("complaints_week")),
                "customers": whole(row["customers"]),
                "complaint_rate_week": num(row["complaint_rate_week"]),
                "baseline_mean": None if base is None else num(base.baseline_mean),
                "upper_bound": None if base is None else num(base.upper_bound),
                "complaint_spike": flag(row["complaint_spike"]),
                "sla_share": None if fix is None else num(fix.sla_share),
                "median_hours_to_resolve": None if fix is None else num(fix.median_hours_to_resolve),
                "reactive_share": None if react is None else num(react.reactive_share),
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


def category_table(pareto: pd.DataFrame, lang: str) -> Table:
    rows = [
        {
            "category": (r.label or "").strip() or t("(no category)", lang),
            "complaints": int(r.complaints),
            "share": num(r.share),
            "cumulative_share": num(r.cumulative_share),
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


def pareto_chart(table: Table, lang: str) -> Chart:
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
        _whole_ticks(figure, num(frame["complaints"].max()) if not frame.empty else None)
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


def repeat_table(repeats: pd.DataFrame, dept_names: Mapping[int, str], days: int, lang: str) -> Table:
    rows = [
        {
            "customer_code": r.customer_code,
            "customer_name": r.customer_name,
            "department": dept_names.get(int(r.department_id), ""),
            "complaints": int(r.complaints),
            "repeat_complaints": int(r.repeat_complaints),
            "last_received_at": None
            if missing(r.last_received_at)
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


def overdue_table(
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
            "owner": name_code(r.owner_rep_name, r.owner_rep_code) if not missing(r.owner_rep_code) else "",
            "supervisor": "" if missing(r.supervisor_id) else sup_names.get(int(r.supervisor_id), ""),
            "last_contact_on": None if missing(r.last_contact_on) else r.last_contact_on,
            "days_since_contact": whole(r.days_since_contact),
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


def note_tables(
    this_week: pd.DataFrame, actions: pd.DataFrame, week: str, sup_names: Mapping[int, str], lang: str
) -> tuple[Table, Table]:
    """The week's notes and the actions open when it ended (frames of core.notes.notes_for/open_actions)."""
    end = week_end_utc(week)

    def status(closed: Any) -> str:
        return t("Closed", lang) if not missing(closed) and closed < end else t("Open", lang)

    note_rows = [
        {
            "supervisor": sup_names.get(int(n.supervisor_id), ""),
            "text": n.text or "",
            "action": n.action or "",
            "action_owner": n.action_owner or "",
            "action_due_week": n.action_due_week or "",
            "status": status(n.action_closed_at_utc) if (n.action or "").strip() else "",
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
