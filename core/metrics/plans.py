"""Plans and targets by period: each year's plan against the industry forecast, attainment by month to year.

The figures are those of core.metrics.targets (plan_check, attainment_windows); this module cuts a
year into months, quarters, halves or the whole year, counts a period still running only up to
the as-of day (so it is not judged against days that have not happened), and names the units.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_, format_currency, format_date, format_percent, t
from core.metrics.sqlcal import fetch_frame
from core.metrics.targets import UNIT_ID, attainment_windows, bookings_by, plan_check
from core.models import Department, Plan, Supervisor
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import (
    Window,
    add_months,
    format_half,
    format_month,
    format_quarter,
    parse_week,
    period_window,
)
from core.tables import Column

PERIOD_TYPES = ("month", "quarter", "half", "year")
PERIOD_TYPE_LABELS = {
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "half": N_("Half-year"),
    "year": N_("Year"),
}
_STEP_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
PERIOD_COLUMNS = [
    "unit_id",
    "code",
    "name",
    "department_code",
    "period",
    "period_start",
    "period_end",
    "counted_to",
    "to_date",
    "bookings",
    "target",
    "attainment",
]
PLAN_OVERVIEW_COLUMNS = [
    "department_id",
    "code",
    "name",
    "segment",
    "year",
    "plan",
    "industry_growth",
    "last_year_bookings",
    "last_year_complete",
    "plan_growth",
    "plan_below_forecast",
    "recommended_plan",
    "recommended_growth",
    "bookings_to_date",
    "plan_progress",
]


def period_key(kind: str, start: date) -> str:
    """The period's stable label: 2026-03, 2026-Q1, 2026-H1 or 2026."""
    return {
        "month": format_month,
        "quarter": format_quarter,
        "half": format_half,
        "year": lambda day: str(day.year),
    }[kind](start)


