"""Every Tripod table, in one module (SQLModel). Natural keys are `code` columns; ids are surrogate.

Time convention: columns typed `NaiveDatetime` hold the organisation's *local* wall-clock time
(settings.timezone, default Asia/Shanghai), exactly as call-center systems export it; weeks and
days are computed from that local time. Audit timestamps (`*_at_utc`) are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import NaiveDatetime
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Numeric,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# A fixed naming convention keeps constraint names stable across SQLite and PostgreSQL, so
# Alembic migrations (batch mode on SQLite) can refer to them by name.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SEGMENTS = ("bank", "non_bank")
ACTIVITY_KINDS = ("team_meeting", "coaching", "joint_visit", "knowledge_share", "team_event")
ROLES = ("admin", "director", "manager", "supervisor", "call_center")
UPLOAD_STATUSES = ("committed", "refused", "undone", "dry_run")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _money(nullable: bool = False) -> Column:
    # NUMERIC on PostgreSQL keeps cents exact; values come back as float for pandas.
    return Column(Numeric(16, 2, asdecimal=False), nullable=nullable)


def _utc_column(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# --- organisation -------------------------------------------------------------------------


class Department(SQLModel, table=True):
    """A department: owns customers of one segment (bank / non-bank)."""

    __table_args__ = (CheckConstraint(_in("segment", SEGMENTS), name="segment"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    segment: str = Field(max_length=10)


class Supervisor(SQLModel, table=True):
    """A supervisor (主管): leads one team of sales representatives in one department."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    department_id: int = Field(foreign_key="department.id", index=True)


