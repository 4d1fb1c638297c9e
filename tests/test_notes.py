"""Notes and actions on a supervisor's week: who writes, refusals, what stays open, what is unexplained."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shell_org import add_small_org
from sqlalchemy import select

from core.audit import recent_events
from core.auth import CurrentUser
from core.db import read_session, write_session
from core.models import AuditEvent, CsatTarget, Note
from core.notes import (
    NoteError,
    NotePermissionError,
    add_note,
    close_action,
    notes_for,
    open_actions,
    unexplained,
    week_end_utc,
)


@pytest.fixture
def org(engine):
    return add_small_org(engine)


def user(role: str, department: str | None = None, ids: dict[str, int] | None = None) -> CurrentUser:
    return CurrentUser(
        id=1,
        username=f"{role}-{department or 'all'}",
        display_name="",
        role=role,
        department_id=(ids or {}).get(department) if department else None,
        department_code=department,
        supervisor_id=(ids or {}).get("S1") if role == "supervisor" else None,
        supervisor_code="S1" if role == "supervisor" else None,
    )


def write(engine, org, supervisor="S1", week="2026-W47", text="Talked it through", by=None, **kw):
    with write_session(engine) as session:
        note = add_note(session, org[supervisor], week, text, user=by or user("admin"), **kw)
        return note.id


def audit_rows(engine) -> list[AuditEvent]:
    with read_session(engine) as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "department", "supervisor", "refusal"),
    [
        ("admin", None, "S3", None),
        ("director", None, "S3", None),
        ("manager", "BANK1", "S1", None),
        ("manager", "BANK1", "S3", "This supervisor is outside your access."),  # another department
        ("manager", None, "S1", "This supervisor is outside your access."),  # a manager without a department
        ("supervisor", "BANK1", "S1", "Your role may not record notes or actions."),  # read-only
        ("call_center", None, "S1", "Your role may not record notes or actions."),
    ],
)
def test_who_may_write_a_note(engine, org, role, department, supervisor, refusal):
    writer = user(role, department, org)
    if refusal is None:
        write(engine, org, supervisor, by=writer)
        [event] = audit_rows(engine)
        assert (event.username, event.action, event.target) == (
            writer.username,
            "note.add",
            f"{supervisor} 2026-W47",
        )
        return
    with pytest.raises(NotePermissionError) as caught:
        write(engine, org, supervisor, by=writer)
    assert caught.value.text("en") == refusal
    assert audit_rows(engine) == []  # a refused write leaves no trace
    with read_session(engine) as session:
        assert session.execute(select(Note)).first() is None


def test_the_refusal_reads_in_chinese(engine, org):
    with pytest.raises(NoteError) as caught:
        write(engine, org, by=user("supervisor", "BANK1", org))
    assert caught.value.text("zh") == "您的角色不能记录备注或行动。"


def test_an_unknown_supervisor_is_named_as_such_only_to_unrestricted_users(engine, org):
    with write_session(engine) as session, pytest.raises(NoteError) as caught:
        add_note(session, 99999, "2026-W47", "x", user=user("director"))
    assert caught.value.code == "unknown_supervisor"
    with write_session(engine) as session, pytest.raises(NotePermissionError) as caught:
        add_note(session, 99999, "2026-W47", "x", user=user("manager", "BANK1", org))
    assert caught.value.code == "outside_scope"


# --- what is refused, what is stored -------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": "  ", "action": ""}, "empty"),
        ({"week": "2026-W54"}, "bad_week"),
        ({"week": "last week"}, "bad_week"),
        ({"action": "Run the exam", "owner": ""}, "owner_needed"),
        ({"action": "Run the exam", "owner": "王芳", "due_week": "2026-W40"}, "due_before_week"),
        ({"action": "Run the exam", "owner": "王芳", "due_week": "soon"}, "bad_week"),
        ({"text": "x" * 4001}, "too_long"),
    ],
)
def test_a_note_that_cannot_be_written_is_refused_with_its_reason(engine, org, kwargs, code):
    with pytest.raises(NoteError) as caught:
        write(engine, org, **kwargs)
    assert caught.value.code == code
    assert audit_rows(engine) == []


@pytest.mark.parametrize(
    ("kwargs", "stored"),
    [
        (
            {"week": "2026w7", "text": " 团队例会恢复了 "},
            ("2026-W07", "团队例会恢复了", "", "", None),
        ),
        (
            {"text": "", "action": "安排实战考试", "owner": " 王芳 ", "due_week": "2026-w49"},
            ("2026-W47", "", "安排实战考试", "王芳", "2026-W49"),
        ),
        (  # an owner or due week without an action means nothing and is dropped
            {"owner": "王芳", "due_week": "2026-W49"},
            ("2026-W47", "Talked it through", "", "", None),
        ),
        (
            {"action": "Joint visit", "owner": "S1", "due_week": "2026-W47"},  # due the same week
            ("2026-W47", "Talked it through", "Joint visit", "S1", "2026-W47"),
        ),
    ],
)
def test_a_note_is_stored_trimmed_with_canonical_weeks(engine, org, kwargs, stored):
    note_id = write(engine, org, **kwargs)
    with read_session(engine) as session:
        note = session.get(Note, note_id)
        assert (note.week, note.text, note.action, note.action_owner, note.action_due_week) == stored
        assert note.created_by == "admin-all" and note.action_closed_at_utc is None


def test_notes_for_lists_that_weeks_notes_only(engine, org):
    write(engine, org, "S1", "2026-W46", "older")
    write(engine, org, "S1", "2026-W47", "first")
    write(engine, org, "S2", "2026-W47", "second")
    write(engine, org, "S3", "2026-W47", "other department")
    with read_session(engine) as session:
        shown = notes_for(session, [org["S1"], org["S2"]], "2026-W47")
        assert list(shown["text"]) == ["first", "second"]
        assert list(shown["supervisor_code"]) == ["S1", "S2"]
        assert notes_for(session, [], "2026-W47").empty


# --- closing an action ---------------------------------------------------------------------


def test_closing_an_action_records_when_and_who(engine, org):
    note_id = write(engine, org, action="Run the exam", owner="王芳")
    manager = user("manager", "BANK1", org)
    moment = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    with write_session(engine) as session:
        close_action(session, note_id, user=manager, now=moment)
    with read_session(engine) as session:
        closed = session.get(Note, note_id).action_closed_at_utc
        assert closed.replace(tzinfo=closed.tzinfo or UTC) == moment
        [latest] = recent_events(session, limit=1)
    assert (latest.username, latest.action, latest.target) == (
        manager.username,
        "note.close_action",
        "S1 2026-W47",
    )


@pytest.mark.parametrize(
    ("setup", "closer", "code"),
    [
        ("closed", ("admin", None), "already_closed"),
        ("no_action", ("admin", None), "no_action"),
        ("missing", ("admin", None), "unknown_note"),
        ("open", ("manager", "CORP1"), "outside_scope"),
        ("open", ("supervisor", "BANK1"), "not_allowed"),
    ],
)
def test_an_action_that_cannot_be_closed(engine, org, setup, closer, code):
    note_id = 99999
    if setup != "missing":
        action = {} if setup == "no_action" else {"action": "Run the exam", "owner": "王芳"}
        note_id = write(engine, org, **action)
    if setup == "closed":
        with write_session(engine) as session:
            close_action(session, note_id, user=user("admin"))
    before = len(audit_rows(engine))
    with write_session(engine) as session, pytest.raises(NoteError) as caught:
        close_action(session, note_id, user=user(closer[0], closer[1], org))
    assert caught.value.code == code
    assert len(audit_rows(engine)) == before


# --- open actions over the weeks -------------------------------------------------------------

# Weeks of 2026 in Asia/Shanghai: W46 ends Sunday 15 November 24:00 local = 16:00 UTC.
W46_END = datetime(2026, 11, 15, 16, 0, tzinfo=UTC)


def test_a_week_ends_at_local_midnight():
    assert week_end_utc("2026-W46") == W46_END


@pytest.mark.parametrize(
    ("raised", "closed_at", "shown_in"),
    [
        ("2026-W45", None, {"2026-W45", "2026-W46", "2026-W47"}),  # open: every later week
        ("2026-W47", None, {"2026-W47"}),  # never before the week it was written
        ("2026-W45", datetime(2026, 11, 11, 2, 0, tzinfo=UTC), {"2026-W45"}),  # closed in W46
        ("2026-W45", W46_END, {"2026-W45", "2026-W46"}),  # closed the instant W46 ended
        ("2026-W45", datetime(2026, 11, 15, 15, 59, tzinfo=UTC), {"2026-W45"}),  # a minute before
    ],
)
def test_an_action_shows_from_its_week_until_it_is_closed(engine, org, raised, closed_at, shown_in):
    note_id = write(engine, org, week=raised, action="Run the exam", owner="王芳")
    write(engine, org, week=raised, text="a note without an action")
    if closed_at is not None:
        with write_session(engine) as session:
            close_action(session, note_id, user=user("admin"), now=closed_at)
    with read_session(engine) as session:
        shown = {
            week
            for week in ("2026-W44", "2026-W45", "2026-W46", "2026-W47")
            if note_id in set(open_actions(session, [org["S1"]], week)["note_id"])
        }
        assert shown == shown_in
        assert len(open_actions(session, [org["S1"]], "2026-W47")) == (1 if "2026-W47" in shown_in else 0)


def test_open_actions_come_by_due_week_and_only_for_the_supervisors_asked(engine, org):
    late = write(engine, org, "S1", "2026-W40", action="B", owner="x", due_week="2026-W50")
    soon = write(engine, org, "S2", "2026-W44", action="A", owner="y", due_week="2026-W45")
    undated = write(engine, org, "S1", "2026-W41", action="C", owner="z")
    write(engine, org, "S3", "2026-W41", action="D", owner="w")
    with read_session(engine) as session:
        actions = open_actions(session, [org["S1"], org["S2"]], "2026-W47")
    assert list(actions["note_id"]) == [soon, late, undated]


# --- unexplained weeks ------------------------------------------------------------------------


def sup_row(code: str, department: str = "BANK1", **values) -> dict:
    row = {
        "code": code,
        "name": code,
        "department_code": department,
        "diagnosis": "balanced",
        "attainment_13w": 1.02,
        "csat_pct_13w": 0.95,
        "exam_coverage": 1.0,
    }
    row.update(values)
    return row


@pytest.mark.parametrize(
    ("row", "reasons"),
    [
        (sup_row("S1"), None),  # balanced and green everywhere
        (sup_row("S1", diagnosis="targets_only"), ("diagnosis",)),
        (sup_row("S1", diagnosis="struggling", attainment_13w=0.5), ("diagnosis", "attainment_13w")),
        (sup_row("S1", attainment_13w=0.95), None),  # amber asks for no note
        (sup_row("S1", attainment_13w=0.89), ("attainment_13w",)),
        (sup_row("S1", exam_coverage=0.5), ("exam_coverage",)),
        (sup_row("S1", csat_pct_13w=0.84), None),  # BANK1's indicator is 88%: amber down to 83%
        (sup_row("S1", csat_pct_13w=0.82), ("csat_pct_13w",)),
        (sup_row("S3", "CORP1", csat_pct_13w=0.82), None),  # CORP1 has no indicator: 85% less 5 points
        (sup_row("S3", "CORP1", csat_pct_13w=0.79), ("csat_pct_13w",)),
        (sup_row("S1", diagnosis=None, attainment_13w=None, csat_pct_13w=None, exam_coverage=None), None),
    ],
)
def test_a_tipped_or_red_week_without_a_note_is_unexplained(engine, org, row, reasons):
    with write_session(engine) as session:
        session.add(CsatTarget(department_id=org["BANK1"], year=2026, csat_pct=88.0))
    weekly = {"week": "2026-W47", "supervisors": [row]}
    with read_session(engine) as session:
        found = unexplained(session, weekly, "2026-W47")
    if reasons is None:
        assert found.empty
    else:
        assert found.to_dict("records") == [
            {
                "supervisor_id": org[row["code"]],
                "supervisor_code": row["code"],
                "supervisor_name": row["code"],
                "reasons": reasons,
            }
        ]


def test_a_note_that_week_explains_it_and_a_note_another_week_does_not(engine, org):
    weekly = {
        "week": "2026-W47",
        "supervisors": [sup_row("S1", diagnosis="team_only"), sup_row("S2", diagnosis="skills_only")],
    }
    write(engine, org, "S1", "2026-W47", "we know: targets are next")
    write(engine, org, "S2", "2026-W46", "last week's note")
    with read_session(engine) as session:
        found = unexplained(session, weekly, "2026-W47")
    assert list(found["supervisor_code"]) == ["S2"]
