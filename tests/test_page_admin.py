"""The users-and-settings page: admins add, disable and re-enable users; nobody else opens it."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from core.auth import create_user
from core.models import AuditEvent, User
from tests.test_app_shell import app_engine, org, page, texts  # noqa: F401  (fixtures)


def _user(engine, username: str) -> User | None:
    with Session(engine) as s:
        return s.execute(select(User).where(User.username == username)).scalar_one_or_none()


def test_an_admin_adds_a_manager_and_the_change_is_audited(app_engine, org):
    at = page("pages/admin.py", lang="en").run()
    assert not at.exception
    at.text_input(key="new_username").input("wang.fang")
    at.text_input(key="new_name").input("王芳")
    at.selectbox(key="new_role").select("manager")
    at.text_input(key="new_department").input("BANK1")
    at.text_input(key="new_password").input("a long enough passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert "User wang.fang added." in [s.value for s in at.success]
    user = _user(app_engine, "wang.fang")
    assert (user.role, user.department_id, user.display_name) == ("manager", org["BANK1"], "王芳")
    shown = at.dataframe[0].value
    assert "wang.fang" in shown["User"].tolist()
    with Session(app_engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "user.create")).scalar_one()
    assert (event.username, event.target) == ("test-admin", "wang.fang")


def test_a_manager_without_a_department_is_refused_with_the_reason(app_engine, org):
    at = page("pages/admin.py", lang="zh").run()
    at.text_input(key="new_username").input("li.qiang")
    at.selectbox(key="new_role").select("manager")
    at.text_input(key="new_password").input("a long enough passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert at.error, "the refusal must be shown"
    assert _user(app_engine, "li.qiang") is None


def test_disable_then_enable_a_user(app_engine, org):
    with Session(app_engine) as s, s.begin():
        create_user(s, "zhao.min", "director", "a long enough passphrase")
    at = page("pages/admin.py", lang="en").run()
    at.selectbox(key="admin_user").select("zhao.min")
    at.button(key="admin_disable").click().run()
    assert _user(app_engine, "zhao.min").is_active is False
    at.button(key="admin_enable").click().run()
    assert _user(app_engine, "zhao.min").is_active is True


def test_only_admins_open_the_page(app_engine, org):
    for role in ("director", "manager", "call_center"):
        at = page("pages/admin.py", lang="en", role=role, department="BANK1", ids=org).run()
        assert not at.exception
        assert "Users and settings" not in texts(at)
        assert not at.dataframe


def test_a_refused_user_keeps_what_was_typed(app_engine, org):
    at = page("pages/admin.py", lang="en").run()
    at.text_input(key="new_username").input("wang.fang")
    at.selectbox(key="new_role").select("manager")
    at.text_input(key="new_department").input("BANK1")
    at.text_input(key="new_password").input("short")
    at.button[0].click().run()
    assert at.error  # the password is too short
    assert at.text_input(key="new_username").value == "wang.fang"
    assert at.text_input(key="new_department").value == "BANK1"
    at.text_input(key="new_password").input("a long enough passphrase")
    at.button[0].click().run()
    assert _user(app_engine, "wang.fang") is not None
    assert at.text_input(key="new_username").value == ""  # emptied once the user is added


def test_the_add_user_form_is_emptied_after_a_user_is_added(app_engine, org):
    at = page("pages/admin.py", lang="zh").run()
    at.text_input(key="new_username").input("sun.li")
    at.text_input(key="new_name").input("孙丽")
    at.selectbox(key="new_role").select("manager")
    at.text_input(key="new_email").input("sun.li@example.com")
    at.text_input(key="new_department").input("BANK1")
    at.text_input(key="new_password").input("a long enough passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert _user(app_engine, "sun.li") is not None
    for key in ("new_username", "new_name", "new_email", "new_department", "new_supervisor", "new_password"):
        assert at.text_input(key=key).value == "", key
        # Set to empty, not only forgotten: the browser then shows the empty field, too.
        assert at.session_state[key] == "", key
    assert at.selectbox(key="new_role").value == "admin"
    # Submitting again at once adds nobody and keeps the one user.
    at.button[0].click().run()
    assert at.error
    with Session(app_engine) as s:
        assert len(s.execute(select(User).where(User.username == "sun.li")).all()) == 1
