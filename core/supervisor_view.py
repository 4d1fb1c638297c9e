"""What the Supervisor page shows: one supervisor's reps, key accounts, customers, activities and legs.

`supervisor_week` gathers the figures of one supervisor and ISO week (no language, cacheable)
from the metrics engine; the other functions turn them into tables and charts in the reader's
language. Every window is the legs' window: the 13 ISO weeks ending with the chosen week.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import charts
from core.auth import Scope
from core.balance import balance_history, diagnosis_text
from core.classification import CLASS_NAMES, CLASS_STRATEGY, CLASSES, class_summary
from core.i18n import N_, format_number, format_percent, pick, t, tn
from core.metrics.complaints import complaint_counts
from core.metrics.contacts import key_account_contacts
from core.metrics.satisfaction import csat_by
from core.metrics.status import supervisor_statuses
from core.metrics.targets import attainment_windows
from core.models import Activity, ActivityAttendee, Department, Supervisor, Training
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, normalise_week, parse_week, previous_week, weeks_window
from core.reports import queries
from core.tables import Column
from core.week_view import (
    DIAGNOSIS_BADGES,
    ChartSpec,
    TileText,
    change_number,
    change_points,
    csat_indicators,
    is_small_sample,
    leg_labels,
    short_week,
    small_sample_text,
)

ACTIVITY_LABELS: dict[str, dict[str, str]] = {
    "team_meeting": {"zh": "团队例会", "en": "Team meeting"},
    "coaching": {"zh": "一对一辅导", "en": "Coaching"},
    "joint_visit": {"zh": "陪同拜访", "en": "Joint visit"},
    "knowledge_share": {"zh": "经验分享", "en": "Knowledge sharing"},
    "team_event": {"zh": "团队活动", "en": "Team event"},
}
SEGMENT_LABELS = {"bank": N_("Bank"), "non_bank": N_("Non-bank")}
REP_COLUMNS = [
    "rep_id",
    "rep_code",
    "rep_name",
    "rep_label",
    "bookings_13w",
    "target_13w",
    "attainment_13w",
    "responses_13w",
    "csat_pct_13w",
    "complaints_13w",
    "passed",
    "attempts",
    "best_score",
    "last_exam_on",
    "exam",
    "training_hours_13w",
    "key_accounts",
    "overdue_key_accounts",
]
ACTIVITY_COLUMNS = ["date", "kind", "minutes", "attendees"]


class SupervisorNotFoundError(LookupError):
    """No supervisor with that code within the reader's scope (or none at all: the same answer)."""


def find_supervisor(session: Session, code: str, scope: Scope) -> dict[str, Any] | None:
    """id, code, name and department of a supervisor the scope may see, or None."""
    s, d = Supervisor.__table__, Department.__table__
    row = session.execute(
        select(s.c.id, s.c.code, s.c.name, d.c.id, d.c.code, d.c.name)
        .join(d, d.c.id == s.c.department_id)
        .where(s.c.code == code)
    ).first()
    if row is None or not (scope.allows_department(row[3]) and scope.allows_supervisor(row[0])):
        return None
    keys = ("id", "code", "name", "department_id", "department_code", "department_name")
    return dict(zip(keys, row, strict=True))


def _one(frame: pd.DataFrame, unit: int, column: str) -> Any:
    rows = frame[frame["unit_id"] == unit]
    return rows[column].iloc[0] if not rows.empty else None


