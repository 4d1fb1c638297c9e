"""`python -m core.cli user ...`: add, set-password, disable, enable and list, with exit codes and audit."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlmodel import Session

from core import auth
from core.audit import recent_events
from core.auth import AuthStatus, authenticate
from core.cli import main
from core.db import init_db, make_engine, write_session
from core.models import Department, Supervisor, User
from core.settings import get_settings

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "a-long-enough-secret"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def cli_db(engine, tmp_path, monkeypatch):
    """The database the CLI reaches through DATABASE_URL: the PostgreSQL test database when
    TEST_DATABASE_URL is set (emptied by the engine fixture), else a SQLite file made by init_db."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        target = engine
    else:
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        target = make_engine(url)
        init_db(target)
    with write_session(target) as s:
        department = Department(code="D01", name="银行一部", segment="bank")
        s.add(department)
        s.flush()
        s.add(Supervisor(code="S01", name="王伟", department_id=department.id))
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()
    if target is not engine:
        target.dispose()


def run(monkeypatch, capsys, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["user", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def sign_in(engine, username: str, password: str):
    with write_session(engine) as s:
        return authenticate(s, username, password, NOW)


def test_add_the_first_admin_from_stdin(cli_db, monkeypatch, capsys):
    code, out, err = run(
        monkeypatch, capsys, "add", "root", "--role", "admin", "--password-stdin", "--actor", "ops",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert (code, out, err) == (0, "Added user root (Administrator).", "")
    assert sign_in(cli_db, "root", PASSWORD).ok
    with Session(cli_db) as s:
        events = recent_events(s)
    assert [(e.username, e.action, e.target, e.detail) for e in events] == [
        ("ops", "user.create", "root", '{"code": "user.created", "role": "admin"}')
    ]


def test_add_a_manager_and_a_supervisor_with_their_placement(cli_db, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "add", "zhao", "--role", "manager", "--department", "D01",
               "--password-stdin", stdin=PASSWORD)[0] == 0  # fmt: skip
    code, out, _ = run(monkeypatch, capsys, "add", "wang", "--role", "supervisor", "--supervisor", "S01",
                       "--password-stdin", "--lang", "zh", stdin=PASSWORD)  # fmt: skip
    assert (code, out) == (0, "已添加用户 wang（主管）。")
    result = sign_in(cli_db, "wang", PASSWORD)
    assert (result.user.department_code, result.user.supervisor_code) == ("D01", "S01")
    assert sign_in(cli_db, "zhao", PASSWORD).user.department_code == "D01"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["add", "zhao", "--role", "manager"], PASSWORD,
         "A manager needs a department (--department CODE)."),
        (["add", "zhao", "--role", "manager", "--lang", "zh"], PASSWORD,
         "部门经理必须指定部门（--department 部门代码）。"),
        (["add", "zhao", "--role", "manager", "--department", "D09"], PASSWORD,
         "Unknown department code 'D09'."),
        (["add", "wang", "--role", "supervisor"], PASSWORD,
         "A supervisor user needs a supervisor code (--supervisor CODE)."),
        (["add", "boss", "--role", "boss"], PASSWORD,
         "Unknown role 'boss'. Choose one of: admin, director, manager, supervisor, call_center."),
        (["add", "weak", "--role", "director"], "short",
         "Password too short: use at least 10 characters."),
        (["add", "nopw", "--role", "director"], "\n", "No password was given."),
        (["add", "taken", "--role", "director"], PASSWORD, "The username 'taken' is already taken."),
        (["set-password", "ghost"], PASSWORD, "There is no user 'ghost'."),
        (["set-password", "taken"], "short", "Password too short: use at least 10 characters."),
        (["disable", "ghost"], None, "There is no user 'ghost'."),
    ],
)  # fmt: skip
def test_refusals_exit_1_with_a_clear_message(cli_db, monkeypatch, capsys, argv, stdin, message):
    assert (
        run(monkeypatch, capsys, "add", "taken", "--role", "director", "--password-stdin", stdin=PASSWORD)[0]
        == 0
    )
    if stdin is not None:
        argv = [*argv, "--password-stdin"]
    code, out, err = run(monkeypatch, capsys, *argv, stdin=stdin)
    assert (code, out, err) == (1, "", message)
    with Session(cli_db) as s:
        assert [u.username for u in s.exec(select(User)).scalars()] == ["taken"]


