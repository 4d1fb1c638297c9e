"""Sign-in and access: password hashing, lockout, roles, pages per role, data scope, user management."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, func, select, true
from sqlmodel import Session

from core.audit import coded_detail, record_event
from core.i18n import N_, t
from core.models import Department, Supervisor, User

# --- roles, pages and permissions ---------------------------------------------------------


class Role(StrEnum):
    ADMIN = "admin"
    DIRECTOR = "director"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    CALL_CENTER = "call_center"


class Permission(StrEnum):
    UPLOAD = "upload"
    UNDO_UPLOAD = "undo_upload"
    MANAGE_USERS = "manage_users"
    RECORD_NOTES = "record_notes"
    RECORD_DATA = "record_data"  # activities, exam results, ratings


_A, _D, _M, _S, _C = Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SUPERVISOR, Role.CALL_CENTER

# The one table of who may open which page, in navigation order. Directors read everything but
# do not load data: uploads belong to the people who own the data (managers, the call center).
PAGE_ACCESS: dict[str, frozenset[Role]] = {
    "this_week": frozenset({_A, _D, _M}),
    "compare": frozenset({_A, _D}),
    "supervisor": frozenset({_A, _D, _M, _S}),
    "satisfaction": frozenset({_A, _D, _M, _C}),
    "plans": frozenset({_A, _D, _M}),
    "overview": frozenset({_A, _D, _M, _C}),
    "upload": frozenset({_A, _M, _C}),
    "method": frozenset({_A, _D, _M, _S, _C}),
    "admin": frozenset({_A}),
}
PAGE_KEYS: tuple[str, ...] = tuple(PAGE_ACCESS)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    _A: frozenset(Permission),
    _D: frozenset({Permission.RECORD_NOTES}),
    _M: frozenset({Permission.UPLOAD, Permission.RECORD_NOTES, Permission.RECORD_DATA}),
    _S: frozenset(),
    _C: frozenset({Permission.UPLOAD}),
}


def _role(role: str | Role) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        return None


def pages_for_role(role: str | Role) -> list[str]:
    """Page keys this role may open, in navigation order; an unknown role gets none."""
    known = _role(role)
    return [key for key, roles in PAGE_ACCESS.items() if known in roles]


def can_open(role: str | Role, page_key: str) -> bool:
    return _role(role) in PAGE_ACCESS.get(page_key, frozenset())


def can(role: str | Role, permission: str | Permission) -> bool:
    known = _role(role)
    return known is not None and Permission(permission) in PERMISSIONS[known]


# --- data scope ---------------------------------------------------------------------------


class _ScopedUser(Protocol):
    role: str
    department_id: int | None
    supervisor_id: int | None


@dataclass(frozen=True)
class Scope:
    """Which rows a user may see. None means no restriction; an empty set means nothing."""

    department_ids: frozenset[int] | None
    supervisor_ids: frozenset[int] | None
    complaints_only: bool = False  # call center: complaint figures only, no supervisor scores

    @property
    def all_departments(self) -> bool:
        return self.department_ids is None

    def allows_department(self, department_id: int | None) -> bool:
        if self.department_ids is None:
            return True
        return department_id is not None and department_id in self.department_ids

    def allows_supervisor(self, supervisor_id: int | None) -> bool:
        if self.supervisor_ids is None:
            return True
        return supervisor_id is not None and supervisor_id in self.supervisor_ids


NOTHING = Scope(department_ids=frozenset(), supervisor_ids=frozenset())


def _one(value: int | None) -> frozenset[int]:
    return frozenset() if value is None else frozenset({value})


def scope_for(user: _ScopedUser) -> Scope:
    """The data scope of a user (a User row or a CurrentUser); unknown or incomplete users see nothing."""
    role = _role(user.role)
    if role in (Role.ADMIN, Role.DIRECTOR):
        return Scope(department_ids=None, supervisor_ids=None)
    if role is Role.CALL_CENTER:
        return Scope(department_ids=None, supervisor_ids=None, complaints_only=True)
    if role is Role.MANAGER:
        return Scope(department_ids=_one(user.department_id), supervisor_ids=None)
    if role is Role.SUPERVISOR and user.supervisor_id is not None:
        return Scope(department_ids=_one(user.department_id), supervisor_ids=_one(user.supervisor_id))
    return NOTHING


# A department id no row has: what a restricted scope with no department resolves to, so that
# `WHERE department_id = NO_DEPARTMENT` returns nothing instead of "no filter".
NO_DEPARTMENT = -1


def clamp_department(scope: Scope, requested_department_id: int | None) -> int | None:
    """The department a page may show for a requested id (from a widget or the URL).

    Unrestricted scopes get what they asked for (None = all departments). A restricted scope
    never gets None: a department outside it (forged or stale) becomes the user's own
    department, or NO_DEPARTMENT when the user has none.
    """
    if scope.department_ids is None:
        return requested_department_id
    if requested_department_id is not None and requested_department_id in scope.department_ids:
        return requested_department_id
    return min(scope.department_ids) if scope.department_ids else NO_DEPARTMENT


def department_condition(scope: Scope, column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting `column` (a department id column) to the scope."""
    if scope.department_ids is None:
        return true()
    if not scope.department_ids:
        return false()
    return column.in_(sorted(scope.department_ids))