def _team_reps(
    session: Session, supervisor: Mapping[str, Any], window: Window, key_accounts: pd.DataFrame
) -> pd.DataFrame:
    """The team's current reps with their 13-week figures, exam status and key accounts."""
    dept = [supervisor["department_id"]]
    reps = queries.current_reps(session, window.end, dept)
    reps = reps[reps["supervisor_id"] == supervisor["id"]].reset_index(drop=True)
    if reps.empty:
        return pd.DataFrame(columns=REP_COLUMNS)
    attainment = attainment_windows(session, {"w": window}, "rep", department_ids=dept)
    csat = csat_by(session, window, "rep", dept)
    complaints = complaint_counts(session, window, "rep", dept)
    tr = Training.__table__
    hours = dict(
        session.execute(
            select(tr.c.rep_id, func.sum(tr.c.hours))
            .where(tr.c.rep_id.in_([int(i) for i in reps["rep_id"]]))
            .where(tr.c.date >= window.start, tr.c.date <= window.end)
            .group_by(tr.c.rep_id)
        ).all()
    )
    owned = key_accounts.groupby("owner_rep_id").agg(
        key_accounts=("customer_id", "count"), overdue_key_accounts=("overdue", "sum")
    )
    rows = []
    for rep in reps.itertuples(index=False):
        ident = int(rep.rep_id)
        rows.append(
            {
                "rep_id": ident,
                "rep_code": rep.rep_code,
                "rep_name": rep.rep_name,
                "rep_label": f"{rep.rep_name} ({rep.rep_code})",
                "bookings_13w": _one(attainment, ident, "bookings") or 0.0,
                "target_13w": _one(attainment, ident, "target") or 0.0,
                "attainment_13w": _one(attainment, ident, "attainment"),
                "responses_13w": int(_one(csat, ident, "responses") or 0),
                "csat_pct_13w": _one(csat, ident, "csat_pct"),
                "complaints_13w": int(_one(complaints, ident, "complaints") or 0),
                "passed": bool(rep.passed),
                "attempts": int(rep.attempts),
                "best_score": rep.best_score,
                "last_exam_on": rep.last_attempt_on,
                # What the exam column reads from: passed, attempts, best score, last attempt.
                "exam": (bool(rep.passed), int(rep.attempts), rep.best_score, rep.last_attempt_on),
                "training_hours_13w": float(hours.get(ident, 0.0) or 0.0),
                "key_accounts": int(owned["key_accounts"].get(ident, 0)),
                "overdue_key_accounts": int(owned["overdue_key_accounts"].get(ident, 0)),
            }
        )
    return pd.DataFrame(rows, columns=REP_COLUMNS)


def _labelled_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    out = accounts.copy()
    out["customer_label"] = [
        f"{n} ({c})" for n, c in zip(out["customer_name"], out["customer_code"], strict=True)
    ]
    out["owner_rep_label"] = [
        "—" if pd.isna(c) else f"{n} ({c})"
        for n, c in zip(out["owner_rep_name"], out["owner_rep_code"], strict=True)
    ]
    out["contact_status"] = [
        "never" if pd.isna(days) else "overdue" if late else "in_time"
        for days, late in zip(out["days_since_contact"], out["overdue"], strict=True)
    ]
    return out


def _in_class_order(portfolio: pd.DataFrame) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(CLASSES)}
    ranked = portfolio.assign(_order=portfolio["customer_class"].map(order))
    return ranked.sort_values(["_order", "segment"]).drop(columns="_order").reset_index(drop=True)


def _activities(session: Session, supervisor_id: int, window: Window) -> pd.DataFrame:
    a, at = Activity.__table__, ActivityAttendee.__table__
    attendees = select(func.count()).where(at.c.activity_id == a.c.id).scalar_subquery()
    stmt = (
        select(a.c.date, a.c.kind, a.c.minutes, attendees)
        .where(a.c.supervisor_id == supervisor_id, a.c.date >= window.start, a.c.date <= window.end)
        .order_by(a.c.date.desc(), a.c.id.desc())
    )
    return pd.DataFrame([tuple(r) for r in session.execute(stmt).all()], columns=ACTIVITY_COLUMNS)