def period_label(kind: str, start: date, lang: str) -> str:
    """The period in words: '2026年3月' / 'Mar 2026', '2026年第1季度' / 'Q1 2026', ..."""
    if kind == "month":
        return format_date(start, lang, style="yMMM")
    if kind == "quarter":
        return t("Q{quarter} {year}", lang, quarter=(start.month - 1) // 3 + 1, year=start.year)
    if kind == "half":
        return t("H{half} {year}", lang, half=1 if start.month <= 6 else 2, year=start.year)
    return t("Year {year}", lang, year=start.year)


def year_periods(year: int, kind: str, as_of: date) -> list[tuple[str, Window, Window]]:
    """(key, whole period, counted window) for each period of `year` that has begun by `as_of`.

    The counted window is the whole period once it has ended, else its start up to `as_of`.
    """
    if kind not in PERIOD_TYPES:
        raise ValueError(f"period type must be one of {', '.join(PERIOD_TYPES)}; got {kind!r}")
    periods = []
    start = date(year, 1, 1)
    while start.year == year and start <= as_of:
        whole = period_window(kind, start)
        periods.append((period_key(kind, start), whole, Window(whole.start, min(whole.end, as_of))))
        start = add_months(start, _STEP_MONTHS[kind])
    return periods


def _units(session: Session, level: str, department_ids: Collection[int] | None) -> pd.DataFrame:
    d, s = Department.__table__, Supervisor.__table__
    if level == "department":
        stmt = select(d.c.id, d.c.code, d.c.name, d.c.code.label("department_code")).order_by(d.c.code)
        scope = d.c.id
    elif level == "supervisor":
        stmt = select(s.c.id, s.c.code, s.c.name, d.c.code).join(d, d.c.id == s.c.department_id)
        stmt = stmt.order_by(d.c.code, s.c.code)
        scope = s.c.department_id
    else:
        raise ValueError(f"level must be department or supervisor; got {level!r}")
    if department_ids is not None:
        stmt = stmt.where(scope.in_(list(department_ids)))
    return fetch_frame(session, stmt, [UNIT_ID, "code", "name", "department_code"])


def period_attainment(
    session: Session,
    year: int,
    kind: str,
    level: str,
    *,
    as_of: date,
    department_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Bookings, target and attainment of every department or supervisor in scope, per period of `year`.

    Columns PERIOD_COLUMNS; one row per unit and begun period (bookings and target 0, attainment
    NaN, when the unit has neither). to_date marks a period still running on `as_of`.
    """
    periods = year_periods(year, kind, as_of)
    units = _units(session, level, department_ids)
    if not periods or units.empty:
        return pd.DataFrame(columns=PERIOD_COLUMNS)
    windows = {key: counted for key, _whole, counted in periods}
    figures = attainment_windows(session, windows, level, department_ids=department_ids)
    grid = units.merge(
        pd.DataFrame(
            {
                "period": [key for key, _w, _c in periods],
                "period_start": [whole.start for _k, whole, _c in periods],
                "period_end": [whole.end for _k, whole, _c in periods],
                "counted_to": [counted.end for _k, _w, counted in periods],
            }
        ),
        how="cross",
    )
    grid["to_date"] = grid["counted_to"] < grid["period_end"]
    out = grid.merge(figures.rename(columns={"window": "period"}), on=[UNIT_ID, "period"], how="left")
    out["bookings"] = out["bookings"].astype("float64").fillna(0.0)
    out["target"] = out["target"].astype("float64").fillna(0.0)
    out["attainment"] = out["attainment"].astype("float64")
    return out[PERIOD_COLUMNS].reset_index(drop=True)


def attainment_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per unit (code, name, department_code), one column of attainment per period key."""
    if frame.empty:
        return pd.DataFrame(columns=["code", "name", "department_code"])
    keys = ["code", "name", "department_code"]
    wide = frame.set_index([*keys, "period"])["attainment"].unstack("period")
    wide = wide.reindex(columns=list(dict.fromkeys(frame["period"])))
    wide.columns.name = None
    rows = frame[keys].drop_duplicates()
    return rows.merge(wide.reset_index(), on=keys, how="left").reset_index(drop=True)


def plan_years(session: Session, department_ids: Collection[int] | None = None) -> list[int]:
    """The years that have a plan for a department in scope, newest first."""
    p = Plan.__table__
    stmt = select(p.c.year).distinct()
    if department_ids is not None:
        stmt = stmt.where(p.c.department_id.in_(list(department_ids)))
    return sorted((int(row[0]) for row in session.execute(stmt)), reverse=True)


def plan_overview(
    session: Session,
    year: int,
    *,
    as_of: date,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """plan_check for `year` with the department's code, name and segment, and progress so far.

    last_year_complete is False while the year before has not ended on `as_of` (its bookings,
    and so the plan's growth, are then partial). bookings_to_date: bookings of `year` up to
    `as_of`; plan_progress = bookings_to_date ÷ plan. Columns PLAN_OVERVIEW_COLUMNS.
    """
    plans = plan_check(session, year, department_ids=department_ids, params=params)
    if plans.empty:
        return pd.DataFrame(columns=PLAN_OVERVIEW_COLUMNS)
    names = _units(session, "department", department_ids).rename(columns={UNIT_ID: "department_id"})
    out = plans.merge(names.drop(columns=["department_code"]), on="department_id", how="inner")
    d = Department.__table__
    segments = fetch_frame(session, select(d.c.id, d.c.segment), ["department_id", "segment"])
    out = out.merge(segments, on="department_id", how="left")
    out["last_year_complete"] = as_of >= date(year - 1, 12, 31)
    if as_of >= date(year, 1, 1):
        window = Window(date(year, 1, 1), min(as_of, date(year, 12, 31)))
        booked = bookings_by(session, window, "department", department_ids=department_ids)
        out = out.merge(
            booked.rename(columns={UNIT_ID: "department_id", "bookings": "bookings_to_date"}),
            on="department_id",
            how="left",
        )
        out["bookings_to_date"] = out["bookings_to_date"].astype("float64").fillna(0.0)
    else:
        out["bookings_to_date"] = float("nan")
    plan = out["plan"].astype("float64")
    out["plan_progress"] = out["bookings_to_date"] / plan.where(plan > 0)
    return out.sort_values("code")[PLAN_OVERVIEW_COLUMNS].reset_index(drop=True)


def last_full_day(today: date) -> date:
    """The as-of day of the Plans page: yesterday, the last day whose bookings are complete."""
    return today - timedelta(days=1)


def as_of_day(week: str, yesterday: date) -> date:
    """The Plans page's as-of day for a chosen week: its Sunday (as This week counts), at most yesterday."""
    return min(parse_week(week)[1], yesterday)


# --- how the page reads -------------------------------------------------------------------


def with_period_labels(
    frame: pd.DataFrame, kind: str, lang: str, *, as_of: date | None = None
) -> pd.DataFrame:
    """The frame with period_label: the period in words, marked when it is counted to date.

    With `as_of` the mark names the day ("Q4 2026 (to 22 Nov)"), so the figure reads with its date.
    """
    running = (
        t(" (to {day})", lang, day=format_date(as_of, lang, style="MMMd")) if as_of else t(" (to date)", lang)
    )
    labels = [
        period_label(kind, start, lang) + (running if to_date else "")
        for start, to_date in zip(frame["period_start"], frame["to_date"], strict=True)
    ]
    return frame.assign(period_label=pd.Series(labels, index=frame.index, dtype="object"))


def plan_alerts(plans: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per department whose plan grows less than the industry forecast."""
    alerts = []
    for row in plans[plans["plan_below_forecast"].fillna(False).astype(bool)].itertuples(index=False):
        department = f"{row.name} ({row.code})"
        alerts.append(
            t(
                "{department}: the {year} plan grows {growth}, less than the industry's forecast of "
                "{forecast}. Recommended: {recommended} ({recommended_growth}).",
                lang,
                department=department,
                year=row.year,
                growth=format_percent(row.plan_growth, lang, decimals=1, signed=True),
                forecast=format_percent(row.industry_growth, lang, signed=True),
                recommended=format_currency(row.recommended_plan, lang, compact=True),
                recommended_growth=format_percent(row.recommended_growth, lang, signed=True),
            )
        )
    return alerts


PLAN_TABLE_COLUMNS = (
    Column("name", N_("Department")),
    Column("plan", N_("Plan"), "currency_compact"),
    Column("last_year_bookings", N_("Last year's bookings"), "currency_compact"),
    Column("plan_growth", N_("Plan growth"), "percent1"),
    Column("industry_growth", N_("Industry forecast"), "percent"),
    Column("plan_below_forecast", N_("Below the forecast"), "yes_no"),
    Column("recommended_growth", N_("Recommended growth"), "percent"),
    Column("recommended_plan", N_("Recommended plan"), "currency_compact"),
    Column("bookings_to_date", N_("Booked so far"), "currency_compact"),
    Column("plan_progress", N_("Share of the plan booked"), "percent1"),
)
PERIOD_TABLE_COLUMNS = (
    Column("name", N_("Department")),
    Column("period_label", N_("Period")),
    Column("target", N_("Target"), "currency_compact"),
    Column("bookings", N_("Bookings"), "currency_compact"),
    Column("attainment", N_("Attainment"), "percent1"),
)


def matrix_columns(frame: pd.DataFrame) -> tuple[Column, ...]:
    """Columns of attainment_matrix: the supervisor, then one per period headed by its label."""
    periods = frame.drop_duplicates("period")
    return (
        Column("name", N_("Supervisor")),
        Column("code", N_("Code")),
        Column("department_code", N_("Department")),
        *(Column(key, label, "percent1") for key, label in zip(periods["period"], periods["period_label"])),
    )
