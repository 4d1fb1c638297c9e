"""The canonical record kinds: their files, columns, types, natural keys and load order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import SQLModel

from core import models as m


@dataclass(frozen=True)
class Col:
    """One column of a canonical file and the database column it fills."""

    name: str
    type: str  # str | int | float | date | datetime | month | quarter | bool | list | ref
    required: bool = True
    db: str | None = None  # database column; defaults to `name`
    ref: str | None = None  # for type "ref": the kind whose `code` this column names
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    max_len: int | None = None

    @property
    def db_name(self) -> str:
        return self.db or self.name


@dataclass(frozen=True)
class Kind:
    """A canonical record kind: one CSV file, one table, one natural key."""

    name: str
    model: type[SQLModel]
    columns: tuple[Col, ...]
    key: tuple[str, ...]  # database columns that identify a row
    file_name: str = ""
    # Columns written to the database but not read from the file (filled by the engine).
    derived: tuple[str, ...] = field(default_factory=tuple)

    @property
    def file(self) -> str:
        return self.file_name or f"{self.name}.csv"

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


def _code(max_len: int = 40) -> Col:
    return Col("code", "str", max_len=max_len)


def _id_code(max_len: int = 60) -> Col:
    # Event files name their natural key `id`; it is stored as `code`.
    return Col("id", "str", db="code", max_len=max_len)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "departments",
            m.Department,
            (_code(), Col("name", "str", max_len=200), Col("segment", "str", choices=m.SEGMENTS)),
            key=("code",),
        ),
        Kind(
            "supervisors",
            m.Supervisor,
            (
                _code(),
                Col("name", "str", max_len=200),
                Col("department_code", "ref", db="department_id", ref="departments"),
            ),
            key=("code",),
        ),
        Kind(
            "reps",
            m.Rep,
            (
                _code(),
                Col("name", "str", max_len=200),
                # Not a Rep column: the engine turns it into the rep's first Assignment.
                Col("supervisor_code", "ref", db="supervisor_id", ref="supervisors"),
                Col("hired_on", "date"),
                Col("left_on", "date", required=False),
            ),
            key=("code",),
        ),
        Kind(
            "assignments",
            m.Assignment,
            (
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("supervisor_code", "ref", db="supervisor_id", ref="supervisors"),
                Col("start_on", "date"),
            ),
            key=("rep_id", "start_on"),
        ),
        Kind(
            "customers",
            m.Customer,
            (
                _code(60),
                Col("name", "str", max_len=300),
                Col("segment", "str", choices=m.SEGMENTS),
                Col("department_code", "ref", db="department_id", ref="departments"),
                Col("owner_rep_code", "ref", db="owner_rep_id", ref="reps", required=False),
                Col("key_account", "bool"),
                Col("since", "date"),
            ),
            key=("code",),
        ),
        Kind(
            "bookings",
            m.Booking,
            (
                _id_code(),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("customer_code", "ref", db="customer_id", ref="customers"),
                Col("booked_on", "date"),
                Col("amount", "float", min=0),
            ),
            key=("code",),
        ),
        Kind(
            "targets",
            m.Target,
            (
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("month", "month", db="month_start"),
                Col("amount", "float", min=0),
            ),
            key=("rep_id", "month_start"),
        ),
        Kind(
            "plans",
            m.Plan,
            (
                Col("department_code", "ref", db="department_id", ref="departments"),
                Col("year", "int", min=1990, max=2200),
                Col("amount", "float", min=0),
                Col("industry_growth_pct", "float", min=-100, max=1000),
            ),
            key=("department_id", "year"),
        ),
        Kind(
            "activities",
            m.Activity,
            (
                _id_code(),
                Col("supervisor_code", "ref", db="supervisor_id", ref="supervisors"),
                Col("date", "date"),
                Col("kind", "str", choices=m.ACTIVITY_KINDS),
                Col("minutes", "int", min=0, max=24 * 60),
                # Attendees go to ActivityAttendee; codes are checked against reps.
                Col("rep_codes", "list", required=False),
            ),
            key=("code",),
        ),
        Kind(
            "training",
            m.Training,
            (
                _id_code(),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("date", "date"),
                Col("hours", "float", min=0, max=24),
                Col("topic", "str", required=False, max_len=300),
            ),
            key=("code",),
        ),
        Kind(
            "exams",
            m.Exam,
            (
                _id_code(),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("date", "date"),
                Col("score", "float", min=0, max=100),
                Col("passed", "bool"),
            ),
            key=("code",),
        ),
        Kind(
            "surveys",
            m.Survey,
            (
                _id_code(),
                Col("customer_code", "ref", db="customer_id", ref="customers"),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("date", "date"),
                Col("score", "int", min=1, max=5),
            ),
            key=("code",),
        ),
        Kind(
            "rep_ratings",
            m.RepRating,
            (
                Col("supervisor_code", "ref", db="supervisor_id", ref="supervisors"),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("quarter", "quarter"),
                Col("score", "float", min=1, max=5),
            ),
            key=("supervisor_id", "rep_id", "quarter"),
        ),
        Kind(
            "supervisor_ratings",
            m.SupervisorRating,
            (
                Col("supervisor_code", "ref", db="supervisor_id", ref="supervisors"),
                Col("quarter", "quarter"),
                Col("score", "float", min=1, max=5),
            ),
            key=("supervisor_id", "quarter"),
        ),
        Kind(
            "csat_targets",
            m.CsatTarget,
            (
                Col("department_code", "ref", db="department_id", ref="departments"),
                Col("year", "int", min=1990, max=2200),
                Col("csat_pct", "float", min=0, max=100),
            ),
            key=("department_id", "year"),
        ),
        Kind(
            "complaints",
            m.Complaint,
            (
                _id_code(120),
                Col("received_at", "datetime"),
                # Customer and department may be codes or names; unresolved ones make the
                # complaint "unmatched" instead of rejecting it (nothing is dropped).
                Col("customer_code", "str", db="customer_ref", required=False, max_len=300),
                Col("department_code", "str", db="department_ref", required=False, max_len=300),
                Col("category", "str", required=False, max_len=200),
                Col("severity", "str", required=False, max_len=40),
                Col("channel", "str", required=False, max_len=40),
                Col("status", "str", required=False, max_len=40),
                Col("resolved_at", "datetime", required=False),
                Col("description", "str", required=False),
            ),
            key=("source", "code"),
            derived=(
                "source",
                "received_week",
                "customer_id",
                "department_id",
                "match_status",
                "unmatched_reason",
            ),
        ),
        Kind(
            "contacts",
            m.Contact,
            (
                _id_code(),
                Col("customer_code", "ref", db="customer_id", ref="customers"),
                Col("rep_code", "ref", db="rep_id", ref="reps"),
                Col("date", "date"),
                Col("kind", "str", required=False, max_len=40),
            ),
            key=("code",),
        ),
    )
}

# Order in which a folder is loaded: every kind after the kinds it refers to.
LOAD_ORDER: tuple[str, ...] = (
    "departments",
    "supervisors",
    "reps",
    "assignments",
    "customers",
    "bookings",
    "targets",
    "plans",
    "activities",
    "training",
    "exams",
    "surveys",
    "rep_ratings",
    "supervisor_ratings",
    "csat_targets",
    "complaints",
    "contacts",
)


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(LOAD_ORDER)
        raise ValueError(f"Unknown record kind '{name}'. Known kinds: {known}.") from None
