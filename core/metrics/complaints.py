"""Complaints: count and rate per 100 customers, weekly spikes, resolution and SLA, repeats, breakdowns."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from scipy.stats import poisson
from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from core.metrics import COMPANY_UNIT_ID
from core.metrics.scope import (
    UNIT_ID,
    attribute,
    attribute_customers,
    check_level,
    day_after,
    day_start,
    frame,
    local_day,
    per_unit,
    safe_ratio,
    seconds_between,
)
from core.metrics.sqlcal import day_number
from core.models import Complaint, Customer, Department
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window
from core.settings import get_settings

COMPLAINT_LEVELS = ("rep", "supervisor", "department", "company")
BREAKDOWN_FIELDS = ("category", "severity", "channel")
SPIKE_COLUMNS = ["department_id", "complaints", "baseline_mean", "upper_bound", "is_spike"]
SERIES_COLUMNS = [
    "department_id",
    "week_start",
    "complaints",
    "customers",
    "complaint_rate",
    "baseline_mean",
    "upper_bound",
    "is_spike",
]

_k = Complaint.__table__
_customer = Customer.__table__


# --- counts and rate ----------------------------------------------------------------------


def _matched_between(start: datetime, end_exclusive: datetime) -> Select:
    return (
        select(_k.c.id)
        .select_from(_k)
        .where(
            _k.c.match_status == "matched",
            _k.c.received_at >= start,
            _k.c.received_at < end_exclusive,
        )
    )


def _attribute_complaints(stmt: Select, level: str, department_ids: Iterable[int] | None):
    """A complaint's department is its own; its rep is the customer's owner on the complaint day."""
    check_level(level, COMPLAINT_LEVELS)
    if level in ("rep", "supervisor"):
        stmt = stmt.join(_customer, _customer.c.id == _k.c.customer_id)
    # Not attribute_customers: the complaint's own department decides, not the customer's.
    return attribute(
        stmt,
        level,
        rep_id=_customer.c.owner_rep_id,
        day=_k.c.received_at,
        department_id=_k.c.department_id,
        department_ids=department_ids,
    )


def matched_complaints_in(window: Window, level: str, department_ids: Iterable[int] | None):
    """A select over the matched complaints received in the window, joined to their unit.

    Returns (statement, unit column); callers replace the columns with with_only_columns().
    """
    stmt = _matched_between(day_start(window.start), day_after(window.end))
    return _attribute_complaints(stmt, level, department_ids)


def complaint_counts(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Matched complaints received (local date) in the window, per unit: [unit_id, complaints].

    Units without complaints have no row, except the company: always one row (unit_id 0).
    """
    stmt, unit = matched_complaints_in(window, level, department_ids)
    stmt = per_unit(stmt, level, unit, func.count().label("complaints"))
    out = frame(session, stmt, [UNIT_ID, "complaints"]).astype("int64")
    return out.sort_values(UNIT_ID, ignore_index=True)


