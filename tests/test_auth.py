"""Sign-in, lockout, roles, pages, data scope, user management and the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlmodel import Session

from core import auth
from core.audit import recent_events, record_event
from core.auth import (
    NO_DEPARTMENT,
    PAGE_KEYS,
    AuthPolicy,
    AuthStatus,
    Permission,
    Role,
    Scope,
    UserError,
    authenticate,
    authenticate_email,
    can,
    clamp_department,
    create_user,
    department_condition,
    disable_user,
    ensure_demo_users,
    hash_password,
    is_idle_expired,
    list_users,
    load_current_user,
    load_policy,
    pages_for_role,
    scope_for,
    set_password,
    supervisor_condition,
    verify_password,
)
from core.db import write_session
from core.models import ROLES, AuditEvent, Department, Supervisor, User

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD = "correct-horse-battery"
CHINESE_PASSPHRASE = "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少床前明月光疑是地上霜举头望明月低头思故乡"


@pytest.fixture(autouse=True)
def fast_hashing(request, monkeypatch):
    """Cheap argon2id parameters, except in tests that ask for `real_hasher` (production cost)."""
    if "real_hasher" not in request.fixturenames:
        monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def real_hasher():
    return auth._HASHER


@pytest.fixture
def org(engine) -> dict[str, int]:
    """Three departments; supervisor S01 in D01 and S05 in D03. Returns ids by code."""
    with write_session(engine) as s:
        depts = [
            Department(code="D01", name="银行一部", segment="bank"),
            Department(code="D02", name="银行二部", segment="bank"),
            Department(code="D03", name="企业客户部", segment="non_bank"),
        ]
        s.add_all(depts)
        s.flush()
        sups = [
            Supervisor(code="S01", name="王伟", department_id=depts[0].id),
            Supervisor(code="S05", name="李娜", department_id=depts[2].id),
        ]
        s.add_all(sups)
        s.flush()
        return {d.code: d.id for d in depts} | {x.code: x.id for x in sups}


def _add(engine, username="alice", role="director", password=GOOD, **kwargs) -> None:
    with write_session(engine) as s:
        create_user(s, username, role, password, **kwargs)


def _sign_in(engine, username, password, now=NOW, policy=auth.DEFAULT_POLICY):
    with write_session(engine) as s:
        return authenticate(s, username, password, now, policy)


def _user(engine, username) -> User:
    with Session(engine) as s:
        return s.exec(select(User).where(User.username == username)).scalar_one()


# --- hashing ------------------------------------------------------------------------------


def test_roles_match_the_database_check_constraint():
    assert tuple(r.value for r in Role) == ROLES


@pytest.mark.parametrize("password", ["correct-horse-battery", CHINESE_PASSPHRASE, "x" * 200])
def test_hash_round_trip_uses_argon2id_without_a_length_limit(password, real_hasher):
    hashed = hash_password(password)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, password)
    # Changing the last character must fail: a 72-byte cut (as in bcrypt) would ignore it.
    assert not verify_password(hashed, password[:-1] + "!")


def test_chinese_passphrase_is_longer_than_bcrypts_limit():
    assert len(CHINESE_PASSPHRASE) == 40
    assert len(CHINESE_PASSPHRASE.encode("utf-8")) == 120


def test_a_broken_stored_hash_is_a_wrong_password_not_a_crash():
    assert not verify_password("", "anything")
    assert not verify_password("not-a-hash", "anything")


# --- signing in ---------------------------------------------------------------------------


def test_correct_password_signs_in_with_department_and_resets_counters(engine, org):
    _add(engine, "mgr", "manager", GOOD, department_code="D03", display_name="赵经理")
    assert _sign_in(engine, "mgr", "wrong-password-1").status is AuthStatus.INVALID
    result = _sign_in(engine, "  MGR ", GOOD)  # usernames are trimmed and case-insensitive
    assert result.ok and result.message("en") == ""
    assert (result.user.username, result.user.role, result.user.department_code) == ("mgr", "manager", "D03")
    assert result.user.department_id == org["D03"]
    assert result.user.label == "赵经理"
    row = _user(engine, "mgr")
    assert row.failed_attempts == 0
    with Session(engine) as s:
        assert [u.last_login_at_utc for u in list_users(s)] == [NOW]


def test_chinese_passphrase_signs_in(engine, real_hasher):
    _add(engine, "wang", "director", CHINESE_PASSPHRASE)
    assert _sign_in(engine, "wang", CHINESE_PASSPHRASE).ok
    assert not _sign_in(engine, "wang", CHINESE_PASSPHRASE[:-1]).ok


def test_wrong_password_and_unknown_user_get_the_same_answer(engine):
    _add(engine, "alice")
    wrong = _sign_in(engine, "alice", "not-the-password")
    unknown = _sign_in(engine, "nobody", "not-the-password")
    assert wrong.status is unknown.status is AuthStatus.INVALID
    assert wrong.message("en") == unknown.message("en") == "Wrong username or password."
    assert wrong.message("zh") == unknown.message("zh") == "用户名或密码不正确。"
    assert _user(engine, "alice").failed_attempts == 1


def test_five_failures_lock_the_account_for_fifteen_minutes(engine):
    _add(engine, "alice")
    statuses = [_sign_in(engine, "alice", f"wrong-{i}").status for i in range(5)]
    assert statuses == [AuthStatus.INVALID] * 4 + [AuthStatus.LOCKED]

    # While locked even the right password is refused, with the minutes left (rounded up).
    cases = [(timedelta(minutes=1), 14), (timedelta(minutes=14, seconds=1), 1)]
    for later, minutes in cases:
        locked = _sign_in(engine, "alice", GOOD, NOW + later)
        assert locked.status is AuthStatus.LOCKED and locked.minutes_remaining == minutes
    assert _sign_in(engine, "alice", GOOD, NOW + timedelta(minutes=1)).message("en") == (
        "Too many failed sign-ins: this account is locked. Try again in 14 minute(s)."
    )
    assert "14 分钟" in _sign_in(engine, "alice", GOOD, NOW + timedelta(minutes=1)).message("zh")

    assert _sign_in(engine, "alice", GOOD, NOW + timedelta(minutes=15, seconds=1)).ok
    assert _user(engine, "alice").locked_until_utc is None

    with Session(engine) as s:
        events = recent_events(s, action_prefix="user.locked")
    assert [(e.action, e.target) for e in events] == [("user.locked", "alice")]


def test_lock_threshold_and_period_follow_the_policy(engine):
    _add(engine, "alice")
    policy = AuthPolicy(max_failures=2, lock_minutes=60)
    assert _sign_in(engine, "alice", "wrong-1", policy=policy).status is AuthStatus.INVALID
    locked = _sign_in(engine, "alice", "wrong-2", policy=policy)
    assert (locked.status, locked.minutes_remaining) == (AuthStatus.LOCKED, 60)


def test_a_success_resets_the_failure_count(engine):
    _add(engine, "alice")
    for i in range(4):
        _sign_in(engine, "alice", f"wrong-{i}")
    assert _sign_in(engine, "alice", GOOD).ok
    statuses = [_sign_in(engine, "alice", f"again-{i}").status for i in range(4)]
    assert statuses == [AuthStatus.INVALID] * 4


def test_disabled_user_is_told_only_after_the_right_password(engine):
    _add(engine, "alice")
    with write_session(engine) as s:
        disable_user(s, "alice", actor="admin")
    assert _sign_in(engine, "alice", "wrong-password").status is AuthStatus.INVALID
    disabled = _sign_in(engine, "alice", GOOD)
    assert disabled.status is AuthStatus.DISABLED
    assert disabled.message("en") == "This account is disabled. Please contact an administrator."
    assert disabled.message("zh") == "该账户已停用，请联系管理员。"
    with Session(engine) as s:
        assert load_current_user(s, _user(engine, "alice").id) is None


def test_old_hash_parameters_are_upgraded_on_sign_in(engine, real_hasher):
    _add(engine, "alice")
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    with write_session(engine) as s:
        row = s.exec(select(User).where(User.username == "alice")).scalar_one()
        row.password_hash = cheap
    assert _sign_in(engine, "alice", GOOD).ok
    upgraded = _user(engine, "alice").password_hash
    assert upgraded != cheap and "m=65536,t=3,p=4" in upgraded
    assert verify_password(upgraded, GOOD)


def test_now_must_be_timezone_aware(engine):
    with pytest.raises(ValueError, match="timezone-aware"), write_session(engine) as s:
        authenticate(s, "alice", GOOD, datetime(2026, 11, 23, 9, 0))


@pytest.mark.parametrize(
    ("email", "status", "message_en"),
    [
        ("Zhao@Example.com", AuthStatus.OK, ""),
        ("nobody@example.com", AuthStatus.UNKNOWN_EMAIL, "No Tripod user has the email nobody@example.com."),
        ("", AuthStatus.UNKNOWN_EMAIL, "No Tripod user has the email ."),
        ("off@example.com", AuthStatus.DISABLED, "This account is disabled."),
    ],
)
def test_single_sign_on_maps_the_email_to_a_user(engine, org, email, status, message_en):
    _add(engine, "zhao", "manager", None, department_code="D01", email="zhao@example.com")
    _add(engine, "off", "director", None, email="off@example.com")
    with write_session(engine) as s:
        disable_user(s, "off")
        result = authenticate_email(s, email, NOW)
    assert result.status is status
    assert result.message("en").startswith(message_en)
    if status is AuthStatus.OK:
        assert (result.user.username, result.user.department_code, result.user.via) == ("zhao", "D01", "oidc")


def test_a_single_sign_on_user_has_no_usable_password(engine):
    _add(engine, "sso", "director", None, email="sso@example.com")
    assert _sign_in(engine, "sso", "").status is AuthStatus.INVALID


# --- roles, pages, permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (
            "admin",
            [
                "this_week",
                "compare",
                "supervisor",
                "satisfaction",
                "plans",
                "overview",
                "upload",
                "method",
                "admin",
            ],
        ),  # noqa: E501
        ("director", ["this_week", "compare", "supervisor", "satisfaction", "plans", "overview", "method"]),
        ("manager", ["this_week", "supervisor", "satisfaction", "plans", "overview", "upload", "method"]),
        ("supervisor", ["supervisor", "method"]),
        ("call_center", ["satisfaction", "overview", "upload", "method"]),
        ("guest", []),
    ],
)
def test_pages_for_each_role(role, pages):
    assert pages_for_role(role) == pages


def test_every_page_key_is_open_to_someone():
    assert set(PAGE_KEYS) == {
        "this_week",
        "compare",
        "supervisor",
        "satisfaction",
        "plans",
        "method",
        "upload",
        "overview",
        "admin",
    }
    assert all(any(key in pages_for_role(r) for r in Role) for key in PAGE_KEYS)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", {"upload", "undo_upload", "manage_users", "record_notes", "record_data"}),
        ("director", {"record_notes"}),
        ("manager", {"upload", "record_notes", "record_data"}),
        ("supervisor", set()),
        ("call_center", {"upload"}),
        ("guest", set()),
    ],
)
def test_write_permissions_per_role(role, allowed):
    assert {p.value for p in Permission if can(role, p)} == allowed


# --- scope --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "department_id", "supervisor_id", "expected"),
    [
        ("admin", None, None, Scope(None, None)),
        ("director", None, None, Scope(None, None)),
        ("manager", 3, None, Scope(frozenset({3}), None)),
        ("supervisor", 1, 7, Scope(frozenset({1}), frozenset({7}))),
        ("call_center", None, None, Scope(None, None, complaints_only=True)),
        # Incomplete or unknown users see nothing rather than everything.
        ("manager", None, None, Scope(frozenset(), None)),
        ("supervisor", 1, None, Scope(frozenset(), frozenset())),
        ("guest", None, None, Scope(frozenset(), frozenset())),
    ],
)
def test_scope_for_each_role(role, department_id, supervisor_id, expected):
    user = SimpleNamespace(role=role, department_id=department_id, supervisor_id=supervisor_id)
    assert scope_for(user) == expected


MANAGER_D3 = Scope(frozenset({3}), None)


@pytest.mark.parametrize(
    ("scope", "requested", "shown"),
    [
        (Scope(None, None), 2, 2),
        (Scope(None, None), None, None),  # all departments
        (MANAGER_D3, 3, 3),
        (MANAGER_D3, 1, 3),  # forged in the query parameters: their own instead
        (MANAGER_D3, None, 3),  # "all" is not theirs to ask for
        (Scope(frozenset(), None), 1, NO_DEPARTMENT),
        (Scope(frozenset(), None), None, NO_DEPARTMENT),
    ],
)
def test_clamp_department(scope, requested, shown):
    assert clamp_department(scope, requested) == shown


@pytest.mark.parametrize(
    ("role", "department", "supervisor", "departments_seen", "supervisors_seen"),
    [
        ("director", None, None, ["D01", "D02", "D03"], ["S01", "S05"]),
        ("manager", "D03", None, ["D03"], ["S05"]),
        ("supervisor", None, "S01", ["D01"], ["S01"]),
        ("manager", "D02", None, ["D02"], []),
    ],
)
def test_scope_conditions_filter_queries(
    engine, org, role, department, supervisor, departments_seen, supervisors_seen
):  # noqa: E501
    _add(engine, "viewer", role, GOOD, department_code=department, supervisor_code=supervisor)
    with Session(engine) as s:
        scope = load_current_user(s, _user(engine, "viewer").id).scope
        depts = s.exec(select(Department.code).where(department_condition(scope, Department.id))).all()
        sups = s.exec(
            select(Supervisor.code)
            .where(department_condition(scope, Supervisor.department_id))
            .where(supervisor_condition(scope, Supervisor.id))
        ).all()
    assert sorted(r[0] for r in depts) == departments_seen
    assert sorted(r[0] for r in sups) == supervisors_seen


def test_an_empty_scope_matches_no_row(engine, org):
    with Session(engine) as s:
        count = s.exec(select(func.count()).where(department_condition(auth.NOTHING, Department.id))).one()[0]
    assert count == 0


# --- policy -------------------------------------------------------------------------------


def test_policy_defaults_and_environment():
    assert load_policy({}) == AuthPolicy(max_failures=5, lock_minutes=15, idle_minutes=30)
    env = {"TRIPOD_LOCK_AFTER": "3", "TRIPOD_LOCK_MINUTES": "60", "TRIPOD_IDLE_MINUTES": "10"}
    assert load_policy(env) == AuthPolicy(max_failures=3, lock_minutes=60, idle_minutes=10)
    assert load_policy({"TRIPOD_LOCK_AFTER": "five", "TRIPOD_IDLE_MINUTES": "0"}) == AuthPolicy(
        idle_minutes=1
    )


@pytest.mark.parametrize(
    ("idle", "expired"),
    [
        (timedelta(minutes=29), False),
        (timedelta(minutes=30), False),
        (timedelta(minutes=30, seconds=1), True),
    ],
)
def test_idle_timeout(idle, expired):
    assert is_idle_expired(NOW, NOW + idle) is expired


# --- user management ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "role", "password", "kwargs", "message_en", "message_zh"),
    [
        ("x1", "boss", GOOD, {}, "Unknown role 'boss'.", "未知角色"),
        (
            "m1",
            "manager",
            GOOD,
            {},
            "A manager needs a department (--department CODE).",
            "部门经理必须指定部门",
        ),
        ("m1", "manager", GOOD, {"department_code": "D99"}, "Unknown department code 'D99'.", "未知部门代码"),
        (
            "m1",
            "manager",
            GOOD,
            {"department_code": "D01", "supervisor_code": "S01"},
            "A manager takes a department, not a supervisor code.",
            "部门经理不能指定主管代码",
        ),
        (
            "s1",
            "supervisor",
            GOOD,
            {},
            "A supervisor user needs a supervisor code",
            "主管账户必须指定主管代码",
        ),
        (
            "s1",
            "supervisor",
            GOOD,
            {"supervisor_code": "S99"},
            "Unknown supervisor code 'S99'.",
            "未知主管代码",
        ),
        (
            "s1",
            "supervisor",
            GOOD,
            {"supervisor_code": "S01", "department_code": "D03"},
            "Supervisor S01 belongs to department D01, not D03.",
            "主管 S01 属于部门 D01",
        ),
        (
            "d1",
            "director",
            GOOD,
            {"department_code": "D01"},
            "The role 'director' sees every department",
            "可查看所有部门",
        ),
        ("a1", "admin", "short", {}, "Password too short: use at least 10 characters.", "至少需要 10 个字符"),
        (
            "longusername",
            "admin",
            "LongUserName",
            {},
            "The password must not be the username.",
            "密码不能与用户名相同",
        ),
        ("a b", "admin", GOOD, {}, "Invalid username 'a b'", "用户名“a b”无效"),
        (
            "a1",
            "admin",
            GOOD,
            {"email": "not-an-email"},
            "'not-an-email' is not a valid email address.",
            "格式不正确",
        ),
        ("taken", "admin", GOOD, {}, "The username 'taken' is already taken.", "已存在"),
        (
            "a2",
            "admin",
            GOOD,
            {"email": "TAKEN@example.com"},
            "already belongs to another user",
            "已被其他用户使用",
        ),
    ],
)
def test_create_user_refusals(engine, org, username, role, password, kwargs, message_en, message_zh):
    _add(engine, "taken", "director", GOOD, email="taken@example.com")
    with pytest.raises(UserError) as refused, write_session(engine) as s:
        create_user(s, username, role, password, **kwargs)
    assert message_en in refused.value.message("en")
    assert message_zh in refused.value.message("zh")
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(User)).one()[0] == 1


def test_supervisor_user_takes_the_department_of_their_team(engine, org):
    _add(engine, "sup", "supervisor", GOOD, supervisor_code="S05")
    row = _user(engine, "sup")
    assert (row.department_id, row.supervisor_id) == (org["D03"], org["S05"])


def test_set_password_replaces_it_and_lifts_a_lock(engine):
    _add(engine, "alice")
    for i in range(5):
        _sign_in(engine, "alice", f"wrong-{i}")
    with write_session(engine) as s:
        set_password(s, "alice", "a-brand-new-passphrase", actor="admin")
    assert _sign_in(engine, "alice", GOOD).status is AuthStatus.INVALID
    assert _sign_in(engine, "alice", "a-brand-new-passphrase").ok
    with pytest.raises(UserError, match="at least 10"), write_session(engine) as s:
        set_password(s, "alice", "short")
    with pytest.raises(UserError, match="There is no user 'bob'"), write_session(engine) as s:
        set_password(s, "bob", "a-brand-new-passphrase")


def test_user_changes_are_audited_without_passwords(engine, org):
    _add(engine, "mgr", "manager", GOOD, department_code="D01")
    with write_session(engine) as s:
        set_password(s, "mgr", "another-passphrase", actor="root")
        disable_user(s, "mgr", actor="root")
    with Session(engine) as s:
        events = recent_events(s, action_prefix="user.")
    assert [(e.username, e.action, e.target, e.detail) for e in events] == [
        ("root", "user.disable", "mgr", ""),
        ("root", "user.set_password", "mgr", ""),
        ("system", "user.create", "mgr", '{"code": "user.created", "department": "D01", "role": "manager"}'),
    ]
    assert not any(GOOD in e.detail or "another-passphrase" in e.detail for e in events)


# --- demo users ---------------------------------------------------------------------------


def test_demo_users_one_per_role_and_idempotent(engine, org):
    with write_session(engine) as s:
        first = ensure_demo_users(s)
    with write_session(engine) as s:
        second = ensure_demo_users(s)
    assert (
        first
        == second
        == [
            ("admin", "admin", "demo-admin", None),
            ("director", "director", "demo-director", None),
            ("manager_d01", "manager", "demo-manager", "D01"),
            ("manager_d03", "manager", "demo-manager", "D03"),
            ("supervisor_s01", "supervisor", "demo-supervisor", "D01"),
            ("callcenter", "call_center", "demo-callcenter", None),
        ]
    )
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(User)).one()[0] == 6
    for username, _role, password, _dept in first:
        assert _sign_in(engine, username, password).ok, username


def test_demo_users_wait_for_their_department(engine):
    with write_session(engine) as s:
        listed = ensure_demo_users(s)
    assert [u[0] for u in listed] == ["admin", "director", "callcenter"]


def test_demo_listing_skips_a_username_taken_by_another_role(engine):
    _add(engine, "director", "admin", GOOD)
    with write_session(engine) as s:
        listed = ensure_demo_users(s)
    assert "director" not in [u[0] for u in listed]


# --- audit --------------------------------------------------------------------------------


def test_record_event_stores_mappings_as_json_and_fits_the_columns(engine):
    with write_session(engine) as s:
        detail = {"inserted": 12, "文件": "投诉.csv"}
        record_event(s, "callcenter", "upload.commit", "complaints.csv", detail, at_utc=NOW)
        record_event(s, "admin", "upload.undo", "upload 7", "", at_utc=NOW + timedelta(days=1))
        record_event(s, "u" * 300, "note.add", "t" * 500, "long", at_utc=NOW - timedelta(days=1))
    with Session(engine) as s:
        newest = recent_events(s, limit=1)
        uploads = recent_events(s, action_prefix="upload.")
        by_admin = recent_events(s, username="admin")
        long_one = s.exec(select(AuditEvent).where(AuditEvent.action == "note.add")).scalar_one()
    assert [(e.action, e.target) for e in newest] == [("upload.undo", "upload 7")]
    assert [e.action for e in uploads] == ["upload.undo", "upload.commit"]
    assert json.loads(uploads[1].detail) == {"inserted": 12, "文件": "投诉.csv"}
    assert [e.target for e in by_admin] == ["upload 7"]
    assert (len(long_one.username), len(long_one.target)) == (120, 200)


def test_an_event_needs_an_action(engine):
    with pytest.raises(ValueError, match="needs an action"), write_session(engine) as s:
        record_event(s, "admin", " ", "x")