def supervisor_condition(scope: Scope, column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting `column` (a supervisor id column) to the scope."""
    if scope.supervisor_ids is None:
        return true()
    if not scope.supervisor_ids:
        return false()
    return column.in_(sorted(scope.supervisor_ids))


# --- policy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthPolicy:
    max_failures: int = 5  # failed sign-ins in a row before the account locks
    lock_minutes: int = 15
    idle_minutes: int = 30  # a signed-in session with no activity this long is signed out
    min_password_length: int = 10


DEFAULT_POLICY = AuthPolicy()


def load_policy(env: Mapping[str, str] | None = None) -> AuthPolicy:
    """Policy from TRIPOD_LOCK_AFTER, TRIPOD_LOCK_MINUTES and TRIPOD_IDLE_MINUTES (defaults otherwise)."""
    env = os.environ if env is None else env

    def number(name: str, default: int) -> int:
        # A mistyped value falls back to the default: a typo must not lock everyone out.
        raw = (env.get(name) or "").strip()
        return max(1, int(raw)) if raw.isdigit() else default

    return AuthPolicy(
        max_failures=number("TRIPOD_LOCK_AFTER", DEFAULT_POLICY.max_failures),
        lock_minutes=number("TRIPOD_LOCK_MINUTES", DEFAULT_POLICY.lock_minutes),
        idle_minutes=number("TRIPOD_IDLE_MINUTES", DEFAULT_POLICY.idle_minutes),
    )


def is_idle_expired(last_activity_utc: datetime, now: datetime, policy: AuthPolicy = DEFAULT_POLICY) -> bool:
    return now - last_activity_utc > timedelta(minutes=policy.idle_minutes)


# --- texts --------------------------------------------------------------------------------

# Messages chosen by a stable code at run time; the Chinese is in locales/zh/LC_MESSAGES/auth.po.
MESSAGES: dict[str, str] = {
    "auth.invalid": N_("Wrong username or password."),
    "auth.locked": N_("Too many failed sign-ins: this account is locked. Try again in {minutes} minute(s)."),
    "auth.disabled": N_("This account is disabled. Please contact an administrator."),
    "auth.unknown_email": N_("No Tripod user has the email {email}. Ask an administrator to add you."),
    "auth.idle_signed_out": N_(
        "You were signed out after {minutes} minutes without activity. Please sign in again."
    ),
    "user.unknown_role": N_("Unknown role '{role}'. Choose one of: {roles}."),
    "user.bad_username": N_("Invalid username '{username}': use 2-120 letters, digits or . _ @ -."),
    "user.duplicate_username": N_("The username '{username}' is already taken."),
    "user.duplicate_email": N_("The email {email} already belongs to another user."),
    "user.bad_email": N_("'{email}' is not a valid email address."),
    "user.manager_needs_department": N_("A manager needs a department (--department CODE)."),
    "user.supervisor_needs_supervisor": N_("A supervisor user needs a supervisor code (--supervisor CODE)."),
    "user.role_takes_no_department": N_(
        "The role '{role}' sees every department; it takes no department or supervisor."
    ),
    "user.manager_takes_no_supervisor": N_("A manager takes a department, not a supervisor code."),
    "user.unknown_department": N_("Unknown department code '{code}'."),
    "user.unknown_supervisor": N_("Unknown supervisor code '{code}'."),
    "user.supervisor_department_mismatch": N_(
        "Supervisor {supervisor} belongs to department {actual}, not {given}."
    ),
    "user.weak_password": N_("Password too short: use at least {min} characters."),
    "user.password_is_username": N_("The password must not be the username."),
    "user.unknown_user": N_("There is no user '{username}'."),
}

ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.DIRECTOR: N_("Director"),
    Role.MANAGER: N_("Department manager"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.CALL_CENTER: N_("Call center"),
}


def text(code: str, lang: str, /, **fmt: Any) -> str:
    return t(MESSAGES[code], lang, **fmt)


def role_label(role: str | Role, lang: str) -> str:
    known = _role(role)
    return t(ROLE_LABELS[known], lang) if known else str(role)


class UserError(ValueError):
    """A user-management request that was refused; message(lang) says why."""

    def __init__(self, code: str, /, **fmt: Any) -> None:
        self.code = code
        self.fmt = fmt
        super().__init__(text(code, "en", **fmt))

    def message(self, lang: str) -> str:
        return text(self.code, lang, **self.fmt)


# --- hashing ------------------------------------------------------------------------------

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory parameters; a stored hash made
# with other parameters is upgraded on the next successful sign-in.
_HASHER = PasswordHasher()
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn_verify(password: str) -> None:
    # Spend the same time on an unknown username as on a wrong password, so response time
    # does not reveal which usernames exist.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _HASHER.hash("tripod-timing-equaliser")
    verify_password(_dummy_hash, password)


# --- signing in ---------------------------------------------------------------------------


class AuthStatus(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # wrong password or unknown user: one answer for both
    LOCKED = "locked"
    DISABLED = "disabled"
    UNKNOWN_EMAIL = "unknown_email"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as pages need it: plain values, safe to keep in a UI session."""

    id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    department_code: str | None
    supervisor_id: int | None
    supervisor_code: str | None
    email: str | None = None
    via: str = "password"  # or "oidc"

    @property
    def scope(self) -> Scope:
        return scope_for(self)

    @property
    def pages(self) -> list[str]:
        return pages_for_role(self.role)

    def can(self, permission: str | Permission) -> bool:
        return can(self.role, permission)

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class AuthResult:
    status: AuthStatus
    user: CurrentUser | None = None
    minutes_remaining: int | None = None
    email: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is AuthStatus.OK

    def message(self, lang: str) -> str:
        if self.status is AuthStatus.OK:
            return ""
        if self.status is AuthStatus.LOCKED:
            return text("auth.locked", lang, minutes=self.minutes_remaining)
        if self.status is AuthStatus.UNKNOWN_EMAIL:
            return text("auth.unknown_email", lang, email=self.email)
        return text(f"auth.{self.status.value}", lang)


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands timezone-aware columns back naive; they were written as UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def _codes(session: Session, user: User) -> tuple[str | None, str | None]:
    department_code = supervisor_code = None
    if user.department_id is not None:
        department_code = session.scalar(select(Department.code).where(Department.id == user.department_id))
    if user.supervisor_id is not None:
        supervisor_code = session.scalar(select(Supervisor.code).where(Supervisor.id == user.supervisor_id))
    return department_code, supervisor_code


def current_user_from_row(session: Session, user: User, via: str = "password") -> CurrentUser:
    department_code, supervisor_code = _codes(session, user)
    assert user.id is not None
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        department_id=user.department_id,
        department_code=department_code,
        supervisor_id=user.supervisor_id,
        supervisor_code=supervisor_code,
        email=user.email,
        via=via,
    )


