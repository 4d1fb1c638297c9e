"""Customer classes from bookings (loyal, fast-growing, dormant, worth nurturing) and what to do with each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Select, Subquery, case, func, literal, select, true
from sqlalchemy.orm import Session

from core.metrics.scope import UNIT_ID, attribute, check_level, frame, safe_ratio
from core.models import Booking, Customer
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import add_months

# Display order: the four classes of the domain, then the customers none of them describes.
CLASSES = ("loyal", "fast_growing", "worth_nurturing", "dormant", "no_bookings")

CLASS_NAMES: dict[str, dict[str, str]] = {
    "loyal": {"zh": "忠诚型", "en": "Loyal"},
    "fast_growing": {"zh": "快速增长型", "en": "Fast-growing"},
    "worth_nurturing": {"zh": "值得培养型", "en": "Worth nurturing"},
    "dormant": {"zh": "睡眠型", "en": "Dormant"},
    "no_bookings": {"zh": "无成交", "en": "No bookings"},
}

CLASS_STRATEGY: dict[str, dict[str, str]] = {
    "loyal": {
        "zh": "守住售后服务和满意度：定期回访，问题当天响应，别让服务质量因为关系稳定而松懈。",
        "en": "Guard after-sales service and satisfaction: regular check-ins, same-day answers, "
        "and no slack in service just because the relationship feels safe.",
    },
    "fast_growing": {
        "zh": "增加销售人手，让销售和服务覆盖客户的每个部门和项目，跟上客户的增长速度。",
        "en": "Add sales people so that sales and service cover every part and project of the "
        "account, and keep pace with its growth.",
    },
    "worth_nurturing": {
        "zh": "主动跟进，及时把新产品、新方案和项目进展告诉客户，把潜力变成规模。",
        "en": "Follow up on your own initiative and tell them promptly about new products, "
        "solutions and progress, so the promise turns into volume.",
    },
    "dormant": {
        "zh": "重新了解客户业务的变化，发掘新的需求，用新方案带动新的采购。",
        "en": "Find out what has changed in their business, uncover new needs and bring a fresh "
        "proposal that leads to new purchases.",
    },
    "no_bookings": {
        "zh": "尚无成交：确认负责的销售代表和客户需求，安排首次拜访或立项。",
        "en": "No bookings yet: confirm the owning rep and the customer's needs, then plan a first "
        "visit or open a project.",
    },
}

CUSTOMER_CLASS_COLUMNS = [
    "customer_id",
    "customer_code",
    "customer_name",
    "department_id",
    "segment",
    "owner_rep_id",
    "since",
    "revenue_recent",
    "revenue_prior",
    "growth",
    "last_booked_on",
    "customer_class",
]
SUMMARY_COLUMNS = [UNIT_ID, "customer_class", "segment", "customers", "revenue_recent", "revenue_prior"]

# Amounts are cents-exact; half a cent keeps a growth of exactly 30% or 10% on the inclusive side
# whichever database does the multiplying, in binary or decimal arithmetic.
_HALF_CENT = 0.005


@dataclass(frozen=True)
class ClassWindows:
    """The dates one classification on `day` uses (every range inclusive)."""

    day: date
    recent_start: date  # trailing horizon: recent_start .. day
    prior_start: date  # the horizon before it: prior_start .. prior_end
    prior_end: date
    active_start: date  # a booking on or after this day means "booked in the last 6 months"
    tenure_since: date  # customers since on or before this day have been customers long enough

    @classmethod
    def ending(cls, day: date, params: MetricParams | None = None) -> ClassWindows:
        params = params or DEFAULT_PARAMS
        horizon = params.class_horizon_months
        prior_end = add_months(day, -horizon)
        return cls(
            day=day,
            recent_start=prior_end + timedelta(days=1),
            prior_start=add_months(day, -2 * horizon) + timedelta(days=1),
            prior_end=prior_end,
            active_start=add_months(day, -params.class_dormant_months) + timedelta(days=1),
            tenure_since=add_months(day, -12 * params.class_loyal_min_years),
        )


def _classified(day: date, params: MetricParams, customers: Select | None = None) -> Subquery:
    """One row per customer on the books on `day` with its revenues and class, computed in SQL.

    `customers` (a select of customer ids) narrows the booking scan to the customers in scope.
    """
    w = ClassWindows.ending(day, params)
    b, c = Booking.__table__, Customer.__table__
    in_recent = b.c.booked_on >= w.recent_start
    in_prior = (b.c.booked_on >= w.prior_start) & (b.c.booked_on <= w.prior_end)
    per_customer = (
        select(
            b.c.customer_id,
            func.sum(case((in_recent, b.c.amount), else_=0)).label("recent"),
            func.sum(case((in_prior, b.c.amount), else_=0)).label("prior"),
            func.max(b.c.booked_on).label("last_booked_on"),
        )
        .where(b.c.booked_on <= day)
        .where(true() if customers is None else b.c.customer_id.in_(customers))
        .group_by(b.c.customer_id)
        .subquery("per_customer")
    )
    recent = func.coalesce(per_customer.c.recent, 0)
    prior = func.coalesce(per_customer.c.prior, 0)
    customer_class = case(
        (per_customer.c.last_booked_on.is_(None), literal("no_bookings")),
        (per_customer.c.last_booked_on < w.active_start, literal("dormant")),
        (
            (prior > 0) & (recent - prior >= prior * params.class_fast_growth - _HALF_CENT),
            literal("fast_growing"),
        ),
        (
            (prior > 0)
            & (c.c.since <= w.tenure_since)
            & (func.abs(recent - prior) <= prior * params.class_loyal_band + _HALF_CENT),
            literal("loyal"),
        ),
        else_=literal("worth_nurturing"),
    )
    return (
        select(
            c.c.id.label("customer_id"),
            c.c.code.label("customer_code"),
            c.c.name.label("customer_name"),
            c.c.department_id,
            c.c.segment,
            c.c.owner_rep_id,
            c.c.since,
            recent.label("revenue_recent"),
            prior.label("revenue_prior"),
            per_customer.c.last_booked_on,
            customer_class.label("customer_class"),
        )
        .select_from(c)
        .outerjoin(per_customer, per_customer.c.customer_id == c.c.id)
        .where(c.c.since <= day)
        .where(true() if customers is None else c.c.id.in_(customers))
        .subquery("classified")
    )


def customer_classes(
    session: Session,
    day: date,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
    *,
    customer_class: str | None = None,
    owner_rep_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The class of each customer on `day` (columns CUSTOMER_CLASS_COLUMNS), for drill-down lists.

    Narrow it with department_ids (the customer's department), a class and/or owner reps: on a
    large book, call class_summary for the counts and this only for the list a user opened.
    """
    params = params or DEFAULT_PARAMS
    if customer_class is not None and customer_class not in CLASSES:
        raise ValueError(f"customer_class must be one of {', '.join(CLASSES)}; got {customer_class!r}")
    scoped = None
    if department_ids is not None:
        sc = Customer.__table__.alias("scoped")
        scoped = select(sc.c.id).where(sc.c.department_id.in_(list(department_ids))).correlate(None)
    k = _classified(day, params, scoped)
    stmt = select(*[k.c[name] for name in CUSTOMER_CLASS_COLUMNS if name != "growth"])
    if customer_class is not None:
        stmt = stmt.where(k.c.customer_class == customer_class)
    if owner_rep_ids is not None:
        stmt = stmt.where(k.c.owner_rep_id.in_(list(owner_rep_ids)))
    stmt = stmt.order_by(k.c.customer_code)
    out = frame(session, stmt, [n for n in CUSTOMER_CLASS_COLUMNS if n != "growth"])
    out["revenue_recent"] = out["revenue_recent"].astype("float64")
    out["revenue_prior"] = out["revenue_prior"].astype("float64")
    out["growth"] = safe_ratio(out["revenue_recent"], out["revenue_prior"]) - 1.0
    return out[CUSTOMER_CLASS_COLUMNS]


