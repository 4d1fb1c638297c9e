"""What is loaded: rows and date range per kind of record, optionally limited to some departments."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core import models as m
from core.auth import Scope, department_condition, supervisor_condition
from core.i18n import N_

INVENTORY_COLUMNS = ["kind", "rows", "first", "last"]
DEPARTMENT_COLUMNS = ["id", "code", "name", "segment"]
SUPERVISOR_COLUMNS = ["id", "code", "name", "department_id", "department_code"]

# Each kind of record the importer loads, in load order, with its English label (translated by
# the page) and the column that dates it (None: the record is undated).
KINDS: dict[str, tuple[str, object | None]] = {
    "departments": (N_("Departments"), None),
    "supervisors": (N_("Supervisors"), None),
    "reps": (N_("Sales reps"), m.Rep.hired_on),
    "assignments": (N_("Team assignments"), m.Assignment.start_on),
    "customers": (N_("Customers"), m.Customer.since),
    "bookings": (N_("Bookings"), m.Booking.booked_on),
    "targets": (N_("Monthly targets"), m.Target.month_start),
    "plans": (N_("Annual plans"), m.Plan.year),
    "activities": (N_("Team activities"), m.Activity.date),
    "training": (N_("Training"), m.Training.date),
    "exams": (N_("Exam attempts"), m.Exam.date),
    "surveys": (N_("Satisfaction surveys"), m.Survey.date),
    "rep_ratings": (N_("Ratings of reps"), m.RepRating.quarter),
    "supervisor_ratings": (N_("Ratings of supervisors"), m.SupervisorRating.quarter),
    "csat_targets": (N_("Satisfaction indicators"), m.CsatTarget.year),
    "complaints": (N_("Complaints"), m.Complaint.received_at),
    "contacts": (N_("Key-account contacts"), m.Contact.date),
}

MODELS: dict[str, type[m.SQLModel]] = {
    "departments": m.Department,
    "supervisors": m.Supervisor,
    "reps": m.Rep,
    "assignments": m.Assignment,
    "customers": m.Customer,
    "bookings": m.Booking,
    "targets": m.Target,
    "plans": m.Plan,
    "activities": m.Activity,
    "training": m.Training,
    "exams": m.Exam,
    "surveys": m.Survey,
    "rep_ratings": m.RepRating,
    "supervisor_ratings": m.SupervisorRating,
    "csat_targets": m.CsatTarget,
    "complaints": m.Complaint,
    "contacts": m.Contact,
}


def kind_label(kind: str) -> str:
    """The English label of a kind (pass it to core.i18n.t for the user's language)."""
    return KINDS[kind][0]


def _department_condition(kind: str, ids: list[int]) -> ColumnElement[bool]:
    """Rows of `kind` that belong to the departments `ids` (through the shortest link)."""
    supervisors = select(m.Supervisor.id).where(m.Supervisor.department_id.in_(ids))
    customers = select(m.Customer.id).where(m.Customer.department_id.in_(ids))
    # A rep belongs to every department whose team they were ever in.
    reps = select(m.Assignment.rep_id).where(m.Assignment.supervisor_id.in_(supervisors))
    model = MODELS[kind]
    if kind == "departments":
        return m.Department.id.in_(ids)
    if kind == "reps":
        return m.Rep.id.in_(reps)
    if hasattr(model, "department_id"):
        return model.department_id.in_(ids)
    if hasattr(model, "customer_id"):
        return model.customer_id.in_(customers)
    if hasattr(model, "supervisor_id"):
        return model.supervisor_id.in_(supervisors)
    return model.rep_id.in_(reps)


def summarise_data(session: Session, department_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per kind: kind, rows, first and last date (or year / quarter) present.

    `department_ids=None` counts the whole organisation; otherwise only rows that belong to
    those departments, so a manager's overview never counts another department's records.
    """
    ids = None if department_ids is None else sorted(set(department_ids))
    rows = []
    for kind, (_label, dated_by) in KINDS.items():
        model = MODELS[kind]
        columns = [func.count()]
        if dated_by is not None:
            columns += [func.min(dated_by), func.max(dated_by)]
        query = select(*columns).select_from(model)
        if ids is not None:
            query = query.where(_department_condition(kind, ids))
        result = session.execute(query).one()
        first, last = (result[1], result[2]) if dated_by is not None else (None, None)
        rows.append({"kind": kind, "rows": int(result[0]), "first": first, "last": last})
    return pd.DataFrame(rows, columns=INVENTORY_COLUMNS)


def list_departments(session: Session, scope: Scope) -> pd.DataFrame:
    """The departments a scope may see: id, code, name, segment, ordered by code."""
    d = m.Department
    query = select(d.id, d.code, d.name, d.segment).where(department_condition(scope, d.id)).order_by(d.code)
    return pd.DataFrame(session.execute(query).all(), columns=DEPARTMENT_COLUMNS)


def list_supervisors(session: Session, scope: Scope, department_id: int | None = None) -> pd.DataFrame:
    """The supervisors a scope may see (of one department, or all): ordered by department, then code."""
    s, d = m.Supervisor, m.Department
    query = (
        select(s.id, s.code, s.name, s.department_id, d.code)
        .join(d, d.id == s.department_id)
        .where(department_condition(scope, s.department_id), supervisor_condition(scope, s.id))
        .order_by(d.code, s.code)
    )
    if department_id is not None:
        query = query.where(s.department_id == department_id)
    return pd.DataFrame(session.execute(query).all(), columns=SUPERVISOR_COLUMNS)