def _week_row(
    session: Session, legs: pd.DataFrame, supervisor: Mapping[str, Any], week: str, params: MetricParams
) -> dict[str, Any]:
    """The supervisor's legs and diagnosis of `week`, with the 13-week CSAT and the week's complaints."""
    dept, ident = [supervisor["department_id"]], supervisor["id"]
    found = legs[legs["week"] == week]
    row = found.iloc[0].to_dict() if not found.empty else {}
    monday, sunday = parse_week(week)
    csat = csat_by(session, weeks_window(week, params.legs_window_weeks), "supervisor", dept, params)
    complaints = complaint_counts(session, Window(monday, sunday), "supervisor", dept)
    row["csat_pct_13w"] = _one(csat, ident, "csat_pct")
    row["surveys_13w"] = int(_one(csat, ident, "responses") or 0)
    row["complaints_week"] = int(_one(complaints, ident, "complaints") or 0)
    return {key: None if isinstance(value, float) and pd.isna(value) else value for key, value in row.items()}


def supervisor_week(
    session: Session, code: str, week: str, *, scope: Scope, params: MetricParams = DEFAULT_PARAMS
) -> dict[str, Any]:
    """Everything the Supervisor page shows for one supervisor and ISO week, without language.

    Raises SupervisorNotFoundError when the code is unknown or outside the scope. Keys:
    supervisor, week, window, current and previous (that week's and the week before's legs,
    diagnosis, 13-week CSAT and the week's complaints), legs (the 13 weeks), csat_indicator,
    statuses, reps (REP_COLUMNS), key_accounts, portfolio (class x segment), activities.
    """
    supervisor = find_supervisor(session, code, scope)
    if supervisor is None:
        raise SupervisorNotFoundError(code)
    week = normalise_week(week)
    sunday = parse_week(week)[1]
    window = weeks_window(week, params.legs_window_weeks)
    dept = [supervisor["department_id"]]
    history = balance_history(session, week, params.legs_window_weeks, department_ids=dept, params=params)
    legs = history[history["supervisor_id"] == supervisor["id"]].reset_index(drop=True)
    current = _week_row(session, legs, supervisor, week, params)
    indicator = csat_indicators(session, sunday.year, dept).get(supervisor["department_id"])
    key_accounts = _labelled_accounts(
        key_account_contacts(session, sunday, dept, params, supervisor_id=supervisor["id"])
    )
    portfolio = class_summary(session, sunday, "supervisor", dept, params)
    return {
        "supervisor": supervisor,
        "week": week,
        "window": window,
        "current": current,
        "previous": _week_row(session, legs, supervisor, previous_week(week), params),
        "legs": legs,
        "csat_indicator": indicator,
        "statuses": _statuses(current, indicator, params),
        "reps": _team_reps(session, supervisor, window, key_accounts),
        "key_accounts": key_accounts,
        "portfolio": _in_class_order(portfolio[portfolio["unit_id"] == supervisor["id"]]),
        "activities": _activities(session, supervisor["id"], window),
    }


def _statuses(current: Mapping[str, Any], indicator: float | None, params: MetricParams) -> dict[str, Any]:
    """supervisor_statuses, but a 13-week CSAT from too few answers gets no colour (docs/metrics.md)."""
    statuses = supervisor_statuses(current, csat_indicator=indicator, params=params)
    if is_small_sample(current.get("surveys_13w"), params):
        statuses = {**statuses, "csat_pct_13w": None}
    return statuses


# --- in the reader's language -------------------------------------------------------------


