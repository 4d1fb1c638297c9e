"""Audit details are stored as a code and its parameters and shown in the reader's language;
rows written before as English free text are shown as they are."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from sqlmodel import Session
from test_app_shell import app_engine, org, page  # noqa: F401 (fixtures)
from test_i18n_pages import _audit_frame

from core.audit import coded_detail, compact_text, detail_text, recent_events, record_event
from core.auth import AuthPolicy, authenticate, create_user
from core.db import write_session
from core.models import utc_now


def test_a_lock_is_stored_as_a_code_with_its_minutes_and_failures(engine):
    policy = AuthPolicy(max_failures=3, lock_minutes=20)
    with write_session(engine) as s:
        create_user(s, "alice", "admin", "a long enough passphrase")
    for _ in range(3):
        with write_session(engine) as s:
            authenticate(s, "alice", "wrong", utc_now(), policy)
    with Session(engine) as s:
        (event,) = recent_events(s, action_prefix="user.locked")
    assert json.loads(event.detail) == {"code": "user.locked", "minutes": 20, "failures": 3}
    assert detail_text(event.detail, "en") == "Locked for 20 min after 3 failed sign-ins"
    assert detail_text(event.detail, "zh") == "连续 3 次登录失败，锁定 20 分钟"


def test_a_new_users_placement_is_stored_as_fields_and_shown_in_words():
    detail = json.dumps(coded_detail("user.created", role="manager", department="D01", supervisor=None))
    assert json.loads(detail) == {"code": "user.created", "role": "manager", "department": "D01"}
    assert detail_text(detail, "en") == "Role: Department manager, Department: D01"
    assert detail_text(detail, "zh") == "角色：部门经理，部门：D01"


@pytest.mark.parametrize(
    "stored",
    [
        "locked for 15 min after 5 failed sign-ins",  # an old free-text row
        "",
        '{"deleted": 3}',  # structured, but without a code
        '{"code": "some.future_code", "n": 1}',  # a code this version does not know
        '{"code": "user.locked", "minutes": 15}',  # a parameter missing
        "[1, 2]",
    ],
)
def test_anything_else_is_left_for_the_page_to_show_as_stored(stored):
    assert detail_text(stored, "en") is None


@pytest.mark.parametrize(
    ("lang", "locked", "old"),
    [
        ("en", "Locked for 15 min after 5 failed sign-ins", "locked for 15 min after 5 failed sign-ins"),
        ("zh", "连续 5 次登录失败，锁定 15 分钟", "locked for 15 min after 5 failed sign-ins"),
    ],
)
def test_the_admin_page_shows_coded_details_translated_and_old_ones_as_they_are(
    app_engine, lang, locked, old
):  # noqa: F811
    now = utc_now()
    with write_session(app_engine) as s:
        record_event(
            s, "bob", "user.locked", "bob", coded_detail("user.locked", minutes=15, failures=5), at_utc=now
        )
        record_event(s, "carol", "user.locked", "carol", old, at_utc=now - timedelta(minutes=1))
    at = page("pages/admin.py", lang=lang).run()
    assert not at.exception
    user, detail = ("用户", "详情") if lang == "zh" else ("User", "Detail")
    frame = _audit_frame(at, detail).set_index(user)
    assert frame.loc["bob", detail] == locked
    assert frame.loc["carol", detail] == old


UPLOAD = json.dumps(
    {
        "kind": "complaints",
        "file": "投诉_11月.csv",
        "rows_read": 1200,
        "inserted": 1170,
        "updated": 0,
        "duplicate": 30,
        "unmatched": 2,
        "rejected": 1,
    }
)
NOTE = json.dumps({"note_id": 4, "action": True, "owner": "李强", "due_week": "2026-W49"})
NOTE_WITHOUT_ACTION = json.dumps({"note_id": 5, "action": False, "owner": "", "due_week": None})


@pytest.mark.parametrize(
    ("lang", "upload", "note", "no_action", "undo"),
    [
        (
            "en",
            "投诉_11月.csv: 1,170 new, 0 updated, 30 duplicates, 2 unmatched, 1 rejected",
            "Note on S01, Week 47, 2026; action: yes, due Week 49, 2026",
            "Note on S01, Week 47, 2026; action: no",
            "3 rows taken out, 1 restored",
        ),
        (
            "zh",
            "投诉_11月.csv：新增 1,170，更新 0，重复 30，未匹配 2，拒绝 1",
            "S01 2026年第47周 的记录；有行动项，截止 2026年第49周",
            "S01 2026年第47周 的记录；无行动项",
            "撤下 3 行，恢复 1 行",
        ),
    ],
)
def test_uploads_and_notes_are_put_in_words(lang, upload, note, no_action, undo):
    assert detail_text(UPLOAD, lang, "upload.commit", "upload:7") == upload
    assert detail_text(NOTE, lang, "note.add", "S01 2026-W47") == note
    assert detail_text(NOTE_WITHOUT_ACTION, lang, "note.add", "S01 2026-W47") == no_action
    assert detail_text('{"deleted": 3, "restored": 1}', lang, "upload.undo", "upload:7") == undo


def test_json_no_text_knows_is_shown_compact():
    assert detail_text('{"deleted": 3}', "en", "some.future_action") is None
    assert compact_text('{"customer": "C001", "spellings": ["a", "b"], "ok": true}') == (
        "customer: C001, spellings: a/b, ok: true"
    )
    assert compact_text("free text") == "free text"
    assert compact_text("") == ""


@pytest.mark.parametrize(
    ("lang", "when", "user", "detail", "role", "manager", "upload", "note"),
    [
        (
            "en",
            "When (Asia/Shanghai)",
            "User",
            "Detail",
            "Role",
            "Department manager",
            "投诉_11月.csv: 1,170 new, 0 updated, 30 duplicates, 2 unmatched, 1 rejected",
            "Note on S01, Week 47, 2026; action: yes, due Week 49, 2026",
        ),
        (
            "zh",
            "时间（Asia/Shanghai）",
            "用户",
            "详情",
            "角色",
            "部门经理",
            "投诉_11月.csv：新增 1,170，更新 0，重复 30，未匹配 2，拒绝 1",
            "S01 2026年第47周 的记录；有行动项，截止 2026年第49周",
        ),
    ],
)
def test_the_admin_page_shows_uploads_and_notes_in_words_at_local_time(
    app_engine, org, lang, when, user, detail, role, manager, upload, note
):  # noqa: F811
    from datetime import datetime

    from core.settings import get_settings
    from core.tables import KINDS

    assert get_settings().timezone == "Asia/Shanghai"
    at_utc = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 01:30 on the 28th in Shanghai
    with write_session(app_engine) as s:
        create_user(s, "mgr", "manager", "a long enough passphrase", department_code="BANK1", actor="setup")
    with write_session(app_engine) as s:
        record_event(s, "cc", "upload.commit", "upload:7", UPLOAD, at_utc=at_utc)
        record_event(s, "mgr", "note.add", "S01 2026-W47", NOTE, at_utc=at_utc - timedelta(minutes=1))
        record_event(
            s, "x", "profile.save", "my mapping", '{"id": "工单号"}', at_utc=at_utc - timedelta(hours=1)
        )
    at = page("pages/admin.py", lang=lang).run()
    assert not at.exception
    frame = _audit_frame(at, detail).set_index(user)
    assert frame.loc["cc", detail] == upload
    assert frame.loc["mgr", detail] == note
    assert frame.loc["mgr", role] == manager
    assert frame.loc["x", detail] == "id: 工单号"  # JSON no text knows: compact, never cut to "{…"
    local = datetime(2026, 11, 28, 1, 30)
    assert frame.loc["cc", when] == KINDS["datetime"](local, lang)
    assert "01:30" in frame.loc["cc", when]
