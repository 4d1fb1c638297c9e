"""Proactive contact with key accounts: coverage within the cadence, the overdue list, reactive complaints."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, case, exists, func, select, true
from sqlalchemy.orm import Session

from core.i18n import format_number, t
from core.metrics.complaints import matched_complaints_in
from core.metrics.scope import (
    UNIT_ID,
    attribute_customers,
    check_level,
    days_before,
    frame,
    in_team_on,
    local_day,
    per_unit,
    safe_ratio,
    team,
)
from core.models import Complaint, Contact, Customer, Rep
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window

COVERAGE_COLUMNS = [UNIT_ID, "key_accounts", "contacted", "coverage"]
KEY_ACCOUNT_COLUMNS = [
    "customer_id",
    "customer_code",
    "customer_name",
    "department_id",
    "segment",
    "owner_rep_id",
    "owner_rep_code",
    "owner_rep_name",
    "supervisor_id",
    "last_contact_on",
    "days_since_contact",
    "overdue",
]
REACTIVE_COLUMNS = [UNIT_ID, "complaints", "key_account_complaints", "reactive", "reactive_share"]

_customer = Customer.__table__
_contact = Contact.__table__
_k = Complaint.__table__


def cadence_start(day: date, params: MetricParams | None = None) -> date:
    """The first day of the contact cadence that ends on `day` (cadence days, both ends included)."""
    params = params or DEFAULT_PARAMS
    return day - timedelta(days=params.contact_cadence_days - 1)


def key_account_coverage(
    session: Session,
    day: date,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Share of key accounts (since <= day) with at least one contact, by any rep, in the cadence
    ending on `day`. Units per customers_at; company is always one row (coverage NaN without
    key accounts)."""
    check_level(level)
    c = _customer
    contacted = exists(
        select(_contact.c.id).where(
            _contact.c.customer_id == c.c.id,
            _contact.c.date >= cadence_start(day, params),
            _contact.c.date <= day,
        )
    )
    stmt = select(c.c.id).select_from(c).where(c.c.key_account == true(), c.c.since <= day)
    stmt, unit = attribute_customers(stmt, level, c, day=day, department_ids=department_ids)
    stmt = per_unit(
        stmt,
        level,
        unit,
        func.count().label("key_accounts"),
        func.sum(case((contacted, 1), else_=0)).label("contacted"),
    )
    out = frame(session, stmt, [UNIT_ID, "key_accounts", "contacted"])
    out[UNIT_ID] = out[UNIT_ID].astype("int64")
    out["key_accounts"] = out["key_accounts"].astype("int64")
    out["contacted"] = out["contacted"].fillna(0).astype("int64")
    out["coverage"] = safe_ratio(out["contacted"], out["key_accounts"])
    return out[COVERAGE_COLUMNS].sort_values(UNIT_ID, ignore_index=True)


def key_account_contacts(
    session: Session,
    day: date,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
    *,
    supervisor_id: int | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    """Every key account on the books on `day` with its last contact up to `day`.

    Columns KEY_ACCOUNT_COLUMNS: supervisor_id is the owner rep's team on `day` (NaN when the
    rep had none); days_since_contact is NaN when never contacted; overdue when never
    contacted or last contacted before the cadence ending on `day`. Scope is the customer's
    department. Overdue first (never contacted, then longest silence), then by customer code.
    """
    c, rep = _customer, Rep.__table__
    last_contact = (
        select(func.max(_contact.c.date))
        .where(_contact.c.customer_id == c.c.id, _contact.c.date <= day)
        .scalar_subquery()
    )
    stmt = (
        select(
            c.c.id,
            c.c.code,
            c.c.name,
            c.c.department_id,
            c.c.segment,
            c.c.owner_rep_id,
            rep.c.code,
            rep.c.name,
            team.c.supervisor_id,
            last_contact,
        )
        .select_from(c)
        .outerjoin(rep, rep.c.id == c.c.owner_rep_id)
        .outerjoin(team, in_team_on(c.c.owner_rep_id, day))
        .where(c.c.key_account == true(), c.c.since <= day)
    )
    if department_ids is not None:
        stmt = stmt.where(c.c.department_id.in_(list(department_ids)))
    if supervisor_id is not None:
        stmt = stmt.where(team.c.supervisor_id == supervisor_id)
    if overdue_only:
        stmt = stmt.where((last_contact.is_(None)) | (last_contact < cadence_start(day, params)))
    out = frame(session, stmt, KEY_ACCOUNT_COLUMNS[:10])
    last = pd.to_datetime(out["last_contact_on"])
    out["last_contact_on"] = last.dt.date
    out["days_since_contact"] = (pd.Timestamp(day) - last).dt.days.astype("float64")
    out["overdue"] = last.isna() | (last < pd.Timestamp(cadence_start(day, params)))
    out["never"] = last.isna()
    out = out.sort_values(
        ["overdue", "never", "days_since_contact", "customer_code"],
        ascending=[False, False, False, True],
        na_position="first",
    )
    return out[KEY_ACCOUNT_COLUMNS].reset_index(drop=True)


def overdue_key_accounts(
    session: Session,
    day: date,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
    *,
    supervisor_id: int | None = None,
) -> pd.DataFrame:
    """The key accounts overdue for contact on `day` (see key_account_contacts)."""
    return key_account_contacts(
        session, day, department_ids, params, supervisor_id=supervisor_id, overdue_only=True
    )


def reactive_complaints(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Complaints from key accounts that were overdue for contact when they complained.

    Overdue at the complaint: no contact in the cadence days before the complaint's day (a
    contact on the day itself may be the answer to it). reactive_share = reactive / all the
    unit's complaints in the window. Columns REACTIVE_COLUMNS; the company is always one row.
    """
    params = params or DEFAULT_PARAMS
    ka = Customer.__table__.alias("key_account")
    is_key_account = and_(ka.c.key_account == true(), ka.c.since <= _k.c.received_at)
    recently_contacted = exists(
        select(_contact.c.id).where(
            _contact.c.customer_id == _k.c.customer_id,
            _contact.c.date >= days_before(session, _k.c.received_at, params.contact_cadence_days),
            _contact.c.date < local_day(session, _k.c.received_at),
        )
    )
    stmt, unit = matched_complaints_in(window, level, department_ids)
    stmt = per_unit(
        stmt.outerjoin(ka, ka.c.id == _k.c.customer_id),
        level,
        unit,
        func.count().label("complaints"),
        func.sum(case((is_key_account, 1), else_=0)),
        func.sum(case((and_(is_key_account, ~recently_contacted), 1), else_=0)),
    )
    out = frame(session, stmt, [UNIT_ID, "complaints", "key_account_complaints", "reactive"])
    for column in (UNIT_ID, "complaints", "key_account_complaints", "reactive"):
        out[column] = out[column].fillna(0).astype("int64")
    out["reactive_share"] = safe_ratio(out["reactive"], out["complaints"])
    return out[REACTIVE_COLUMNS].sort_values(UNIT_ID, ignore_index=True)


def overdue_key_accounts_text(count: int, days: int, never: int, lang: str) -> str:
    """The overdue-contact alert in words (shared by the page and the report)."""
    if never:
        return t(
            "{count} key accounts not contacted within {days} days ({never} never contacted).",
            lang,
            count=format_number(count, lang),
            days=days,
            never=format_number(never, lang),
        )
    return t(
        "{count} key accounts not contacted within {days} days.",
        lang,
        count=format_number(count, lang),
        days=days,
    )