def test_set_password_replaces_the_old_one(cli_db, monkeypatch, capsys):
    run(monkeypatch, capsys, "add", "zhao", "--role", "director", "--password-stdin", stdin=PASSWORD)
    code, out, _ = run(
        monkeypatch, capsys, "set-password", "zhao", "--password-stdin", stdin="new-passphrase-2026"
    )
    assert (code, out) == (0, "Password of zhao updated.")
    assert sign_in(cli_db, "zhao", PASSWORD).status is AuthStatus.INVALID
    assert sign_in(cli_db, "zhao", "new-passphrase-2026").ok


def test_prompted_passwords_must_match(cli_db, monkeypatch, capsys):
    answers = iter(["first-passphrase", "other-passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(monkeypatch, capsys, "add", "zhao", "--role", "director")
    assert (code, err) == (1, "The two passwords do not match.")

    answers = iter(["first-passphrase", "first-passphrase"])
    assert run(monkeypatch, capsys, "add", "zhao", "--role", "director")[0] == 0
    assert sign_in(cli_db, "zhao", "first-passphrase").ok


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "zhao", "--role", "manager"], "A manager needs a department (--department CODE)."),
        (["set-password", "ghost"], "There is no user 'ghost'."),
    ],
)
def test_refused_before_the_password_prompt(cli_db, monkeypatch, capsys, argv, message):
    def no_prompt(prompt=""):
        raise AssertionError("asked for a password that could not be used")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    assert run(monkeypatch, capsys, *argv) == (1, "", message)


def test_disable_and_enable(cli_db, monkeypatch, capsys):
    run(monkeypatch, capsys, "add", "zhao", "--role", "director", "--password-stdin", stdin=PASSWORD)
    assert run(monkeypatch, capsys, "disable", "zhao", "--actor", "ops")[:2] == (0, "User zhao disabled.")
    assert sign_in(cli_db, "zhao", PASSWORD).status is AuthStatus.DISABLED
    assert run(monkeypatch, capsys, "enable", "zhao", "--actor", "ops")[:2] == (0, "User zhao enabled.")
    assert sign_in(cli_db, "zhao", PASSWORD).ok
    with Session(cli_db) as s:
        actions = [e.action for e in recent_events(s, username="ops")]
    assert actions == ["user.enable", "user.disable"]


def test_sso_only_user_and_list(cli_db, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "list")[:2] == (0, "No users yet.")
    run(monkeypatch, capsys, "add", "zhao", "--role", "manager", "--department", "D01", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    run(
        monkeypatch,
        capsys,
        "add",
        "li",
        "--role",
        "call_center",
        "--no-password",
        "--email",
        "li@example.com",
    )
    run(monkeypatch, capsys, "disable", "li")

    code, out, _ = run(monkeypatch, capsys, "list")
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["Username", "Role", "Department", "Supervisor", "Active", "Last", "sign-in", "(UTC)"],
        ["li", "call_center", "-", "-", "no", "-"],
        ["zhao", "manager", "D01", "-", "yes", "-"],
    ]
    code, out, _ = run(monkeypatch, capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert [(r["username"], r["email"], r["department"], r["active"]) for r in rows] == [
        ("li", "li@example.com", None, False),
        ("zhao", None, "D01", True),
    ]
    assert sign_in(cli_db, "li", "").status is AuthStatus.INVALID


def test_an_uninitialised_database_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        code, _, err = run(monkeypatch, capsys, "list")
    finally:
        get_settings.cache_clear()
    assert (code, err) == (3, "The database is not initialised: run `python -m core.cli init` first.")


def test_usage_errors_exit_2(cli_db, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["user", "add", "zhao"])
    assert usage.value.code == 2
    assert "--role" in capsys.readouterr().err