def load_current_user(session: Session, user_id: int, via: str = "password") -> CurrentUser | None:
    """Re-read a signed-in user: None once they are deleted or disabled, fresh role and scope otherwise."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return current_user_from_row(session, user, via=via)


def authenticate(
    session: Session, username: str, password: str, now: datetime, policy: AuthPolicy = DEFAULT_POLICY
) -> AuthResult:
    """Check a username and password, counting failures and locking the account after too many.

    Writes the counters to `session`: call it inside `write_session`. `now` is aware UTC.
    """
    now = _require_aware(now)
    # FOR UPDATE: two failed attempts at the same moment must both count (no-op on SQLite,
    # where the write transaction already holds the database lock).
    user = session.exec(
        select(User).where(User.username == normalise_username(username)).with_for_update()
    ).scalar_one_or_none()
    if user is None:
        _burn_verify(password)
        return AuthResult(AuthStatus.INVALID)

    locked_until = _as_utc(user.locked_until_utc)
    if locked_until is not None and locked_until > now:
        minutes = math.ceil((locked_until - now).total_seconds() / 60)
        return AuthResult(AuthStatus.LOCKED, minutes_remaining=minutes)

    if not verify_password(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= policy.max_failures:
            # The counter starts again after the lock, so each lock period allows a fresh series.
            user.failed_attempts = 0
            user.locked_until_utc = now + timedelta(minutes=policy.lock_minutes)
            session.add(user)
            record_event(
                session,
                user.username,
                "user.locked",
                user.username,
                coded_detail("user.locked", minutes=policy.lock_minutes, failures=policy.max_failures),
                at_utc=now,
            )
            return AuthResult(AuthStatus.LOCKED, minutes_remaining=policy.lock_minutes)
        session.add(user)
        return AuthResult(AuthStatus.INVALID)

    # Only a caller who knows the password learns that the account is disabled.
    if not user.is_active:
        return AuthResult(AuthStatus.DISABLED)

    user.failed_attempts = 0
    user.locked_until_utc = None
    user.last_login_at_utc = now
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    return AuthResult(AuthStatus.OK, user=current_user_from_row(session, user))


def authenticate_email(session: Session, email: str, now: datetime) -> AuthResult:
    """Map an identity provider's verified email to a Tripod user (single sign-on)."""
    now = _require_aware(now)
    email = (email or "").strip()
    user = session.exec(
        select(User).where(func.lower(User.email) == email.lower()).with_for_update()
    ).scalar_one_or_none()
    if user is None or not email:
        return AuthResult(AuthStatus.UNKNOWN_EMAIL, email=email)
    if not user.is_active:
        return AuthResult(AuthStatus.DISABLED)
    user.last_login_at_utc = now
    session.add(user)
    session.flush()
    return AuthResult(AuthStatus.OK, user=current_user_from_row(session, user, via="oidc"))


