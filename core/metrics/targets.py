"""Target completion: bookings against daily-spread monthly targets for any window, and the annual plan check.

A rep's monthly target is spread evenly over the days of its month; the target of a window is
the sum of its days. A day's booking and a day's target count for the supervisor whose team
the rep was in that day (Assignment.start_on <= day < end_on), and for that supervisor's
department. Rep and company figures without a department scope take every row as recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from core.metrics import COMPANY_UNIT_ID, LEVELS, sqlcal
from core.metrics.sqlcal import fetch_frame, greatest, least, week_number
from core.models import Assignment, Booking, Plan, Supervisor, Target
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import (
    Window,
    day_number,
    days_in_month,
    months_overlapping,
    to_date_window,
    week_of_index,
    week_window,
    year_window,
)

UNIT_ID = "unit_id"
SEGMENT_COLUMNS = [UNIT_ID, "seg_start", "seg_end", "daily_target"]
ATTAINMENT_COLUMNS = [UNIT_ID, "bookings", "target", "attainment"]
PLAN_COLUMNS = [
    "department_id",
    "year",
    "plan",
    "industry_growth",
    "last_year_bookings",
    "plan_growth",
    "plan_below_forecast",
    "recommended_plan",
    "recommended_growth",
]
# An open-ended assignment runs to this day number (year 2700): beyond any data.
_OPEN_END = 267_000

# 1,180 against 1,000 is +17.999999...% in floating point: a plan that meets the forecast must
# not be flagged for the last bit of a double.
_GROWTH_TOLERANCE = 1e-9

_asg = Assignment.__table__.alias("asg")
_sup = Supervisor.__table__.alias("asg_supervisor")


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")


def money_cents(column):  # type: ignore[no-untyped-def]
    """An amount as whole cents. Money is summed in cents: integer sums are exact, so SQLite
    (floating point) and PostgreSQL (NUMERIC) return the very same totals."""
    return func.round(column * 100).cast(BigInteger)


# --- pure formulas ------------------------------------------------------------------------


def compute_attainment(bookings: float | None, target: float | None) -> float | None:
    """bookings ÷ target; None when there is no target (absent or 0)."""
    if target is None or pd.isna(target) or target <= 0:
        return None
    return float(bookings or 0.0) / float(target)


def compute_plan_growth(plan: float | None, last_year_bookings: float | None) -> float | None:
    """plan ÷ last year's bookings − 1; None without last year's bookings."""
    if plan is None or last_year_bookings is None or pd.isna(last_year_bookings) or last_year_bookings <= 0:
        return None
    return float(plan) / float(last_year_bookings) - 1.0


def compute_recommended_plan(
    last_year_bookings: float | None, industry_growth: float | None, margin: float
) -> float | None:
    """last year × (1 + industry forecast + margin): +18% forecast and 7 points give +25%."""
    if last_year_bookings is None or industry_growth is None or pd.isna(last_year_bookings):
        return None
    if last_year_bookings <= 0:
        return None
    return float(last_year_bookings) * (1.0 + float(industry_growth) + margin)


def attainment_column(bookings: pd.Series, target: pd.Series) -> pd.Series:
    """Vectorised compute_attainment: NaN where the target is 0 or missing."""
    target = pd.to_numeric(target, errors="coerce").astype("float64")
    return pd.to_numeric(bookings, errors="coerce").fillna(0.0).astype("float64") / target.where(target > 0)


# --- attribution joins --------------------------------------------------------------------


def _needs_team(level: str, department_ids: Collection[int] | None) -> bool:
    return level in ("supervisor", "department") or department_ids is not None


def _unit_column(level: str, rep_id):  # type: ignore[no-untyped-def]
    return {
        "rep": rep_id,
        "supervisor": _asg.c.supervisor_id,
        "department": _sup.c.department_id,
        "company": literal(COMPANY_UNIT_ID),
    }[level]


def _scoped(stmt, department_ids: Collection[int] | None):  # type: ignore[no-untyped-def]
    if department_ids is not None:
        stmt = stmt.where(_sup.c.department_id.in_(list(department_ids)))
    return stmt


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return fetch_frame(session, stmt, columns)


# --- targets ------------------------------------------------------------------------------


def target_segments(
    session: Session,
    span: Window,
    level: str,
    *,
    department_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Daily target rates per unit inside `span`, as runs of days: unit_id, seg_start, seg_end, daily_target.

    seg_start and seg_end are day numbers (core.periods.day_number), both included. A run is
    one month clipped to the span (and, when a team is involved, to the assignment); rows of
    the same unit and run are summed in SQL, so the frame has about one row per unit and month.
    """
    check_level(level)
    months = months_overlapping(span)
    t = Target.__table__
    month_lo = {m: day_number(max(m, span.start)) for m in months}
    month_hi = {m: day_number(min(m.replace(day=days_in_month(m)), span.end)) for m in months}
    lo = case(month_lo, value=t.c.month_start)
    hi = case(month_hi, value=t.c.month_start)
    dim = case({m: days_in_month(m) for m in months}, value=t.c.month_start)
    cents = func.sum(money_cents(t.c.amount))

    if _needs_team(level, department_ids):
        seg_start = greatest(lo, sqlcal.day_number(_asg.c.start_on))
        seg_end = least(hi, func.coalesce(sqlcal.day_number(_asg.c.end_on) - 1, _OPEN_END))
        stmt = (
            select(_unit_column(level, t.c.rep_id).label(UNIT_ID), seg_start, seg_end, func.max(dim), cents)
            .select_from(t)
            .join(
                _asg,
                and_(
                    _asg.c.rep_id == t.c.rep_id,
                    _asg.c.start_on <= span.end,
                    or_(_asg.c.end_on.is_(None), _asg.c.end_on > span.start),
                ),
            )
            .join(_sup, _sup.c.id == _asg.c.supervisor_id)
            .where(t.c.month_start.in_(months), seg_start <= seg_end)
        )
        stmt = _scoped(stmt, department_ids)
    else:
        seg_start, seg_end = lo, hi
        stmt = select(
            _unit_column(level, t.c.rep_id).label(UNIT_ID), seg_start, seg_end, func.max(dim), cents
        ).where(t.c.month_start.in_(months))
    stmt = stmt.group_by(_unit_column(level, t.c.rep_id), seg_start, seg_end)
    raw = _frame(session, stmt, [UNIT_ID, "seg_start", "seg_end", "days_in_month", "cents"])
    segments = pd.DataFrame(
        {
            UNIT_ID: raw[UNIT_ID],
            "seg_start": raw["seg_start"].astype("int64"),
            "seg_end": raw["seg_end"].astype("int64"),
            "daily_target": raw["cents"].astype("float64") / 100.0 / raw["days_in_month"].astype("float64"),
        }
    )
    # SQL returns groups in any order; a fixed order makes the float sums below identical on
    # SQLite and PostgreSQL.
    return segments.sort_values([UNIT_ID, "seg_start", "seg_end"], ignore_index=True)