def class_summary(
    session: Session,
    day: date,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Customers and revenue per unit x class x segment on `day` (columns SUMMARY_COLUMNS).

    Units as for customers_at: the customer's department, or the owner rep's team on `day`.
    Only combinations with customers have rows; revenue_recent is the trailing horizon's bookings.
    """
    check_level(level)
    params = params or DEFAULT_PARAMS
    scoped = None
    if department_ids is not None:
        sc = Customer.__table__.alias("scoped")
        scoped, _unit = attribute(
            select(sc.c.id).select_from(sc).where(sc.c.since <= day),
            level,
            rep_id=sc.c.owner_rep_id,
            day=day,
            department_id=sc.c.department_id,
            department_ids=department_ids,
        )
        scoped = scoped.correlate(None)
    k = _classified(day, params, scoped)
    stmt = select(k.c.customer_id).select_from(k)
    stmt, unit = attribute(
        stmt,
        level,
        rep_id=k.c.owner_rep_id,
        day=day,
        department_id=k.c.department_id,
        department_ids=department_ids,
    )
    stmt = stmt.with_only_columns(
        unit.label(UNIT_ID),
        k.c.customer_class,
        k.c.segment,
        func.count(),
        func.sum(k.c.revenue_recent),
        func.sum(k.c.revenue_prior),
    ).group_by(k.c.customer_class, k.c.segment)
    if level != "company":
        stmt = stmt.where(unit.is_not(None)).group_by(unit)
    out = frame(session, stmt, SUMMARY_COLUMNS)
    out[UNIT_ID] = out[UNIT_ID].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    for column in ("revenue_recent", "revenue_prior"):
        out[column] = out[column].astype("float64")
    order = {name: i for i, name in enumerate(CLASSES)}
    out["order"] = out["customer_class"].map(order)
    out = out.sort_values([UNIT_ID, "order", "segment"])
    return out[SUMMARY_COLUMNS].reset_index(drop=True)
