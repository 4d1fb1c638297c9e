"""Attribution of customer-voice facts to units (rep, supervisor, department, company) and scope."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Date, Float, Select, and_, cast, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from core.metrics import COMPANY_UNIT_ID, LEVELS
from core.models import Assignment, Supervisor

UNIT_ID = "unit_id"

team = Assignment.__table__.alias("team")
team_supervisor = Supervisor.__table__.alias("team_supervisor")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min)


def check_level(level: str, allowed: Sequence[str] = LEVELS) -> None:
    if level not in allowed:
        raise ValueError(f"level must be one of {', '.join(allowed)}; got {level!r}")


def in_team_on(rep_id: ColumnElement[Any], day: Any) -> ColumnElement[bool]:
    """The assignment row that held `rep_id` on `day` (start inclusive, end exclusive).

    `day` may be a date column, a local-datetime column or a date value: a date compares
    as midnight, so a complaint at 09:00 on the day a rep moves belongs to the new team.
    """
    return and_(
        team.c.rep_id == rep_id,
        team.c.start_on <= day,
        or_(team.c.end_on.is_(None), team.c.end_on > day),
    )


def attribute(
    stmt: Select,
    level: str,
    *,
    rep_id: ColumnElement[Any] | None,
    day: Any,
    department_id: ColumnElement[Any] | None,
    department_ids: Iterable[int] | None,
) -> tuple[Select, ColumnElement[Any]]:
    """Join what `level` needs onto `stmt` and return it with the unit column.

    rep_id/day locate the rep's team (supervisor level and rep-level scope); department_id is
    the fact's own department (department and company level). When department_id is None the
    team's department stands in, as for surveys. Scope (department_ids) is applied on the
    column that decides the unit: a supervisor's or rep's team department, else the fact's own.
    """
    check_level(level)
    ids = None if department_ids is None else list(department_ids)
    needs_team = level in ("rep", "supervisor") or department_id is None
    if level == "rep" and ids is None:
        needs_team = False
    if level == "company" and ids is None:
        needs_team = False
    if needs_team:
        if rep_id is None:
            raise ValueError(f"level {level!r} needs a rep to attribute through")
        stmt = stmt.join(team, in_team_on(rep_id, day)).join(
            team_supervisor, team_supervisor.c.id == team.c.supervisor_id
        )
    own_department = department_id if department_id is not None else team_supervisor.c.department_id
    scope_column = team_supervisor.c.department_id if level in ("rep", "supervisor") else own_department
    if ids is not None:
        stmt = stmt.where(scope_column.in_(ids))
    unit = {
        "rep": rep_id,
        "supervisor": team.c.supervisor_id,
        "department": own_department,
        "company": literal(COMPANY_UNIT_ID),
    }[level]
    return stmt, unit


def attribute_customers(
    stmt: Select,
    level: str,
    customers: Any,
    *,
    day: Any,
    department_ids: Iterable[int] | None,
) -> tuple[Select, ColumnElement[Any]]:
    """`attribute` for facts about customers (the customer table is `customers`, already in `stmt`).

    The customer's own department decides the department; its owner rep, in the team that rep
    was in on `day`, decides the rep and supervisor.
    """
    return attribute(
        stmt,
        level,
        rep_id=customers.c.owner_rep_id,
        day=day,
        department_id=customers.c.department_id,
        department_ids=department_ids,
    )


def per_unit(stmt: Select, level: str, unit: ColumnElement[Any], *columns: Any) -> Select:
    """`stmt` reduced to `columns` per unit (first column `unit_id`).

    Facts whose unit is unknown (no team on the day) are left out; the company is one row.
    """
    stmt = stmt.with_only_columns(unit.label(UNIT_ID), *columns)
    if level != "company":
        stmt = stmt.where(unit.is_not(None)).group_by(unit)
    return stmt


def local_day(session: Session, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """The calendar day of a local-datetime column, comparable with date columns."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(moment)
    return cast(moment, Date)


def days_before(session: Session, moment: ColumnElement[Any], days: int) -> ColumnElement[Any]:
    """The calendar day `days` days before the day of a local-datetime column."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(moment, f"-{int(days)} days")
    return cast(moment, Date) - int(days)


class seconds_between(FunctionElement):  # noqa: N801 (reads like the SQL it stands for)
    """Whole seconds from the second local-datetime argument to the first (NULL if either is)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER))"


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later}) - ({earlier})) AS DOUBLE PRECISION)"


def frame(session: Session, stmt: Select, columns: Sequence[str]) -> pd.DataFrame:
    rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as floats, NaN where the denominator is 0 or missing."""
    num = pd.to_numeric(numerator, errors="coerce").astype("float64")
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    return (num / den.where(den > 0)).astype("float64")