def overlap_targets(segments: pd.DataFrame, windows: Mapping[str, Window]) -> pd.DataFrame:
    """Sum the daily rates over each named window: unit_id, window, target (long format)."""
    if segments.empty or not windows:
        return pd.DataFrame({UNIT_ID: [], "window": [], "target": []})
    starts = segments["seg_start"].to_numpy()[:, None]
    ends = segments["seg_end"].to_numpy()[:, None]
    w_start = np.array([day_number(w.start) for w in windows.values()])[None, :]
    w_end = np.array([day_number(w.end) for w in windows.values()])[None, :]
    days = np.clip(np.minimum(ends, w_end) - np.maximum(starts, w_start) + 1, 0, None)
    amounts = days * segments["daily_target"].to_numpy()[:, None]
    wide = pd.DataFrame(amounts, columns=list(windows))
    wide[UNIT_ID] = segments[UNIT_ID].to_numpy()
    summed = wide.groupby(UNIT_ID, sort=True).sum()
    return summed.reset_index().melt(id_vars=UNIT_ID, var_name="window", value_name="target")


def weekly_targets(segments: pd.DataFrame, first_week: int, last_week: int) -> pd.DataFrame:
    """Target per unit and week index (core.periods.week_index): unit_id, week, target."""
    windows = {}
    for index in range(first_week, last_week + 1):
        monday = week_of_index(index)
        windows[str(index)] = Window(monday, monday + timedelta(days=6))
    long = overlap_targets(segments, windows)
    long["week"] = long["window"].astype("int64")
    return long[[UNIT_ID, "week", "target"]]