def customers_at(
    session: Session,
    day: date,
    level: str,
    department_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Customers on the books on `day` (since <= day) per unit: [unit_id, customers].

    Department: the customer's department. Supervisor/rep: the owner rep and the team that rep
    was in on `day`. Company: one row, unit_id 0.
    """
    check_level(level, COMPLAINT_LEVELS)
    c = _customer
    stmt = select(c.c.id).select_from(c).where(c.c.since <= day)
    stmt, unit = attribute_customers(stmt, level, c, day=day, department_ids=department_ids)
    stmt = per_unit(stmt, level, unit, func.count().label("customers"))
    out = frame(session, stmt, [UNIT_ID, "customers"]).astype("int64")
    return out.sort_values(UNIT_ID, ignore_index=True)


def complaint_rate(
    complaints: int | None, customers: int | None, params: MetricParams | None = None
) -> float | None:
    """Complaints per 100 customers; None when the unit has fewer customers than the minimum."""
    params = params or DEFAULT_PARAMS
    if customers is None or pd.isna(customers) or customers < max(params.complaint_rate_min_customers, 1):
        return None
    return float(complaints or 0) / float(customers) * 100.0


def complaint_rate_table(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """[unit_id, complaints, customers, complaint_rate] for every unit with customers or complaints.

    Customers are counted at the window's last day; complaint_rate is NaN below the minimum.
    """
    params = params or DEFAULT_PARAMS
    counts = complaint_counts(session, window, level, department_ids)
    customers = customers_at(session, window.end, level, department_ids)
    out = customers.merge(counts, on=UNIT_ID, how="outer")
    out["complaints"] = out["complaints"].fillna(0).astype("int64")
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["complaint_rate"] = _rates(out["complaints"], out["customers"], params)
    return out[[UNIT_ID, "complaints", "customers", "complaint_rate"]].sort_values(UNIT_ID, ignore_index=True)


def _rates(complaints: pd.Series, customers: pd.Series, params: MetricParams) -> pd.Series:
    enough = customers >= max(params.complaint_rate_min_customers, 1)
    return (safe_ratio(complaints, customers) * 100.0).where(enough)


# --- weekly series and spikes -------------------------------------------------------------


def poisson_upper_bound(mean: float | np.ndarray, p_value: float) -> float | np.ndarray:
    """The largest weekly count still ordinary for a Poisson(mean): P(X >= bound + 1) <= p_value.

    A mean of 0 (no complaint in the baseline) gives 0: any complaint is out of the ordinary,
    and spike_min_complaints decides whether it is worth an alert.
    """
    means = np.asarray(mean, dtype="float64")
    bound = np.where(means > 0, poisson.ppf(1.0 - p_value, np.maximum(means, 1e-300)), 0.0)
    return bound if bound.ndim else float(bound)


def _mondays(first: date, last: date) -> list[date]:
    first = first - timedelta(days=first.weekday())
    count = (last - first).days // 7 + 1
    return [first + timedelta(weeks=i) for i in range(max(count, 0))]


def weekly_complaint_series(
    session: Session,
    first_week: date,
    last_week: date,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Per department and ISO week (Mondays first_week..last_week): count, rate and spike verdict.

    Columns SERIES_COLUMNS; every department in scope has a row for every week (0 complaints
    when none). Customers are counted on the week's Sunday. Baseline: the mean weekly count of
    the spike_baseline_weeks weeks before, counting only weeks on or after the first week with any
    matched complaint in the log; with fewer than spike_min_baseline_weeks such weeks there is no
    verdict (NaN baseline and bound, is_spike <NA>).
    """
    params = params or DEFAULT_PARAMS
    ids = None if department_ids is None else list(department_ids)
    weeks = _mondays(first_week, last_week)
    if not weeks:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    n_base = params.spike_baseline_weeks
    all_weeks = [weeks[0] - timedelta(weeks=n_base - i) for i in range(n_base)] + weeks

    d = Department.__table__
    dept_stmt = select(d.c.id).order_by(d.c.id)
    if ids is not None:
        dept_stmt = dept_stmt.where(d.c.id.in_(ids))
    departments = [row[0] for row in session.execute(dept_stmt)]
    if not departments:
        return pd.DataFrame(columns=SERIES_COLUMNS)

    # A complaint has a department exactly when it is matched (the importer's rule), so the
    # department filter alone keeps this a scan of the (received_week, department_id) index.
    count_stmt = (
        select(_k.c.department_id, _k.c.received_week, func.count())
        .where(
            _k.c.received_week >= all_weeks[0],
            _k.c.received_week <= all_weeks[-1],
            _k.c.department_id.in_(departments),
        )
        .group_by(_k.c.department_id, _k.c.received_week)
    )
    counts = frame(session, count_stmt, ["department_id", "week_start", "complaints"])
    grid = np.zeros((len(departments), len(all_weeks)), dtype="float64")
    row_of = {dep: i for i, dep in enumerate(departments)}
    col_of = {week: j for j, week in enumerate(all_weeks)}
    for dep, week, n in counts.itertuples(index=False):
        if week in col_of:
            grid[row_of[dep], col_of[week]] = n

    data_start = session.execute(
        select(func.min(_k.c.received_week)).where(_k.c.match_status == "matched")
    ).scalar_one_or_none()
    observed = np.array([data_start is not None and w >= data_start for w in all_weeks])

    frames = []
    for j in range(n_base, len(all_weeks)):
        mask = observed[j - n_base : j]
        n_obs = int(mask.sum())
        current = grid[:, j]
        if n_obs >= max(params.spike_min_baseline_weeks, 1):
            mean = grid[:, j - n_base : j][:, mask].sum(axis=1) / n_obs
            bound = poisson_upper_bound(mean, params.spike_p_value)
            spike = pd.array((current > bound) & (current >= params.spike_min_complaints), dtype="boolean")
        else:
            mean = np.full(len(departments), np.nan)
            bound = np.full(len(departments), np.nan)
            spike = pd.array([pd.NA] * len(departments), dtype="boolean")
        frames.append(
            pd.DataFrame(
                {
                    "department_id": departments,
                    "week_start": all_weeks[j],
                    "complaints": current.astype("int64"),
                    "baseline_mean": mean,
                    "upper_bound": bound,
                    "is_spike": spike,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    customers = _customers_at_week_ends(session, departments, weeks)
    out = out.merge(customers, on=["department_id", "week_start"], how="left")
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["complaint_rate"] = _rates(out["complaints"], out["customers"], params)
    return out[SERIES_COLUMNS].sort_values(["department_id", "week_start"], ignore_index=True)


def _customers_at_week_ends(session: Session, departments: list[int], weeks: list[date]) -> pd.DataFrame:
    """One scan of the customer table: a conditional count per week's Sunday."""
    c = _customer
    sums = [
        func.sum(case((c.c.since <= week + timedelta(days=6), 1), else_=0)).label(f"w{i}")
        for i, week in enumerate(weeks)
    ]
    stmt = (
        select(c.c.department_id, *sums).where(c.c.department_id.in_(departments)).group_by(c.c.department_id)
    )
    rows = []
    for row in session.execute(stmt):
        for i, week in enumerate(weeks):
            rows.append((row[0], week, int(row[i + 1] or 0)))
    return pd.DataFrame(rows, columns=["department_id", "week_start", "customers"])


def weekly_spikes(
    session: Session,
    week_start: date,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """The spike verdict of one ISO week for every department in scope (SPIKE_COLUMNS)."""
    series = weekly_complaint_series(session, week_start, week_start, department_ids, params)
    return series[SPIKE_COLUMNS].reset_index(drop=True)


# --- resolution and SLA -------------------------------------------------------------------

RESOLUTION_COLUMNS = [
    UNIT_ID,
    "complaints",
    "resolved",
    "median_hours_to_resolve",
    "within_sla",
    "missed_sla",
    "sla_share",
]


def _local_now() -> datetime:
    return datetime.now(get_settings().tz).replace(tzinfo=None)


def resolution_stats(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Time to resolve and SLA for the complaints received in the window, per unit.

    A complaint is within the SLA when resolved no later than sla hours after it was received;
    missed when resolved later, or still open more than sla hours before `as_of` (default: the
    end of the window, or now if that is earlier). Open complaints younger than that are not yet
    judged. median_hours_to_resolve covers the resolved ones. Columns RESOLUTION_COLUMNS.
    """
    params = params or DEFAULT_PARAMS
    as_of = as_of or min(day_after(window.end), _local_now())
    sla_seconds = params.complaint_sla_hours * 3600.0
    open_since = as_of - timedelta(hours=params.complaint_sla_hours)
    seconds = seconds_between(_k.c.resolved_at, _k.c.received_at)
    resolved = _k.c.resolved_at.is_not(None)
    stmt, unit = matched_complaints_in(window, level, department_ids)
    if level != "company":
        stmt = stmt.where(unit.is_not(None))
    counts = stmt.with_only_columns(
        unit.label(UNIT_ID),
        func.count(),
        func.sum(case((resolved, 1), else_=0)),
        func.sum(case((and_(resolved, seconds <= sla_seconds), 1), else_=0)),
        func.sum(
            case(
                (and_(resolved, seconds > sla_seconds), 1),
                (and_(~resolved, _k.c.received_at < open_since), 1),
                else_=0,
            )
        ),
    )
    if level != "company":
        counts = counts.group_by(unit)
    out = frame(session, counts, [UNIT_ID, "complaints", "resolved", "within_sla", "missed_sla"])
    out = out[out["complaints"] > 0]
    if out.empty:
        return pd.DataFrame(columns=RESOLUTION_COLUMNS)
    # The median needs the durations themselves: one number per resolved complaint.
    durations = frame(
        session,
        stmt.where(resolved).with_only_columns(unit.label(UNIT_ID), seconds),
        [UNIT_ID, "seconds"],
    )
    durations["hours"] = durations["seconds"].astype("float64") / 3600.0
    medians = durations.groupby(UNIT_ID, as_index=False)["hours"].median()
    out = out.merge(medians.rename(columns={"hours": "median_hours_to_resolve"}), on=UNIT_ID, how="left")
    for column in (UNIT_ID, "complaints", "resolved", "within_sla", "missed_sla"):
        out[column] = out[column].fillna(0).astype("int64")
    out["median_hours_to_resolve"] = out["median_hours_to_resolve"].astype("float64")
    out["sla_share"] = safe_ratio(out["within_sla"], out["within_sla"] + out["missed_sla"])
    return out[RESOLUTION_COLUMNS].sort_values(UNIT_ID, ignore_index=True)


# --- repeat complainants ------------------------------------------------------------------


def _with_repeat_flag(
    session: Session, window: Window, level: str, department_ids: Iterable[int] | None, params: MetricParams
):
    """The window's complaints with a customer, joined to `is_repeat`: the same customer had
    complained (on any unit's books) at most repeat_window_days calendar days before."""
    stmt, unit = matched_complaints_in(window, level, department_ids)
    stmt = stmt.where(_k.c.customer_id.is_not(None))
    if level != "company":
        stmt = stmt.where(unit.is_not(None))
    customers = stmt.with_only_columns(_k.c.customer_id).correlate(None)
    h = Complaint.__table__.alias("earlier")
    day = day_number(local_day(session, h.c.received_at))
    previous = func.lag(day).over(partition_by=h.c.customer_id, order_by=(h.c.received_at, h.c.id))
    history = (
        select(h.c.id, (day - previous).label("gap_days"))
        .where(
            h.c.match_status == "matched",
            h.c.received_at >= day_start(window.start - timedelta(days=params.repeat_window_days)),
            h.c.received_at < day_after(window.end),
            h.c.customer_id.in_(customers),
        )
        .subquery("history")
    )
    is_repeat = history.c.gap_days <= params.repeat_window_days
    return stmt.join(history, history.c.id == _k.c.id), unit, is_repeat


def repeat_summary(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """[unit_id, complainants, repeat_complainants, repeat_share] over the window.

    complainants: distinct customers with a complaint in the window attributed to the unit;
    repeat_complainants: those of them with at least one repeat complaint in the window.
    """
    params = params or DEFAULT_PARAMS
    stmt, unit, is_repeat = _with_repeat_flag(session, window, level, department_ids, params)
    stmt = stmt.with_only_columns(
        unit.label(UNIT_ID),
        func.count(distinct(_k.c.customer_id)),
        func.count(distinct(case((is_repeat, _k.c.customer_id)))),
    )
    if level != "company":
        stmt = stmt.group_by(unit)
    return _summary(frame(session, stmt, [UNIT_ID, "complainants", "repeat_complainants"]))


def _summary(out: pd.DataFrame) -> pd.DataFrame:
    out = out[out["complainants"] > 0].astype("int64")
    out["repeat_share"] = safe_ratio(out["repeat_complainants"], out["complainants"])
    return out.sort_values(UNIT_ID, ignore_index=True)


def repeat_complainants(
    session: Session,
    window: Window,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """The customers who complained again within the repeat window, most repeats first.

    Columns: customer_id, customer_code, customer_name, department_id (the customer's),
    complaints (in the window, in scope), repeat_complaints, last_received_at.
    """
    params = params or DEFAULT_PARAMS
    stmt, _unit, is_repeat = _with_repeat_flag(session, window, "department", department_ids, params)
    c = _customer
    repeats = func.sum(case((is_repeat, 1), else_=0))
    stmt = (
        stmt.join(c, c.c.id == _k.c.customer_id)
        .with_only_columns(
            c.c.id,
            c.c.code,
            c.c.name,
            c.c.department_id,
            func.count(),
            repeats,
            func.max(_k.c.received_at),
        )
        .group_by(c.c.id, c.c.code, c.c.name, c.c.department_id)
        .having(repeats > 0)
    )
    return _repeat_table(frame(session, stmt, REPEAT_CUSTOMER_COLUMNS))


REPEAT_CUSTOMER_COLUMNS = [
    "customer_id",
    "customer_code",
    "customer_name",
    "department_id",
    "complaints",
    "repeat_complaints",
    "last_received_at",
]


def _repeat_table(out: pd.DataFrame) -> pd.DataFrame:
    for column in ("complaints", "repeat_complaints"):
        out[column] = out[column].astype("int64")
    out = out.sort_values(["repeat_complaints", "complaints", "customer_id"], ascending=[False, False, True])
    return out.reset_index(drop=True)


def repeats_with_summary(
    session: Session,
    window: Window,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(repeat_complainants(...), repeat_summary(..., "company", ...)) from one pass over the
    window's complaints instead of two (each is a window function over 13 weeks of complaints).

    The company summary counts complaints without a department too (a department level does
    not), so the rows are grouped per customer and whether the complaint has a department.
    """
    params = params or DEFAULT_PARAMS
    stmt, _unit, is_repeat = _with_repeat_flag(session, window, "company", department_ids, params)
    c = _customer
    repeats = func.sum(case((is_repeat, 1), else_=0))
    no_department = case((_k.c.department_id.is_(None), 1), else_=0)
    stmt = (
        stmt.join(c, c.c.id == _k.c.customer_id)
        .with_only_columns(
            c.c.id,
            c.c.code,
            c.c.name,
            c.c.department_id,
            func.count(),
            repeats,
            func.max(_k.c.received_at),
            no_department,
        )
        .group_by(c.c.id, c.c.code, c.c.name, c.c.department_id, no_department)
    )
    rows = [tuple(r) for r in session.execute(stmt).all()]
    # repeat_complainants: complaints with a department, customers with a repeat among them.
    table = _repeat_table(
        pd.DataFrame([r[:7] for r in rows if not r[7] and r[5] > 0], columns=REPEAT_CUSTOMER_COLUMNS)
    )
    complainants = {r[0] for r in rows}
    repeaters = {r[0] for r in rows if r[5] > 0}
    summary = pd.DataFrame(
        [(COMPANY_UNIT_ID, len(complainants), len(repeaters))],
        columns=[UNIT_ID, "complainants", "repeat_complainants"],
    )
    return table, _summary(summary)


# --- breakdowns ---------------------------------------------------------------------------


def normalise_label(value: str | None) -> str:
    """The grouping key of a free-text label: NFKC, trimmed, case-folded ('ＢＩＬＬＩＮＧ ' -> 'billing')."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def complaint_breakdown(
    session: Session,
    window: Window,
    field: str,
    level: str = "company",
    department_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Matched complaints in the window by category, severity or channel, per unit.

    Columns: unit_id, key (normalised label; '' when blank), label (the most frequent spelling,
    trimmed), complaints, share (of the unit's complaints). Sorted by unit, then count
    descending, the blank key last.
    """
    if field not in BREAKDOWN_FIELDS:
        raise ValueError(f"field must be one of {', '.join(BREAKDOWN_FIELDS)}; got {field!r}")
    column = _k.c[field]
    stmt, unit = matched_complaints_in(window, level, department_ids)
    stmt = stmt.with_only_columns(unit.label(UNIT_ID), column, func.count())
    stmt = stmt.group_by(column)
    if level != "company":
        stmt = stmt.where(unit.is_not(None)).group_by(unit)
    raw = frame(session, stmt, [UNIT_ID, "raw", "complaints"])
    columns = [UNIT_ID, "key", "label", "complaints", "share"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    raw["key"] = [normalise_label(v) for v in raw["raw"]]
    raw["label"] = [unicodedata.normalize("NFKC", v or "").strip() for v in raw["raw"]]
    # The label shown for a key: its most frequent spelling, ties to the alphabetically first.
    spelled = raw.groupby([UNIT_ID, "key", "label"], as_index=False)["complaints"].sum()
    spelled = spelled.sort_values(
        [UNIT_ID, "key", "complaints", "label"], ascending=[True, True, False, True]
    )
    labels = spelled.drop_duplicates([UNIT_ID, "key"])[[UNIT_ID, "key", "label"]]
    out = raw.groupby([UNIT_ID, "key"], as_index=False)["complaints"].sum().merge(labels, on=[UNIT_ID, "key"])
    out["complaints"] = out["complaints"].astype("int64")
    out["share"] = safe_ratio(out["complaints"], out.groupby(UNIT_ID)["complaints"].transform("sum"))
    out["blank"] = out["key"] == ""
    out = out.sort_values([UNIT_ID, "blank", "complaints", "key"], ascending=[True, True, False, True])
    return out[columns].reset_index(drop=True)


def category_pareto(
    session: Session,
    window: Window,
    department_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Categories in the window by count (blank last) with share and cumulative share.

    Columns: key, label, complaints, share, cumulative_share. Over the scope as a whole.
    """
    out = complaint_breakdown(session, window, "category", "company", department_ids)
    out = out.drop(columns=[UNIT_ID])
    out["cumulative_share"] = out["share"].cumsum()
    return out.reset_index(drop=True)


# --- unmatched ----------------------------------------------------------------------------

UNMATCHED_COLUMNS = [
    "complaint_id",
    "source",
    "code",
    "received_at",
    "customer_ref",
    "department_ref",
    "category",
    "unmatched_reason",
    "upload_id",
]


def unmatched_complaints(
    session: Session,
    window: Window | None = None,
    department_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Complaints waiting for attribution, newest first. They belong to no department, so a
    department-scoped caller (department_ids given) gets none."""
    if department_ids is not None:
        return pd.DataFrame(columns=UNMATCHED_COLUMNS)
    stmt = select(
        _k.c.id,
        _k.c.source,
        _k.c.code,
        _k.c.received_at,
        _k.c.customer_ref,
        _k.c.department_ref,
        _k.c.category,
        _k.c.unmatched_reason,
        _k.c.upload_id,
    ).where(_k.c.match_status == "unmatched")
    if window is not None:
        stmt = stmt.where(
            _k.c.received_at >= day_start(window.start), _k.c.received_at < day_after(window.end)
        )
    stmt = stmt.order_by(_k.c.received_at.desc(), _k.c.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return frame(session, stmt, UNMATCHED_COLUMNS)
