"""The report's own lookups: names, current reps and their exam status, the latest rated quarter."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from core.models import Assignment, Department, Exam, Rep, RepRating, Supervisor, SupervisorRating

CURRENT_REP_COLUMNS = [
    "supervisor_id",
    "rep_id",
    "rep_code",
    "rep_name",
    "passed",
    "attempts",
    "best_score",
    "last_attempt_on",
]


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame([tuple(row) for row in session.execute(stmt).all()], columns=columns)


def departments(session: Session) -> pd.DataFrame:
    """Every department: id, code, name, segment (ordered by code). A few rows, read whole."""
    d = Department.__table__
    stmt = select(d.c.id, d.c.code, d.c.name, d.c.segment).order_by(d.c.code)
    return _frame(session, stmt, ["id", "code", "name", "segment"])


def supervisors(session: Session, department_ids: Collection[int] | None) -> pd.DataFrame:
    """id, code, name, department_id of the supervisors in the given departments (all if None)."""
    s = Supervisor.__table__
    stmt = select(s.c.id, s.c.code, s.c.name, s.c.department_id).order_by(s.c.code)
    if department_ids is not None:
        stmt = stmt.where(s.c.department_id.in_(list(department_ids)))
    return _frame(session, stmt, ["id", "code", "name", "department_id"])


def rep_names(session: Session, rep_ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """rep id -> (code, name) for the given reps."""
    if not rep_ids:
        return {}
    r = Rep.__table__
    stmt = select(r.c.id, r.c.code, r.c.name).where(r.c.id.in_([int(i) for i in rep_ids]))
    return {int(i): (code, name) for i, code, name in session.execute(stmt).all()}


def current_reps(session: Session, day: date, department_ids: Collection[int] | None) -> pd.DataFrame:
    """Reps in a team in scope on `day`, employed that day, with whether they had passed the exam by then.

    The same reps and the same "passed" rule as the skills leg's exam coverage (core.metrics.legs):
    a rep counts when the assignment and the employment both cover `day`, and has passed when
    any attempt on or before `day` was a pass. attempts/best_score/last_attempt_on cover the
    attempts up to `day`. Columns CURRENT_REP_COLUMNS.
    """
    a, r, s, e = Assignment.__table__, Rep.__table__, Supervisor.__table__, Exam.__table__
    up_to_day = and_(e.c.rep_id == r.c.id, e.c.date <= day)
    passed = exists(select(e.c.id).where(up_to_day, e.c.passed == true()))
    attempts = select(func.count()).where(up_to_day).scalar_subquery()
    best = select(func.max(e.c.score)).where(up_to_day).scalar_subquery()
    last = select(func.max(e.c.date)).where(up_to_day).scalar_subquery()
    stmt = (
        select(
            a.c.supervisor_id,
            r.c.id,
            r.c.code,
            r.c.name,
            case((passed, 1), else_=0),
            attempts,
            best,
            last,
        )
        .select_from(a)
        .join(r, r.c.id == a.c.rep_id)
        .join(s, s.c.id == a.c.supervisor_id)
        .where(
            a.c.start_on <= day,
            or_(a.c.end_on.is_(None), a.c.end_on > day),
            r.c.hired_on <= day,
            or_(r.c.left_on.is_(None), r.c.left_on > day),
        )
        .order_by(a.c.supervisor_id, r.c.code)
    )
    if department_ids is not None:
        stmt = stmt.where(s.c.department_id.in_(list(department_ids)))
    out = _frame(session, stmt, CURRENT_REP_COLUMNS)
    out["passed"] = out["passed"].astype("int64") > 0
    out["attempts"] = out["attempts"].fillna(0).astype("int64")
    out["best_score"] = out["best_score"].astype("float64")
    return out


def latest_rated_quarter(
    session: Session, up_to_quarter: str, department_ids: Collection[int] | None
) -> str | None:
    """The newest quarter (YYYY-Qn, not after `up_to_quarter`) with any rating in scope.

    Ratings are given once a quarter, usually after it ends, so the week's own quarter often
    has none yet; the report then shows the last quarter that was rated.
    """
    found: list[str] = []
    s = Supervisor.__table__
    for table in (RepRating.__table__, SupervisorRating.__table__):
        stmt = (
            select(func.max(table.c.quarter))
            .join(s, s.c.id == table.c.supervisor_id)
            .where(table.c.quarter <= up_to_quarter)
        )
        if department_ids is not None:
            stmt = stmt.where(s.c.department_id.in_(list(department_ids)))
        value = session.execute(stmt).scalar_one_or_none()
        if value:
            found.append(value)
    return max(found) if found else None