def targets_by(
    session: Session, window: Window, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """The target of `window` per unit: unit_id, target."""
    long = overlap_targets(
        target_segments(session, window, level, department_ids=department_ids), {"w": window}
    )
    return long[[UNIT_ID, "target"]]


# --- bookings -----------------------------------------------------------------------------


def _bookings_base(level: str, department_ids: Collection[int] | None, *columns):  # type: ignore[no-untyped-def]
    b = Booking.__table__
    stmt = select(*columns).select_from(b)
    if _needs_team(level, department_ids):
        stmt = stmt.join(
            _asg,
            and_(
                _asg.c.rep_id == b.c.rep_id,
                _asg.c.start_on <= b.c.booked_on,
                or_(_asg.c.end_on.is_(None), _asg.c.end_on > b.c.booked_on),
            ),
        ).join(_sup, _sup.c.id == _asg.c.supervisor_id)
        stmt = _scoped(stmt, department_ids)
    return stmt


def bookings_by(
    session: Session, window: Window, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Bookings in `window` per unit: unit_id, bookings (units without bookings are absent)."""
    check_level(level)
    b = Booking.__table__
    unit = _unit_column(level, b.c.rep_id)
    stmt = (
        _bookings_base(level, department_ids, unit.label(UNIT_ID), func.sum(money_cents(b.c.amount)))
        .where(b.c.booked_on >= window.start, b.c.booked_on <= window.end)
        .group_by(unit)
    )
    frame = _frame(session, stmt, [UNIT_ID, "bookings"])
    frame["bookings"] = frame["bookings"].astype("float64") / 100.0
    return frame.sort_values(UNIT_ID, ignore_index=True)


def weekly_bookings(
    session: Session,
    span: Window,
    level: str,
    *,
    by_rep: bool = False,
    department_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Bookings per unit (and rep) and ISO week index in `span`: unit_id, [rep_id,] week, bookings."""
    check_level(level)
    b = Booking.__table__
    unit = _unit_column(level, b.c.rep_id)
    week = week_number(b.c.booked_on)
    keys = [unit.label(UNIT_ID)] + ([b.c.rep_id] if by_rep else []) + [week.label("week")]
    stmt = (
        _bookings_base(level, department_ids, *keys, func.sum(money_cents(b.c.amount)))
        .where(b.c.booked_on >= span.start, b.c.booked_on <= span.end)
        .group_by(unit, *([b.c.rep_id] if by_rep else []), week)
    )
    columns = [UNIT_ID] + (["rep_id"] if by_rep else []) + ["week", "bookings"]
    frame = _frame(session, stmt, columns)
    frame["bookings"] = frame["bookings"].astype("float64") / 100.0
    return frame.astype({"week": "int64"}).sort_values(columns[:-1], ignore_index=True)


# --- attainment ---------------------------------------------------------------------------


def attainment_windows(
    session: Session,
    windows: Mapping[str, Window],
    level: str,
    *,
    department_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Bookings, target and attainment per unit for several named windows at once.

    Columns: unit_id, window, bookings, target, attainment. One target query covers every
    window; bookings take one query per window. A unit appears when it has a booking or a
    target in the window; attainment is NaN when the target is 0 or absent.
    """
    check_level(level)
    if not windows:
        return pd.DataFrame(columns=[UNIT_ID, "window", "bookings", "target", "attainment"])
    span = Window(min(w.start for w in windows.values()), max(w.end for w in windows.values()))
    targets = overlap_targets(target_segments(session, span, level, department_ids=department_ids), windows)
    parts = []
    for name, window in windows.items():
        booked = bookings_by(session, window, level, department_ids=department_ids)
        booked["window"] = name
        parts.append(booked)
    bookings = pd.concat(parts, ignore_index=True)
    if targets.empty and bookings.empty:
        return pd.DataFrame(columns=[UNIT_ID, "window", "bookings", "target", "attainment"])
    merged = pd.merge(bookings, targets, on=[UNIT_ID, "window"], how="outer")
    merged["bookings"] = merged["bookings"].astype("float64").fillna(0.0)
    merged["target"] = merged["target"].astype("float64").fillna(0.0)
    merged = merged[(merged["bookings"] != 0) | (merged["target"] != 0)]
    merged["attainment"] = attainment_column(merged["bookings"], merged["target"])
    return merged[[UNIT_ID, "window", "bookings", "target", "attainment"]].reset_index(drop=True)


def attainment_by(
    session: Session, window: Window, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Bookings, target and attainment per unit over one window: unit_id, bookings, target, attainment."""
    frame = attainment_windows(session, {"w": window}, level, department_ids=department_ids)
    return frame[ATTAINMENT_COLUMNS].reset_index(drop=True)


def attainment_to_date(
    session: Session,
    day: date,
    kind: str,
    level: str,
    *,
    department_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Attainment from the start of the week/month/quarter/half/year containing `day` up to `day`."""
    return attainment_by(session, to_date_window(kind, day), level, department_ids=department_ids)


def attainment_week(
    session: Session, week: str, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    return attainment_by(session, week_window(week), level, department_ids=department_ids)


def attainment_periods(
    session: Session, day: date, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Week, MTD, QTD, HTD and YTD attainment as of `day` in one frame (window = week/mtd/...)."""
    windows = {
        "week": to_date_window("week", day),
        "mtd": to_date_window("month", day),
        "qtd": to_date_window("quarter", day),
        "htd": to_date_window("half", day),
        "ytd": to_date_window("year", day),
    }
    return attainment_windows(session, windows, level, department_ids=department_ids)


# --- annual plan check --------------------------------------------------------------------


def plan_check(
    session: Session,
    year: int,
    *,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Each department's plan for `year` against last year's bookings and the industry forecast.

    Columns: department_id, year, plan, industry_growth (fraction), last_year_bookings,
    plan_growth (fraction), plan_below_forecast, recommended_plan, recommended_growth.
    Departments without a plan row for the year are absent. Without last year's bookings the
    growth, the flag and the recommendation are missing (NaN / None).
    """
    p = Plan.__table__
    stmt = select(p.c.department_id, p.c.amount, p.c.industry_growth_pct).where(p.c.year == year)
    if department_ids is not None:
        stmt = stmt.where(p.c.department_id.in_(list(department_ids)))
    plans = _frame(
        session, stmt.order_by(p.c.department_id), ["department_id", "plan", "industry_growth_pct"]
    )
    if plans.empty:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    last_year = bookings_by(
        session, year_window(date(year - 1, 1, 1)), "department", department_ids=department_ids
    ).rename(columns={UNIT_ID: "department_id", "bookings": "last_year_bookings"})
    frame = plans.merge(last_year, on="department_id", how="left")
    frame["year"] = year
    frame["industry_growth"] = frame["industry_growth_pct"].astype("float64") / 100.0
    frame["plan"] = frame["plan"].astype("float64")
    frame["last_year_bookings"] = frame["last_year_bookings"].astype("float64")
    frame["plan_growth"] = [
        compute_plan_growth(plan, last)
        for plan, last in zip(frame["plan"], frame["last_year_bookings"], strict=True)
    ]
    frame["plan_growth"] = frame["plan_growth"].astype("float64")
    frame["plan_below_forecast"] = [
        None if pd.isna(growth) else bool(growth < forecast - _GROWTH_TOLERANCE)
        for growth, forecast in zip(frame["plan_growth"], frame["industry_growth"], strict=True)
    ]
    frame["recommended_plan"] = [
        compute_recommended_plan(last, forecast, params.plan_margin)
        for last, forecast in zip(frame["last_year_bookings"], frame["industry_growth"], strict=True)
    ]
    frame["recommended_plan"] = frame["recommended_plan"].astype("float64")
    frame["recommended_growth"] = frame["industry_growth"] + params.plan_margin
    return frame[PLAN_COLUMNS].reset_index(drop=True)
