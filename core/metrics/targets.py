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
from sqlalchemy import BigInteger, and_, case, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from core.metrics import COMPANY_UNIT_ID, LEVELS, sqlcal
from core.metrics.sqlcal import fetch_frame, fetch_numbers, greatest, least, week_number
from core.models import Assignment, Booking, BookingWeek, Plan, Supervisor, Target
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import (
    FIRST_MONDAY,
    Window,
    day_number,
    days_in_month,
    months_overlapping,
    to_date_window,
    week_index,
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
#
# Whole ISO weeks are read from booking_week (bookings per rep and week, kept by the importer:
# core.aggregates), the days of a window outside its whole weeks from the booking rows. A
# week's cell counts for the team whose assignment covers that whole week; the few cells where
# an assignment starts or ends inside the week are read from the rows, day by day, as before.
# All sums are whole cents, so the figures are the very same as summing the rows.

_CENTS = "cents"


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


def _whole_weeks(window: Window) -> tuple[int, int]:
    """The first and last ISO week index lying wholly inside `window` (first > last: none)."""
    first_monday = window.start + timedelta(days=(7 - window.start.weekday()) % 7)
    last_sunday = window.end - timedelta(days=(window.end.weekday() + 1) % 7)
    return week_index(first_monday), week_index(last_sunday)


def _edges(window: Window, first: int, last: int) -> list[Window]:
    """The days of `window` outside its whole weeks first..last (all of it when there are none)."""
    if first > last:
        return [window]
    out = []
    monday, sunday = week_of_index(first), week_of_index(last) + timedelta(days=6)
    if window.start < monday:
        out.append(Window(window.start, monday - timedelta(days=1)))
    if sunday < window.end:
        out.append(Window(sunday + timedelta(days=1), window.end))
    return out


def _keys(level: str, rep_id, week, by_rep: bool, by_week: bool) -> list:  # type: ignore[no-untyped-def]
    unit = _unit_column(level, rep_id)
    return [unit.label(UNIT_ID)] + ([rep_id] if by_rep else []) + ([week.label("week")] if by_week else [])


def _cents_frame(session: Session, stmt, keys: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    # Every column is a whole number: the driver's tuples are taken as they are (a per-rep,
    # per-week read is ~400,000 rows for the whole company; SQLAlchemy's Row objects and the
    # transposition cost more than the query).
    frame = fetch_numbers(session, stmt, [*keys, _CENTS])
    if frame.empty:
        return frame
    # PostgreSQL sums BIGINT as NUMERIC: back to whole numbers (exact below 2**63).
    return frame.astype({_CENTS: "int64"})


def _raw_cents(
    session: Session,
    window: Window,
    level: str,
    department_ids: Collection[int] | None,
    *,
    by_rep: bool,
    by_week: bool,
) -> pd.DataFrame:
    """Whole cents booked in `window`, summed from the booking rows per unit [rep] [week]."""
    b = Booking.__table__
    keys = _keys(level, b.c.rep_id, week_number(b.c.booked_on), by_rep, by_week)
    stmt = (
        _bookings_base(level, department_ids, *keys, func.sum(money_cents(b.c.amount)))
        .where(b.c.booked_on >= window.start, b.c.booked_on <= window.end)
        .group_by(*[k.element if hasattr(k, "element") else k for k in keys])
    )
    return _cents_frame(session, stmt, [k.name for k in keys])


def _week_cents(
    session: Session,
    first: int,
    last: int,
    level: str,
    department_ids: Collection[int] | None,
    *,
    by_rep: bool,
    by_week: bool,
) -> pd.DataFrame:
    """Whole cents booked in the whole weeks first..last per unit [rep] [week], from booking_week.

    Three disjoint parts, by the assignment a booking is attributed through: (1) one that covers
    the whole span — most reps; their cells are read in one go, without date arithmetic per
    cell; (2) one that covers the cell's whole week but not the whole span — read cell by cell,
    only for the few reps whose team changed inside the span; (3) one that covers the booking's
    day but not its whole week — read from the booking rows, day by day.
    """
    bw = BookingWeek.__table__
    keys = _keys(level, bw.c.rep_id, bw.c.week, by_rep, by_week)
    names = [k.name for k in keys]
    group = [k.element if hasattr(k, "element") else k for k in keys]
    in_span = and_(bw.c.week >= first, bw.c.week <= last)
    if not _needs_team(level, department_ids):
        stmt = select(*keys, func.sum(bw.c.amount_cents)).select_from(bw).where(in_span)
        return _cents_frame(session, stmt.group_by(*group), names)
    span = Window(week_of_index(first), week_of_index(last) + timedelta(days=6))
    covers_span = and_(_asg.c.start_on <= span.start, or_(_asg.c.end_on.is_(None), _asg.c.end_on > span.end))

    # (1) Cells of reps in a team that holds them through the whole span.
    if by_week:
        stable = select(*keys, bw.c.amount_cents if by_rep else func.sum(bw.c.amount_cents))
        stable = stable.select_from(bw).join(_asg, and_(_asg.c.rep_id == bw.c.rep_id, covers_span))
        stable = stable.where(in_span)
    else:
        # The span's total per rep first (along the primary key), then attributed per rep.
        per_rep = (
            select(bw.c.rep_id, func.sum(bw.c.amount_cents).label(_CENTS))
            .where(in_span)
            .group_by(bw.c.rep_id)
            .subquery("per_rep")
        )
        rep_keys = _keys(level, per_rep.c.rep_id, None, by_rep, False)
        stable = select(*rep_keys, func.sum(per_rep.c[_CENTS])).select_from(per_rep)
        stable = stable.join(_asg, and_(_asg.c.rep_id == per_rep.c.rep_id, covers_span))
        group = [k.element if hasattr(k, "element") else k for k in rep_keys]
    stable = _scoped(stable.join(_sup, _sup.c.id == _asg.c.supervisor_id), department_ids)
    if not (by_rep and by_week):
        # (by rep and week: one row per cell already, no grouping or sort in SQL)
        stable = stable.group_by(*group)
    parts = [_cents_frame(session, stable, names)]
    group = [k.element if hasattr(k, "element") else k for k in keys]

    # (2) Cells whose week one assignment covers from Monday to Sunday, that assignment not
    # covering the whole span: only reps with an assignment starting or ending inside it.
    moved = select(_asg.c.rep_id).where(
        _asg.c.start_on <= span.end,
        or_(_asg.c.end_on.is_(None), _asg.c.end_on > span.start),
        not_(covers_span),
    )
    monday = FIRST_MONDAY + 7 * bw.c.week
    covers_week = and_(
        _asg.c.rep_id == bw.c.rep_id,
        sqlcal.day_number(_asg.c.start_on) <= monday,
        or_(_asg.c.end_on.is_(None), sqlcal.day_number(_asg.c.end_on) > monday + 6),
        not_(covers_span),
    )
    stmt = select(*keys, func.sum(bw.c.amount_cents)).select_from(bw).join(_asg, covers_week)
    stmt = stmt.join(_sup, _sup.c.id == _asg.c.supervisor_id).where(in_span, bw.c.rep_id.in_(moved))
    parts.append(_cents_frame(session, _scoped(stmt, department_ids).group_by(*group), names))

    # (3) Bookings on days an assignment covers without covering the day's whole week.
    b = Booking.__table__
    b_monday = FIRST_MONDAY + 7 * week_number(b.c.booked_on)
    keys = _keys(level, b.c.rep_id, week_number(b.c.booked_on), by_rep, by_week)
    partial = (
        select(*keys, func.sum(money_cents(b.c.amount)))
        .select_from(_asg)
        .join(
            b,
            and_(
                b.c.rep_id == _asg.c.rep_id,
                b.c.booked_on >= _asg.c.start_on,
                or_(_asg.c.end_on.is_(None), b.c.booked_on < _asg.c.end_on),
            ),
        )
        .join(_sup, _sup.c.id == _asg.c.supervisor_id)
        .where(
            or_(_asg.c.start_on > span.start, _asg.c.end_on <= span.end),
            # Named through the reps, so that the database reads those reps' bookings by the
            # (rep_id, booked_on) index instead of every booking of the span by date.
            b.c.rep_id.in_(moved),
            b.c.booked_on >= span.start,
            b.c.booked_on <= span.end,
            not_(
                and_(
                    sqlcal.day_number(_asg.c.start_on) <= b_monday,
                    or_(_asg.c.end_on.is_(None), sqlcal.day_number(_asg.c.end_on) > b_monday + 6),
                )
            ),
        )
    )
    group = [k.element if hasattr(k, "element") else k for k in keys]
    parts.append(_cents_frame(session, _scoped(partial, department_ids).group_by(*group), names))
    return pd.concat([f for f in parts if not f.empty] or parts[:1], ignore_index=True)


def _booked_cents(
    session: Session,
    windows: Mapping[str, Window],
    level: str,
    department_ids: Collection[int] | None,
    *,
    by_rep: bool = False,
    by_week: bool = False,
) -> dict[str, pd.DataFrame]:
    """Whole cents booked per unit [rep] [week] in each named window (one frame per window).

    Each window's whole weeks are read from booking_week (weekly figures: once for all windows,
    then cut per window; totals: one read per window, summed per rep in SQL), and its remaining
    days (at most six at either end) from the booking rows.
    """
    names = [UNIT_ID] + (["rep_id"] if by_rep else []) + (["week"] if by_week else [])
    ranges = {name: _whole_weeks(w) for name, w in windows.items()}
    spans = [r for r in ranges.values() if r[0] <= r[1]]
    weekly = None
    if spans and by_week:
        lo, hi = min(r[0] for r in spans), max(r[1] for r in spans)
        weekly = _week_cents(session, lo, hi, level, department_ids, by_rep=by_rep, by_week=True)
    out = {}
    for name, window in windows.items():
        first, last = ranges[name]
        parts = [
            _raw_cents(session, edge, level, department_ids, by_rep=by_rep, by_week=by_week)
            for edge in _edges(window, first, last)
        ]
        if first <= last and not by_week:
            parts.append(
                _week_cents(session, first, last, level, department_ids, by_rep=by_rep, by_week=False)
            )
        elif weekly is not None and first <= last and not weekly.empty:
            parts.append(weekly[(weekly["week"] >= first) & (weekly["week"] <= last)])
        parts = [p for p in parts if not p.empty]
        if not parts:
            out[name] = pd.DataFrame({column: [] for column in [*names, _CENTS]})
            continue
        summed = pd.concat(parts, ignore_index=True).groupby(names, sort=True)[_CENTS].sum()
        out[name] = summed.reset_index()
    return out


def bookings_by(
    session: Session, window: Window, level: str, *, department_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """Bookings in `window` per unit: unit_id, bookings (units without bookings are absent)."""
    check_level(level)
    return _bookings_windows(session, {"w": window}, level, department_ids)["w"]


def _bookings_windows(
    session: Session, windows: Mapping[str, Window], level: str, department_ids: Collection[int] | None
) -> dict[str, pd.DataFrame]:
    """bookings_by for several windows at once: name -> (unit_id, bookings)."""
    out = {}
    for name, cents in _booked_cents(session, windows, level, department_ids).items():
        frame = cents.rename(columns={_CENTS: "bookings"})
        frame["bookings"] = frame["bookings"].astype("float64") / 100.0
        out[name] = frame.sort_values(UNIT_ID, ignore_index=True)
    return out


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
    columns = [UNIT_ID] + (["rep_id"] if by_rep else []) + ["week", "bookings"]
    cents = _booked_cents(session, {"s": span}, level, department_ids, by_rep=by_rep, by_week=True)["s"]
    frame = cents.rename(columns={_CENTS: "bookings"})[columns]
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
    for name, booked in _bookings_windows(session, windows, level, department_ids).items():
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
