"""Notes and actions on a supervisor's week (the closed loop): write, close, list, and what is unexplained.

A manager writes a note on a supervisor's ISO week, optionally with an action (what, owner,
due week). An action stays open, and shows on every later week, until someone closes it. A
week whose supervisor has a tipped balance or a red figure and no note is "unexplained".
Every write checks the writer's role and scope and leaves an audit event in the same
transaction, so a refused or rolled-back write leaves no trace either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.auth import Permission, can, scope_for
from core.i18n import N_, normalise_language, t
from core.metrics.status import needs_explaining
from core.models import CsatTarget, Department, Note, Supervisor, utc_now
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import PeriodError, normalise_week, parse_week
from core.settings import get_settings

NOTE_COLUMNS = [
    "note_id",
    "supervisor_id",
    "supervisor_code",
    "supervisor_name",
    "week",
    "text",
    "action",
    "action_owner",
    "action_due_week",
    "action_closed_at_utc",
    "created_by",
    "created_at_utc",
]
UNEXPLAINED_COLUMNS = ["supervisor_id", "supervisor_code", "supervisor_name", "reasons"]
TEXT_MAX = 4000  # a note is a few sentences; a pasted report belongs in a file
OWNER_MAX = 200  # the column's width

_MESSAGES = {
    "not_allowed": N_("Your role may not record notes or actions."),
    "outside_scope": N_("This supervisor is outside your access."),
    "unknown_supervisor": N_("There is no such supervisor."),
    "bad_week": N_("'{week}' is not an ISO week such as 2026-W47."),
    "empty": N_("Write a note or an action."),
    "too_long": N_("A note or an action may hold at most {limit} characters."),
    "owner_needed": N_("Name who owns the action."),
    "due_before_week": N_("The due week {due} is before the week of the note, {week}."),
    "unknown_note": N_("There is no such note."),
    "no_action": N_("This note has no action to close."),
    "already_closed": N_("This action is already closed."),
}


class NoteUser(Protocol):
    """Who writes: a core.auth.CurrentUser, or a User row."""

    username: str
    role: str
    department_id: int | None
    supervisor_id: int | None


class NoteError(ValueError):
    """A note or action that cannot be written; `text(lang)` says why in Chinese or English."""

    def __init__(self, code: str, **fmt: object) -> None:
        self.code = code
        self.fmt = fmt
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return t(_MESSAGES[self.code], normalise_language(lang), **self.fmt)


class NotePermissionError(NoteError, PermissionError):
    """The writer's role or scope does not allow this write."""


# --- checks -------------------------------------------------------------------------------


def _week(value: str) -> str:
    try:
        return normalise_week(value)
    except PeriodError:
        raise NoteError("bad_week", week=value) from None


def _check_writer(session: Session, supervisor_id: int, user: NoteUser) -> Supervisor:
    """The supervisor row, once the user may write notes and may see this supervisor.

    Outside the scope and non-existent get different messages only for users who may write
    notes at all; a department's manager learns nothing about another department's ids
    beyond "outside your access".
    """
    if not can(user.role, Permission.RECORD_NOTES):
        raise NotePermissionError("not_allowed")
    supervisor = session.get(Supervisor, supervisor_id)
    scope = scope_for(user)
    if supervisor is None:
        if scope.department_ids is not None:
            raise NotePermissionError("outside_scope")
        raise NoteError("unknown_supervisor")
    if not (scope.allows_department(supervisor.department_id) and scope.allows_supervisor(supervisor.id)):
        raise NotePermissionError("outside_scope")
    return supervisor


def week_end_utc(week: str) -> datetime:
    """The instant the local ISO week ends (the next Monday 00:00 local), in UTC."""
    sunday = parse_week(week)[1]
    local = datetime.combine(sunday + timedelta(days=1), time.min, tzinfo=get_settings().tz)
    return local.astimezone(UTC)


# --- writes -------------------------------------------------------------------------------


def add_note(
    session: Session,
    supervisor_id: int,
    week: str,
    text: str,
    action: str = "",
    owner: str = "",
    due_week: str | None = None,
    *,
    user: NoteUser,
) -> Note:
    """Record a note (and optionally an action) on a supervisor's week; raises NoteError.

    An action needs an owner; its due week, when given, is not before the note's week.
    """
    supervisor = _check_writer(session, supervisor_id, user)
    week = _week(week)
    text, action, owner = (text or "").strip(), (action or "").strip(), (owner or "").strip()
    if not text and not action:
        raise NoteError("empty")
    if len(text) > TEXT_MAX or len(action) > TEXT_MAX:
        raise NoteError("too_long", limit=TEXT_MAX)
    due = _week(due_week) if due_week and due_week.strip() else None
    if action and not owner:
        raise NoteError("owner_needed")
    if not action:
        owner, due = "", None
    if due is not None and due < week:
        raise NoteError("due_before_week", due=due, week=week)
    note = Note(
        supervisor_id=supervisor.id,
        week=week,
        text=text,
        action=action,
        action_owner=owner[:OWNER_MAX],
        action_due_week=due,
        created_by=user.username,
        created_at_utc=utc_now(),
    )
    session.add(note)
    session.flush()  # the id goes into the audit event
    record_event(
        session,
        user.username,
        "note.add",
        f"{supervisor.code} {week}",
        {"note_id": note.id, "action": bool(action), "owner": owner, "due_week": due},
    )
    return note