class Rep(SQLModel, table=True):
    """A sales representative (销售代表); team membership over time lives in Assignment."""

    __table_args__ = (CheckConstraint("left_on IS NULL OR left_on >= hired_on", name="left_after_hired"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    hired_on: date
    left_on: date | None = None


class Assignment(SQLModel, table=True):
    """A rep's membership of a supervisor's team from start_on until the day before end_on.

    The first row of each rep starts on hired_on (from reps.csv); later rows come from
    assignments.csv. end_on is derived (the next row's start_on) and kept by the importer so
    that "whose team was this rep in on day d" is a plain range join.
    """

    __table_args__ = (
        UniqueConstraint("rep_id", "start_on"),
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="end_after_start"),
        Index("ix_assignment_supervisor_span", "supervisor_id", "start_on", "end_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    rep_id: int = Field(foreign_key="rep.id", index=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    start_on: date
    end_on: date | None = None


class Customer(SQLModel, table=True):
    """A customer account of one department and segment, owned by one rep."""

    __table_args__ = (CheckConstraint(_in("segment", SEGMENTS), name="segment"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=300, index=True)
    segment: str = Field(max_length=10)
    department_id: int = Field(foreign_key="department.id", index=True)
    owner_rep_id: int | None = Field(default=None, foreign_key="rep.id", index=True)
    key_account: bool = False
    since: date


# --- sales --------------------------------------------------------------------------------


class Booking(SQLModel, table=True):
    """A booked sale that counts against the rep's target on booked_on."""

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_booking_booked_on_rep", "booked_on", "rep_id"),
        # One team's bookings in a window: seek by rep, then range on the date.
        Index("ix_booking_rep_booked_on", "rep_id", "booked_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    rep_id: int = Field(foreign_key="rep.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    booked_on: date
    amount: float = Field(sa_column=_money())


class BookingWeek(SQLModel, table=True):
    """Bookings summed per rep and ISO week: a pre-aggregate of Booking kept by core.aggregates.

    `week` is core.periods.week_index (week k starts on day FIRST_MONDAY + 7k, the SQL side's
    `week_number`); amount_cents is Σ round(amount × 100) of the week's bookings, so sums of
    cells equal sums of rows to the cent. A cell exists exactly when the rep has a booking that
    week. Every write to Booking refreshes the cells it touches in the same transaction.
    """

    __tablename__ = "booking_week"

    # SQLite: without rowid the primary key is the table (a rep's weeks lie together), and the
    # index by week carries the amount, so neither read needs a second lookup per cell.
    __table_args__ = (
        Index("ix_booking_week_week_rep", "week", "rep_id", "amount_cents"),
        {"sqlite_with_rowid": False},
    )
    rep_id: int = Field(foreign_key="rep.id", primary_key=True)
    week: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    bookings: int
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))


class Target(SQLModel, table=True):
    """A rep's sales target for one calendar month (month_start is the 1st of that month)."""

    __table_args__ = (
        UniqueConstraint("rep_id", "month_start"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    rep_id: int = Field(foreign_key="rep.id")
    month_start: date = Field(index=True)
    amount: float = Field(sa_column=_money())


class Plan(SQLModel, table=True):
    """A department's annual sales plan beside the industry's forecast growth for that year."""

    __table_args__ = (
        UniqueConstraint("department_id", "year"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("year BETWEEN 1990 AND 2200", name="year_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id")
    year: int
    amount: float = Field(sa_column=_money())
    industry_growth_pct: float


# --- team and skills ----------------------------------------------------------------------


class Activity(SQLModel, table=True):
    """A team activity run by a supervisor (meeting, coaching, joint visit, ...)."""

    __table_args__ = (
        CheckConstraint(_in("kind", ACTIVITY_KINDS), name="kind"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        Index("ix_activity_supervisor_date", "supervisor_id", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    date: date
    kind: str = Field(max_length=20)
    minutes: int


class ActivityAttendee(SQLModel, table=True):
    """A rep who took part in an activity."""

    __tablename__ = "activity_attendee"

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, ondelete="CASCADE")
    rep_id: int = Field(foreign_key="rep.id", primary_key=True, index=True)


class Training(SQLModel, table=True):
    """Hours of training one rep received on one day."""

    __table_args__ = (
        CheckConstraint("hours >= 0 AND hours <= 24", name="hours_range"),
        Index("ix_training_rep_date", "rep_id", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    rep_id: int = Field(foreign_key="rep.id")
    date: date
    hours: float
    topic: str = Field(default="", max_length=300)


class Exam(SQLModel, table=True):
    """One attempt at the department manager's hands-on exam (实战考试)."""

    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        Index("ix_exam_rep_date", "rep_id", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    rep_id: int = Field(foreign_key="rep.id")
    date: date
    score: float
    passed: bool


# --- customers' voice ---------------------------------------------------------------------


class Survey(SQLModel, table=True):
    """A customer-satisfaction survey answer (1-5) about one rep."""

    __table_args__ = (
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
        Index("ix_survey_date_rep", "date", "rep_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    rep_id: int = Field(foreign_key="rep.id")
    date: date
    score: int


class RepRating(SQLModel, table=True):
    """A supervisor's quarterly rating (1-5) of one rep's customer satisfaction."""

    __tablename__ = "rep_rating"

    __table_args__ = (
        UniqueConstraint("supervisor_id", "rep_id", "quarter"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    rep_id: int = Field(foreign_key="rep.id", index=True)
    quarter: str = Field(max_length=7)  # YYYY-Qn
    score: float


class SupervisorRating(SQLModel, table=True):
    """The company's quarterly rating (1-5) of a supervisor's customer satisfaction."""

    __tablename__ = "supervisor_rating"

    __table_args__ = (
        UniqueConstraint("supervisor_id", "quarter"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    quarter: str = Field(max_length=7)
    score: float


class CsatTarget(SQLModel, table=True):
    """A department's yearly customer-satisfaction indicator (target CSAT %)."""

    __tablename__ = "csat_target"

    __table_args__ = (
        UniqueConstraint("department_id", "year"),
        CheckConstraint("csat_pct >= 0 AND csat_pct <= 100", name="csat_pct_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id")
    year: int
    csat_pct: float


UNMATCHED_ONLY = "match_status = 'unmatched'"


class Complaint(SQLModel, table=True):
    """A complaint logged by the call center; ids are unique per source system.

    department_id is the attributed department (given in the file, else the customer's);
    when neither resolves, match_status is 'unmatched' and unmatched_reason says why.
    received_week is the Monday of the local ISO week, stored for fast weekly aggregation.
    """

    __table_args__ = (
        UniqueConstraint("source", "code"),
        CheckConstraint("match_status IN ('matched', 'unmatched')", name="match_status"),
        CheckConstraint("resolved_at IS NULL OR resolved_at >= received_at", name="resolved_after"),
        Index("ix_complaint_received_at", "received_at"),
        Index("ix_complaint_week_department", "received_week", "department_id"),
        Index("ix_complaint_customer_received", "customer_id", "received_at"),
        # The complaints waiting for attribution, newest first (a partial index: only those rows).
        Index(
            "ix_complaint_unmatched_received",
            "received_at",
            "id",
            sqlite_where=text(UNMATCHED_ONLY),
            postgresql_where=text(UNMATCHED_ONLY),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default="callcenter", max_length=60)
    code: str = Field(max_length=120)
    received_at: NaiveDatetime
    received_week: date
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    customer_ref: str = Field(default="", max_length=300)  # customer as written in the file
    department_ref: str = Field(default="", max_length=300)  # department as written
    category: str = Field(default="", max_length=200)
    severity: str = Field(default="", max_length=40)
    channel: str = Field(default="", max_length=40)
    status: str = Field(default="", max_length=40)
    resolved_at: NaiveDatetime | None = None
    description: str = ""
    match_status: str = Field(default="matched", max_length=10)
    unmatched_reason: str = Field(default="", max_length=300)
    upload_id: int | None = Field(default=None, foreign_key="upload.id", index=True)  # last written by
    created_upload_id: int | None = Field(default=None, foreign_key="upload.id", index=True)  # inserted by
    # A 64-bit hash of the values the importer compares, written with them; a re-upload compares
    # it alone. NULL when the row was changed otherwise (a resolved name): then every value is compared.
    row_hash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class Contact(SQLModel, table=True):
    """A proactive contact of a rep with a customer (visit, call, review ...)."""

    __table_args__ = (Index("ix_contact_customer_date", "customer_id", "date"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    rep_id: int = Field(foreign_key="rep.id", index=True)
    date: date
    kind: str = Field(default="", max_length=40)


# --- operations ---------------------------------------------------------------------------


class Upload(SQLModel, table=True):
    """The audit record of one import: who, when, which file, how, and each outcome's count."""

    __table_args__ = (
        CheckConstraint(_in("status", UPLOAD_STATUSES), name="status"),
        Index("ix_upload_kind_hash", "kind", "file_hash"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    source: str = Field(default="", max_length=60)
    file_name: str = Field(default="", max_length=500)
    file_hash: str = Field(default="", max_length=64)  # sha256 hex of the bytes
    size_bytes: int = 0
    encoding: str = Field(default="", max_length=40)
    mapping_json: str = "{}"
    username: str = Field(default="", max_length=120)
    created_at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))
    status: str = Field(default="committed", max_length=10)
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicate: int = 0
    unmatched: int = 0
    rejected: int = 0
    message: str = ""
    undone_at_utc: datetime | None = Field(default=None, sa_column=_utc_column())
    undone_by: str = Field(default="", max_length=120)


class UploadChange(SQLModel, table=True):
    """A complaint an upload updated, with its values from before (JSON), so the upload can be undone."""

    __tablename__ = "upload_change"

    __table_args__ = (UniqueConstraint("upload_id", "complaint_id"),)
    id: int | None = Field(default=None, primary_key=True)
    upload_id: int = Field(foreign_key="upload.id")
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    previous_json: str = "{}"


class NameAlias(SQLModel, table=True):
    """A customer or department name that someone resolved: later uploads attribute it directly.

    name_key is the name after NFKC, trimming, space folding and case-folding; exactly one of
    customer_id / department_id is set.
    """

    __tablename__ = "name_alias"

    __table_args__ = (CheckConstraint("(customer_id IS NULL) <> (department_id IS NULL)", name="one_target"),)
    id: int | None = Field(default=None, primary_key=True)
    name_key: str = Field(max_length=300, unique=True)
    written: str = Field(default="", max_length=300)  # as first written in a file
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    created_by: str = Field(default="", max_length=120)
    created_at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))


class MappingProfile(SQLModel, table=True):
    """A confirmed column mapping, offered again when a file with the same header arrives."""

    __tablename__ = "mapping_profile"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(default="complaints", max_length=40)
    header_signature: str = Field(max_length=64, index=True)  # sha256 of the normalised header
    mapping_json: str = "{}"
    created_by: str = Field(default="", max_length=120)
    created_at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))


class User(SQLModel, table=True):
    """A person who signs in; the role decides the pages, department_id the scope of managers."""

    __tablename__ = "app_user"

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, unique=True)
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True)
    role: str = Field(max_length=20)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    supervisor_id: int | None = Field(default=None, foreign_key="supervisor.id")
    password_hash: str = ""
    is_active: bool = True
    failed_attempts: int = 0
    locked_until_utc: datetime | None = Field(default=None, sa_column=_utc_column())
    created_at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))
    last_login_at_utc: datetime | None = Field(default=None, sa_column=_utc_column())


class Note(SQLModel, table=True):
    """A manager's note, and optionally an action (what, owner, due week), on a supervisor's week."""

    __table_args__ = (Index("ix_note_supervisor_week", "supervisor_id", "week"),)
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    week: str = Field(max_length=8)  # ISO week, e.g. 2026-W47
    text: str = ""
    action: str = ""
    action_owner: str = Field(default="", max_length=200)
    action_due_week: str | None = Field(default=None, max_length=8)
    action_closed_at_utc: datetime | None = Field(default=None, sa_column=_utc_column())
    created_by: str = Field(default="", max_length=120)
    created_at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))


class AuditEvent(SQLModel, table=True):
    """Who changed what and when: uploads, undo, notes, user changes."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at_utc: datetime = Field(default_factory=utc_now, sa_column=_utc_column(False))
    username: str = Field(default="", max_length=120)
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=200)
    detail: str = ""


# The weekly pre-aggregates follow every ORM write of the facts they sum (core.aggregates).
import core.aggregates  # noqa: E402, F401
