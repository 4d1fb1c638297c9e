"""The weekly KPI set: every department's and supervisor's figures for one ISO week, ready for JSON.

The shape (and every key's meaning) is in docs/metrics.md, section "weekly-json". The CLI
`kpi` command, the dashboards and the reports all read this one function; the week-over-week
changes come from `weekly_kpi_changes`, which computes both weeks in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.balance import balance_history
from core.i18n import normalise_language, pick
from core.metrics.complaints import complaint_counts, complaint_rate, customers_at, weekly_spikes
from core.metrics.contacts import key_account_coverage
from core.metrics.satisfaction import csat_by
from core.metrics.targets import attainment_windows, plan_check
from core.models import Department, Supervisor
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, normalise_week, parse_week, previous_week, qtd, weeks_window

DEPARTMENT_KEYS = (
    "code",
    "name",
    "segment",
    "bookings_week",
    "target_week",
    "attainment_week",
    "attainment_qtd",
    "customers",
    "complaints_week",
    "complaint_rate_week",
    "complaint_spike",
    "surveys_week",
    "csat_pct_week",
    "exam_coverage",
    "key_account_contact_coverage",
    "plan_growth",
    "industry_growth",
    "plan_below_forecast",
)
SUPERVISOR_KEYS = (
    "code",
    "name",
    "department_code",
    "attainment_13w",
    "score_targets",
    "score_team",
    "score_skills",
    "diagnosis",
    "diagnosis_last_week",
    "diagnosis_weeks",
    "contribution_evenness",
    "exam_coverage",
    "csat_pct_13w",
    "complaints_week",
    "complaint_rate_week",
)
# Keys that identify a row or are words: never turned into a week-over-week difference.
_LABEL_KEYS = {
    "code",
    "name",
    "segment",
    "department_code",
    "diagnosis",
    "diagnosis_last_week",
    "diagnosis_weeks",
}

MESSAGES = {
    "unknown_department": {
        "en": "Unknown department '{code}'. Known departments: {known}.",
        "zh": "未知的部门代码“{code}”。现有部门：{known}。",
    },
}


class UnknownDepartmentError(LookupError):
    """A department code that does not exist (or is outside the caller's scope)."""

    def __init__(self, code: str, known: list[str]) -> None:
        self.code = code
        self.known = known
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        shown = ", ".join(self.known[:20]) + (" …" if len(self.known) > 20 else "")
        return pick(MESSAGES["unknown_department"], normalise_language(lang)).format(
            code=self.code, known=shown or "—"
        )


# --- helpers ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: NaN/NA -> None, numpy scalars -> int/float/bool."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def _lookup(frame: pd.DataFrame, column: str, key: str = "unit_id") -> dict[int, Any]:
    if frame.empty:
        return {}
    return dict(zip(frame[key].astype("int64"), frame[column], strict=True))


def _departments(
    session: Session, department_code: str | None, department_ids: Collection[int] | None
) -> pd.DataFrame:
    d = Department.__table__
    stmt = select(d.c.id, d.c.code, d.c.name, d.c.segment).order_by(d.c.code)
    if department_ids is not None:
        stmt = stmt.where(d.c.id.in_(list(department_ids)))
    rows = pd.DataFrame(
        [tuple(r) for r in session.execute(stmt).all()], columns=["id", "code", "name", "segment"]
    )
    if department_code is not None:
        chosen = rows[rows["code"] == department_code]
        if chosen.empty:
            raise UnknownDepartmentError(department_code, rows["code"].tolist())
        rows = chosen
    return rows.reset_index(drop=True)


def _supervisors(session: Session, scope: list[int] | None) -> pd.DataFrame:
    s = Supervisor.__table__
    d = Department.__table__
    stmt = (
        select(s.c.id, s.c.code, s.c.name, d.c.code)
        .join(d, d.c.id == s.c.department_id)
        .order_by(d.c.code, s.c.code)
    )
    if scope is not None:
        stmt = stmt.where(s.c.department_id.in_(scope))
    return pd.DataFrame(
        [tuple(r) for r in session.execute(stmt).all()], columns=["id", "code", "name", "department_code"]
    )


# --- department rows ----------------------------------------------------------------------


def _department_rows(
    session: Session,
    week: str,
    departments: pd.DataFrame,
    scope: list[int] | None,
    legs: pd.DataFrame,
    params: MetricParams,
) -> list[dict[str, Any]]:
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    attainment = attainment_windows(
        session, {"week": window, "qtd": qtd(sunday)}, "department", department_ids=scope
    )
    week_rows = attainment[attainment["window"] == "week"]
    qtd_rows = attainment[attainment["window"] == "qtd"]
    bookings = _lookup(week_rows, "bookings")
    targets = _lookup(week_rows, "target")
    attain_week = _lookup(week_rows, "attainment")
    attain_qtd = _lookup(qtd_rows, "attainment")
    customers = _lookup(customers_at(session, sunday, "department", scope), "customers")
    complaints = _lookup(complaint_counts(session, window, "department", scope), "complaints")
    spikes = _lookup(weekly_spikes(session, monday, scope, params), "is_spike", key="department_id")
    csat = csat_by(session, window, "department", scope, params)
    surveys, csat_pct = _lookup(csat, "responses"), _lookup(csat, "csat_pct")
    contact = _lookup(key_account_coverage(session, sunday, "department", scope, params), "coverage")
    # The plan year is the ISO year of the week (its Thursday's year), as in the week's label.
    plans = plan_check(session, (monday + timedelta(days=3)).year, department_ids=scope, params=params)
    plan_growth = _lookup(plans, "plan_growth", key="department_id")
    industry = _lookup(plans, "industry_growth", key="department_id")
    below = _lookup(plans, "plan_below_forecast", key="department_id")
    coverage = _department_exam_coverage(legs, week)

    rows = []
    for dep in departments.itertuples(index=False):
        ident = int(dep.id)
        n_complaints = int(complaints.get(ident, 0))
        n_customers = int(customers.get(ident, 0))
        row = {
            "code": dep.code,
            "name": dep.name,
            "segment": dep.segment,
            "bookings_week": float(bookings.get(ident, 0.0)),
            "target_week": float(targets.get(ident, 0.0)),
            "attainment_week": attain_week.get(ident),
            "attainment_qtd": attain_qtd.get(ident),
            "customers": n_customers,
            "complaints_week": n_complaints,
            "complaint_rate_week": complaint_rate(n_complaints, n_customers, params),
            "complaint_spike": spikes.get(ident),
            "surveys_week": int(surveys.get(ident, 0)),
            "csat_pct_week": csat_pct.get(ident),
            "exam_coverage": coverage.get(ident),
            "key_account_contact_coverage": contact.get(ident),
            "plan_growth": plan_growth.get(ident),
            "industry_growth": industry.get(ident),
            "plan_below_forecast": below.get(ident),
        }
        rows.append({key: _plain(row[key]) for key in DEPARTMENT_KEYS})
    return rows


def _department_exam_coverage(legs: pd.DataFrame, week: str) -> dict[int, float]:
    """Passed current reps ÷ current reps, per department: team coverages weighted by team size.

    A rep is in exactly one team on a given day, so the teams' current reps add up to the
    department's.
    """
    rows = legs[(legs["week"] == week) & (legs["team_size"] > 0)]
    if rows.empty:
        return {}
    passed = (rows["exam_coverage"].fillna(0.0) * rows["team_size"]).groupby(rows["department_id"]).sum()
    heads = rows["team_size"].groupby(rows["department_id"]).sum()
    return {int(k): float(v) for k, v in (passed / heads).items()}


# --- supervisor rows ----------------------------------------------------------------------


def _supervisor_rows(
    session: Session,
    week: str,
    supervisors: pd.DataFrame,
    scope: list[int] | None,
    legs: pd.DataFrame,
    params: MetricParams,
) -> list[dict[str, Any]]:
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    csat = _lookup(
        csat_by(session, weeks_window(week, params.legs_window_weeks), "supervisor", scope, params),
        "csat_pct",
    )
    complaints = _lookup(complaint_counts(session, window, "supervisor", scope), "complaints")
    customers = _lookup(customers_at(session, sunday, "supervisor", scope), "customers")
    this_week = legs[legs["week"] == week].set_index("supervisor_id")

    rows = []
    for sup in supervisors.itertuples(index=False):
        ident = int(sup.id)
        scored = this_week.loc[ident] if ident in this_week.index else None

        def leg(column: str, scored: pd.Series | None = scored) -> Any:
            return None if scored is None else scored[column]

        n_complaints = int(complaints.get(ident, 0))
        row = {
            "code": sup.code,
            "name": sup.name,
            "department_code": sup.department_code,
            "attainment_13w": leg("attainment_13w"),
            "score_targets": leg("score_targets"),
            "score_team": leg("score_team"),
            "score_skills": leg("score_skills"),
            "diagnosis": leg("diagnosis"),
            "diagnosis_last_week": leg("diagnosis_last_week"),
            "diagnosis_weeks": leg("diagnosis_weeks"),
            "contribution_evenness": leg("contribution_evenness"),
            "exam_coverage": leg("exam_coverage"),
            "csat_pct_13w": csat.get(ident),
            "complaints_week": n_complaints,
            "complaint_rate_week": complaint_rate(n_complaints, customers.get(ident, 0), params),
        }
        rows.append({key: _plain(row[key]) for key in SUPERVISOR_KEYS})
    return rows


# --- the set ------------------------------------------------------------------------------


def _scope(departments: pd.DataFrame, narrowed: bool) -> list[int] | None:
    # The whole company needs no IN (...) list: every query then runs unfiltered.
    return [int(i) for i in departments["id"]] if narrowed else None


def _build(
    session: Session,
    weeks: list[str],
    department_code: str | None,
    department_ids: Collection[int] | None,
    params: MetricParams,
) -> list[dict[str, Any]]:
    """The sets of consecutive `weeks` (oldest first) from one legs/balance pass."""
    departments = _departments(session, department_code, department_ids)
    scope = _scope(departments, department_code is not None or department_ids is not None)
    supervisors = _supervisors(session, scope)
    legs = balance_history(session, weeks[-1], len(weeks), department_ids=scope, params=params)
    sets = []
    for week in weeks:
        monday, sunday = parse_week(week)
        sets.append(
            {
                "week": week,
                "week_start": monday.isoformat(),
                "week_end": sunday.isoformat(),
                "departments": _department_rows(session, week, departments, scope, legs, params),
                "supervisors": _supervisor_rows(session, week, supervisors, scope, legs, params),
            }
        )
    return sets


def weekly_kpi_set(
    session: Session,
    week: str,
    department_code: str | None = None,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> dict[str, Any]:
    """Every KPI of one ISO week for the departments in scope and their supervisors.

    department_code picks one department (UnknownDepartmentError if it does not exist or is
    outside department_ids); department_ids limits the scope (a manager's departments). An
    unknown or malformed week raises core.periods.PeriodError.
    """
    return _build(session, [normalise_week(week)], department_code, department_ids, params)[0]


def kpi_deltas(current: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """The current set with each numeric value replaced by (current − previous), matched by code.

    Labels stay as they are; a value missing in either week gives None; true/false flags
    (spike, plan below forecast) are not differences and keep their current value. Rows new
    this week have None for every difference.
    """
    out: dict[str, Any] = {"week": current["week"], "previous_week": previous["week"]}
    for part in ("departments", "supervisors"):
        before = {row["code"]: row for row in previous[part]}
        rows = []
        for row in current[part]:
            old = before.get(row["code"], {})
            changed = {}
            for key, value in row.items():
                if key in _LABEL_KEYS or isinstance(value, bool):
                    changed[key] = value
                    continue
                prior = old.get(key)
                numeric = isinstance(value, (int, float)) and isinstance(prior, (int, float))
                changed[key] = value - prior if numeric and not isinstance(prior, bool) else None
            rows.append(changed)
        out[part] = rows
    return out


def weekly_kpi_changes(
    session: Session,
    week: str,
    department_code: str | None = None,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> dict[str, Any]:
    """This week's set, last week's set and the differences: {"current", "previous", "deltas"}."""
    week = normalise_week(week)
    previous, current = _build(session, [previous_week(week), week], department_code, department_ids, params)
    return {"current": current, "previous": previous, "deltas": kpi_deltas(current, previous)}


def kpi_tables(kpi_set: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The set as two tidy frames, departments and supervisors, columns in the documented order."""
    return {
        "departments": pd.DataFrame(kpi_set["departments"], columns=list(DEPARTMENT_KEYS)),
        "supervisors": pd.DataFrame(kpi_set["supervisors"], columns=list(SUPERVISOR_KEYS)),
    }