def close_action(session: Session, note_id: int, *, user: NoteUser, now: datetime | None = None) -> Note:
    """Mark a note's action as done (now, in UTC); raises NoteError."""
    if not can(user.role, Permission.RECORD_NOTES):
        raise NotePermissionError("not_allowed")
    note = session.get(Note, note_id)
    if note is None:
        raise NoteError("unknown_note")
    supervisor = _check_writer(session, note.supervisor_id, user)
    if not (note.action or "").strip():
        raise NoteError("no_action")
    if note.action_closed_at_utc is not None:
        raise NoteError("already_closed")
    note.action_closed_at_utc = now or utc_now()
    session.add(note)
    record_event(
        session, user.username, "note.close_action", f"{supervisor.code} {note.week}", {"note_id": note_id}
    )
    return note


# --- reads --------------------------------------------------------------------------------


def _notes_query(supervisor_ids: Collection[int]):  # type: ignore[no-untyped-def]
    n, s = Note.__table__, Supervisor.__table__
    return (
        select(
            n.c.id,
            n.c.supervisor_id,
            s.c.code,
            s.c.name,
            n.c.week,
            n.c.text,
            n.c.action,
            n.c.action_owner,
            n.c.action_due_week,
            n.c.action_closed_at_utc,
            n.c.created_by,
            n.c.created_at_utc,
        )
        .join(s, s.c.id == n.c.supervisor_id)
        .where(n.c.supervisor_id.in_(sorted({int(i) for i in supervisor_ids})))
    )


def _frame(session: Session, stmt) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    out = pd.DataFrame([tuple(row) for row in session.execute(stmt).all()], columns=NOTE_COLUMNS)
    for column in ("action_closed_at_utc", "created_at_utc"):
        # SQLite hands timezone columns back naive; they were written as UTC.
        out[column] = pd.to_datetime(out[column], utc=True)
    out["action_due_week"] = (
        out["action_due_week"].astype("object").where(out["action_due_week"].notna(), None)
    )
    return out


def notes_for(session: Session, supervisor_ids: Collection[int], week: str) -> pd.DataFrame:
    """The notes written on these supervisors' `week`, oldest first (columns NOTE_COLUMNS)."""
    if not supervisor_ids:
        return pd.DataFrame(columns=NOTE_COLUMNS)
    n = Note.__table__
    stmt = _notes_query(supervisor_ids).where(n.c.week == _week(week)).order_by(n.c.created_at_utc, n.c.id)
    return _frame(session, stmt)


def open_actions(session: Session, supervisor_ids: Collection[int], as_of_week: str) -> pd.DataFrame:
    """Actions written on or before `as_of_week` and still open when that week ended.

    An action closed after the week ended was still open then, so looking back at a week shows
    what was outstanding at the time; action_closed_at_utc tells whether it has been closed
    since. Earliest due week first (no due week last), then oldest first (columns NOTE_COLUMNS).
    """
    if not supervisor_ids:
        return pd.DataFrame(columns=NOTE_COLUMNS)
    n = Note.__table__
    week = _week(as_of_week)
    stmt = (
        _notes_query(supervisor_ids)
        .where(
            n.c.action != "",
            n.c.week <= week,
            or_(n.c.action_closed_at_utc.is_(None), n.c.action_closed_at_utc >= week_end_utc(week)),
        )
        .order_by(n.c.action_due_week.is_(None), n.c.action_due_week, n.c.week, n.c.id)
    )
    return _frame(session, stmt)


def _csat_indicators(session: Session, year: int) -> dict[str, float]:
    """department code -> CSAT indicator (a fraction) for `year`."""
    c, d = CsatTarget.__table__, Department.__table__
    stmt = select(d.c.code, func.max(c.c.csat_pct)).join(d, d.c.id == c.c.department_id)
    stmt = stmt.where(c.c.year == year).group_by(d.c.code)
    return {code: float(pct) / 100.0 for code, pct in session.execute(stmt).all()}


def unexplained(
    session: Session, weekly_set: Mapping[str, Any], week: str, params: MetricParams = DEFAULT_PARAMS
) -> pd.DataFrame:
    """The supervisors of a weekly KPI set whose `week` has a tipped balance or a red figure and no note.

    `weekly_set` is core.metrics.weekly.weekly_kpi_set's result for `week`. reasons lists why
    a note is expected: 'diagnosis' and/or the keys of the red figures (core.metrics.status).
    """
    week = _week(week)
    rows = list(weekly_set.get("supervisors", []))
    if not rows:
        return pd.DataFrame(columns=UNEXPLAINED_COLUMNS)
    indicators = _csat_indicators(session, parse_week(week)[1].year)
    s, n = Supervisor.__table__, Note.__table__
    codes = [row["code"] for row in rows]
    ids = dict(session.execute(select(s.c.code, s.c.id).where(s.c.code.in_(codes))).all())
    noted = {
        int(i)
        for (i,) in session.execute(
            select(n.c.supervisor_id)
            .where(and_(n.c.week == week, n.c.supervisor_id.in_(list(ids.values()))))
            .distinct()
        )
    }
    out = []
    for row in rows:
        ident = ids.get(row["code"])
        if ident is None or int(ident) in noted:
            continue
        reasons = needs_explaining(row, csat_indicator=indicators.get(row["department_code"]), params=params)
        if reasons:
            out.append((int(ident), row["code"], row["name"], tuple(reasons)))
    return pd.DataFrame(out, columns=UNEXPLAINED_COLUMNS)