# --- user management ----------------------------------------------------------------------

_USERNAME = re.compile(r"^[\w.@-]{2,120}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_password(password: str, username: str, policy: AuthPolicy = DEFAULT_POLICY) -> None:
    """Raise UserError when the password is too weak (length counts characters, not bytes)."""
    if len(password) < policy.min_password_length:
        raise UserError("user.weak_password", min=policy.min_password_length)
    if password.strip().lower() == normalise_username(username):
        raise UserError("user.password_is_username")


def get_user(session: Session, username: str) -> User:
    user = session.exec(
        select(User).where(User.username == normalise_username(username))
    ).scalar_one_or_none()
    if user is None:
        raise UserError("user.unknown_user", username=username)
    return user


def _resolve_placement(
    session: Session, role: Role, department_code: str | None, supervisor_code: str | None
) -> tuple[int | None, int | None]:
    department_code = (department_code or "").strip() or None
    supervisor_code = (supervisor_code or "").strip() or None
    if role in (Role.ADMIN, Role.DIRECTOR, Role.CALL_CENTER):
        if department_code or supervisor_code:
            raise UserError("user.role_takes_no_department", role=role.value)
        return None, None
    if role is Role.MANAGER:
        if supervisor_code:
            raise UserError("user.manager_takes_no_supervisor")
        if not department_code:
            raise UserError("user.manager_needs_department")
        department_id = session.scalar(select(Department.id).where(Department.code == department_code))
        if department_id is None:
            raise UserError("user.unknown_department", code=department_code)
        return department_id, None
    if not supervisor_code:
        raise UserError("user.supervisor_needs_supervisor")
    row = session.exec(
        select(Supervisor.id, Supervisor.department_id, Department.code)
        .join(Department, Department.id == Supervisor.department_id)
        .where(Supervisor.code == supervisor_code)
    ).first()
    if row is None:
        raise UserError("user.unknown_supervisor", code=supervisor_code)
    supervisor_id, department_id, actual_code = row
    if department_code and department_code != actual_code:
        raise UserError(
            "user.supervisor_department_mismatch",
            supervisor=supervisor_code,
            actual=actual_code,
            given=department_code,
        )
    return department_id, supervisor_id


@dataclass(frozen=True)
class NewUser:
    """A user request that passed every check except the password."""

    username: str
    role: Role
    department_id: int | None
    supervisor_id: int | None
    email: str | None
    placement: dict[str, str]  # {"department": "D01"}, for the audit trail


def check_new_user(
    session: Session,
    username: str,
    role: str,
    department_code: str | None = None,
    supervisor_code: str | None = None,
    email: str | None = None,
) -> NewUser:
    """Validate a new user's name, role, placement and email (the CLI asks before the password prompt)."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise UserError("user.bad_username", username=username)
    known = _role(role)
    if known is None:
        raise UserError("user.unknown_role", role=role, roles=", ".join(r.value for r in Role))
    department_id, supervisor_id = _resolve_placement(session, known, department_code, supervisor_code)
    email = (email or "").strip() or None
    if email is not None:
        if not _EMAIL.match(email):
            raise UserError("user.bad_email", email=email)
        clash = session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
        if clash is not None:
            raise UserError("user.duplicate_email", email=email)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UserError("user.duplicate_username", username=name)
    placement = {
        k: v.strip() for k, v in (("department", department_code), ("supervisor", supervisor_code)) if v
    }
    return NewUser(name, known, department_id, supervisor_id, email, placement)


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str | None,
    department_code: str | None = None,
    supervisor_code: str | None = None,
    display_name: str = "",
    email: str | None = None,
    *,
    actor: str = "system",
    policy: AuthPolicy = DEFAULT_POLICY,
) -> User:
    """Add a user after checking role, placement, uniqueness and password; records an audit event.

    password=None makes a single-sign-on-only user (no local password can match).
    A manager needs department_code; a supervisor user needs supervisor_code (the department
    follows from it).
    """
    new = check_new_user(session, username, role, department_code, supervisor_code, email)
    if password is not None:
        check_password(password, new.username, policy)
    user = User(
        username=new.username,
        display_name=display_name.strip(),
        email=new.email,
        role=new.role.value,
        department_id=new.department_id,
        supervisor_id=new.supervisor_id,
        password_hash=hash_password(password) if password is not None else "",
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor,
        "user.create",
        new.username,
        coded_detail("user.created", role=new.role.value, **new.placement),
    )
    return user


def set_password(
    session: Session,
    username: str,
    password: str,
    *,
    actor: str = "system",
    policy: AuthPolicy = DEFAULT_POLICY,
) -> User:
    """Replace a user's password; also lifts a lock and clears the failure counter."""
    user = get_user(session, username)
    check_password(password, user.username, policy)
    user.password_hash = hash_password(password)
    user.failed_attempts = 0
    user.locked_until_utc = None
    session.add(user)
    record_event(session, actor, "user.set_password", user.username, "")
    return user


def disable_user(session: Session, username: str, *, actor: str = "system") -> User:
    """Stop a user from signing in; the row stays so the audit trail keeps its name."""
    user = get_user(session, username)
    user.is_active = False
    session.add(user)
    record_event(session, actor, "user.disable", user.username, "")
    return user


def enable_user(session: Session, username: str, *, actor: str = "system") -> User:
    user = get_user(session, username)
    user.is_active = True
    user.failed_attempts = 0
    user.locked_until_utc = None
    session.add(user)
    record_event(session, actor, "user.enable", user.username, "")
    return user


@dataclass(frozen=True)
class UserSummary:
    username: str
    display_name: str
    email: str | None
    role: str
    department_code: str | None
    supervisor_code: str | None
    is_active: bool
    locked_until_utc: datetime | None
    last_login_at_utc: datetime | None


def list_users(session: Session) -> list[UserSummary]:
    rows = session.exec(
        select(
            User.username,
            User.display_name,
            User.email,
            User.role,
            Department.code,
            Supervisor.code,
            User.is_active,
            User.locked_until_utc,
            User.last_login_at_utc,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(Supervisor, Supervisor.id == User.supervisor_id)
        .order_by(User.username)
    ).all()
    return [
        UserSummary(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), _as_utc(r[7]), _as_utc(r[8]))
        for r in rows
    ]


# --- demo users ---------------------------------------------------------------------------

# (username, role, password, department_code, supervisor_code). Documented in docs/operations.md
# and shown on the sign-in page in demo mode only.
DEMO_USERS: tuple[tuple[str, Role, str, str | None, str | None], ...] = (
    ("admin", Role.ADMIN, "demo-admin", None, None),
    ("director", Role.DIRECTOR, "demo-director", None, None),
    ("manager_d01", Role.MANAGER, "demo-manager", "D01", None),
    ("manager_d03", Role.MANAGER, "demo-manager", "D03", None),
    ("supervisor_s01", Role.SUPERVISOR, "demo-supervisor", None, "S01"),
    ("callcenter", Role.CALL_CENTER, "demo-callcenter", None, None),
)


def ensure_demo_users(session: Session) -> list[tuple[str, str, str, str | None]]:
    """Create the missing demo users (demo mode only) and list (username, role, password, department).

    A demo user whose department or supervisor is not loaded yet is skipped, and one whose
    username is taken by a user of another role is left alone and not listed.
    """
    existing = {name: role for name, role in session.exec(select(User.username, User.role)).all()}
    departments = dict(session.exec(select(Department.code, Department.id)).all())
    supervisors = {
        code: dept_code
        for code, dept_code in session.exec(
            select(Supervisor.code, Department.code).join(
                Department, Department.id == Supervisor.department_id
            )
        ).all()
    }
    listed: list[tuple[str, str, str, str | None]] = []
    for username, role, password, department_code, supervisor_code in DEMO_USERS:
        if department_code and department_code not in departments:
            continue
        if supervisor_code and supervisor_code not in supervisors:
            continue
        shown_department = department_code or (supervisors[supervisor_code] if supervisor_code else None)
        if username in existing:
            if existing[username] == role.value:
                listed.append((username, role.value, password, shown_department))
            continue
        create_user(session, username, role, password, department_code, supervisor_code, actor="demo-setup")
        listed.append((username, role.value, password, shown_department))
    return listed
