"""Audit details are stored as a code and its parameters and shown in the reader's language;
rows written before as English free text are shown as they are."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session
from test_app_shell import app_engine, org, page  # noqa: F401 (fixtures)
from test_i18n_pages import _audit_frame

from core.audit import coded_detail, detail_text, recent_events, record_event
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