def diagnosis(view: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The week's diagnosis: label, consequence, actions, and the colour of its badge."""
    code = view["current"].get("diagnosis")
    code = None if code is None or pd.isna(code) else code
    return {**diagnosis_text(code, lang), "badge": DIAGNOSIS_BADGES.get(code, "orange")}


def activity_summary(view: Mapping[str, Any], lang: str) -> str:
    activities = view["activities"]
    return t(
        "{count} activities, {minutes} minutes in all.",
        lang,
        count=format_number(len(activities), lang),
        minutes=format_number(int(activities["minutes"].sum()), lang),
    )


def _delta(view: Mapping[str, Any], key: str) -> float | None:
    now, before = view["current"].get(key), view["previous"].get(key)
    return None if now is None or before is None else now - before


def tiles(view: Mapping[str, Any], lang: str, params: MetricParams = DEFAULT_PARAMS) -> list[TileText]:
    """Four tiles of the supervisor's week, each with its change since the week before."""
    now, status = view["current"], view["statuses"]

    def points(key: str) -> str | None:
        return change_points(_delta(view, key), lang)

    return [
        TileText(
            "attainment_13w",
            t("Target attainment, 13 weeks", lang),
            format_percent(now.get("attainment_13w"), lang),
            points("attainment_13w"),
            status["attainment_13w"],
            True,
            t("Bookings of the team's reps against their targets over the 13 weeks.", lang),
        ),
        csat_tile(view, lang, params),
        TileText(
            "exam_coverage",
            t("Exam passed", lang),
            format_percent(now.get("exam_coverage"), lang),
            points("exam_coverage"),
            status["exam_coverage"],
            True,
            t("Current reps of the team who have passed.", lang),
        ),
        TileText(
            "complaints_week",
            t("Complaints this week", lang),
            format_number(now.get("complaints_week"), lang),
            change_number(_delta(view, "complaints_week"), lang),
            None,
            False,
            t("Complaints from customers owned by the team's reps.", lang),
        ),
    ]


def _exam_text(exam: Any, lang: str) -> str:
    passed, attempts, best, _last = exam
    if passed:
        return t("Passed", lang)
    if not attempts:
        return t("Not taken yet", lang)
    return tn(
        "Not passed: best {score} in {n} attempt",
        "Not passed: best {score} in {n} attempts",
        int(attempts),
        lang,
        score=format_number(best, lang),
    )


def _contact_text(status: Any, lang: str) -> str:
    return t(CONTACT_STATUS[status], lang)


def _class_name(code: Any, lang: str) -> str:
    return pick(CLASS_NAMES[code], lang)


def _class_strategy(code: Any, lang: str) -> str:
    return pick(CLASS_STRATEGY[code], lang)


def _segment(code: Any, lang: str) -> str:
    return t(SEGMENT_LABELS.get(code, str(code)), lang)


def _activity(code: Any, lang: str) -> str:
    return pick(ACTIVITY_LABELS.get(code, {"zh": str(code), "en": str(code)}), lang)


CONTACT_STATUS = {"never": N_("Never contacted"), "overdue": N_("Overdue"), "in_time": N_("In time")}
REP_TABLE = (
    Column("rep_label", N_("Rep")),
    Column("attainment_13w", N_("Attainment, 13 weeks"), "percent"),
    Column("bookings_13w", N_("Bookings, 13 weeks"), "currency"),
    Column("csat_pct_13w", N_("CSAT, 13 weeks"), "percent"),
    Column("responses_13w", N_("Survey answers"), "number"),
    Column("complaints_13w", N_("Complaints, 13 weeks"), "number"),
    Column("exam", N_("Hands-on exam"), _exam_text),
    Column("last_exam_on", N_("Last exam"), "date"),
    Column("training_hours_13w", N_("Training hours, 13 weeks"), "decimal"),
    Column("key_accounts", N_("Key accounts"), "number"),
    Column("overdue_key_accounts", N_("Overdue for contact"), "number"),
)
KEY_ACCOUNT_TABLE = (
    Column("customer_label", N_("Key account")),
    Column("owner_rep_label", N_("Rep")),
    Column("last_contact_on", N_("Last contact"), "date"),
    Column("days_since_contact", N_("Days since"), "number"),
    Column("contact_status", N_("Status"), _contact_text),
)
PORTFOLIO_TABLE = (
    Column("customer_class", N_("Class"), _class_name),
    Column("segment", N_("Segment"), _segment),
    Column("customers", N_("Customers"), "number"),
    Column("revenue_recent", N_("Bookings, last 12 months"), "currency"),
    Column("revenue_prior", N_("Bookings, 12 months before"), "currency"),
    Column("customer_class", N_("What to do"), _class_strategy),
)
ACTIVITY_TABLE = (
    Column("date", N_("Date"), "date"),
    Column("kind", N_("Activity"), _activity),
    Column("minutes", N_("Minutes"), "number"),
    Column("attendees", N_("Reps present"), "number"),
)


def legs_trend(view: Mapping[str, Any], lang: str) -> ChartSpec:
    """The three legs over the 13 weeks, with the diagnosis of each week in the CSV."""
    legs = view["legs"].copy()
    legs["label"] = [short_week(w, lang) for w in legs["week"]]
    legs["diagnosis_label"] = [
        diagnosis_text(None if pd.isna(c) else c, lang)["label"] for c in legs["diagnosis"]
    ]
    labels = leg_labels(lang)
    figure = charts.legs_trend_chart(
        legs,
        x="label",
        labels=labels,
        title=t("The three legs over the last 13 weeks (0–100)", lang),
        x_title=t("Week", lang),
        y_title=t("Score", lang),
        empty_text=t("No data for these weeks yet.", lang),
    )
    headers = {
        "week": t("Week", lang),
        "score_targets": labels["targets"],
        "score_team": labels["team"],
        "score_skills": labels["skills"],
        "diagnosis_label": t("Diagnosis", lang),
    }
    return ChartSpec("legs_trend", figure, legs[list(headers)], headers)


def portfolio_chart(view: Mapping[str, Any], lang: str) -> ChartSpec:
    """Bookings of the last 12 months per class (bars side by side when a team has both segments)."""
    names = {c: pick(CLASS_NAMES[c], lang) for c in CLASSES}
    portfolio = view["portfolio"].copy()
    portfolio["class_label"] = portfolio["customer_class"].map(names)
    figure = charts.bar_chart(
        portfolio,
        x="class_label",
        y="revenue_recent",
        title=t("Bookings of the last 12 months by customer class", lang),
        colour="customer_class",
        colour_map=charts.CUSTOMER_CLASS_COLOURS,
        names=names,
        y_title=t("Bookings", lang),
        value_format="currency",
        horizontal=True,
        stacked=True,  # one bar per class (and segment): nothing to set side by side
        empty_text=t("No customers yet.", lang),
    )
    figure.update_layout(height=120 + 48 * max(len(portfolio), 1), showlegend=False)
    figure.update_yaxes(
        categoryorder="array", categoryarray=list(portfolio["class_label"]), autorange="reversed"
    )
    portfolio["segment_label"] = [_segment(code, lang) for code in portfolio["segment"]]
    headers = {
        "class_label": t("Class", lang),
        "segment_label": t("Segment", lang),
        "customers": t("Customers", lang),
        "revenue_recent": t("Bookings, last 12 months", lang),
    }
    return ChartSpec("portfolio", figure, portfolio[list(headers)], headers)


def csat_tile(view: Mapping[str, Any], lang: str, params: MetricParams = DEFAULT_PARAMS) -> TileText:
    """The 13-week CSAT tile with its survey count; from too few answers it is grey, unchanged, marked."""
    now, indicator = view["current"], view["csat_indicator"]
    surveys = now.get("surveys_13w")
    small = now.get("csat_pct_13w") is not None and is_small_sample(surveys, params)
    help_text = t(
        "{responses} survey answers; against the department's indicator, {indicator}.",
        lang,
        responses=format_number(surveys or 0, lang),
        indicator=format_percent(
            indicator if indicator is not None else params.rag_csat_default_indicator, lang
        ),
    )
    if small:
        help_text += " " + t(
            "Fewer than {minimum} answers: too few to judge, so the figure is not coloured.",
            lang,
            minimum=params.csat_min_surveys,
        )
    return TileText(
        "csat_pct_13w",
        t("CSAT, 13 weeks", lang),
        format_percent(now.get("csat_pct_13w"), lang),
        None if small else change_points(_delta(view, "csat_pct_13w"), lang),
        None if small else view["statuses"]["csat_pct_13w"],
        True,
        help_text,
        small_sample_text(surveys, lang) if small else None,
    )
