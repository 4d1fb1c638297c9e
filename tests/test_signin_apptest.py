"""The sign-in form in a simulated Streamlit session (AppTest): messages, success, lockout, idle sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from core import auth
from core.auth import create_user, disable_user
from core.db import write_session
from core.models import Department, Supervisor
from ui.signin import ACTIVITY_KEY, USER_KEY

PASSWORD = "correct-horse-battery"


def signin_app(engine, lang="en", demo=False):
    """A page that needs a signed-in user, as dashboard.py will use require_user."""
    import streamlit as st

    from ui.signin import render_signout, require_user

    user = require_user(engine, lang, demo=demo)
    if user is None:
        st.stop()
    render_signout(lang)
    st.header(f"{user.username} · {user.role} · {user.department_code or 'all'}")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def people(engine):
    with write_session(engine) as s:
        d01 = Department(code="D01", name="银行一部", segment="bank")
        d03 = Department(code="D03", name="企业客户部", segment="non_bank")
        s.add_all([d01, d03])
        s.flush()
        s.add(Supervisor(code="S01", name="王伟", department_id=d01.id))
        s.flush()
        create_user(s, "zhao", "manager", PASSWORD, department_code="D03", email="zhao@example.com")
        create_user(s, "off", "director", PASSWORD)
        disable_user(s, "off")
    return engine


def app(engine, **kwargs) -> AppTest:
    return AppTest.from_function(signin_app, kwargs={"engine": engine, **kwargs}, default_timeout=20).run()


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    return at.button[0].click().run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_the_form_asks_for_username_and_password(people):
    at = app(people)
    assert not at.exception
    assert at.title[0].value == "Sign in to Tripod"
    assert [w.label for w in at.text_input] == ["Username", "Password"]
    assert at.button[0].label == "Sign in"
    assert not at.header  # the protected content is not rendered


def test_chinese_labels(people):
    at = app(people, lang="zh")
    assert [w.label for w in at.text_input] == ["用户名", "密码"]
    submit(at, "zhao", "wrong-password")
    assert errors(at) == ["用户名或密码不正确。"]


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("zhao", "wrong-password", "Wrong username or password."),
        ("nobody", "wrong-password", "Wrong username or password."),
        ("off", PASSWORD, "This account is disabled. Please contact an administrator."),
    ],
)
def test_refused_sign_ins(people, username, password, message):
    at = submit(app(people), username, password)
    assert not at.exception
    assert errors(at) == [message]
    assert USER_KEY not in at.session_state
    assert not at.header


def test_empty_form_asks_again(people):
    at = submit(app(people), "", "")
    assert [w.value for w in at.warning] == ["Enter your username and password."]


def test_sign_in_shows_the_page_then_sign_out_returns_to_the_form(people):
    at = submit(app(people), "zhao", PASSWORD)
    assert not at.exception
    assert at.header[0].value == "zhao · manager · D03"
    assert at.session_state[USER_KEY].department_code == "D03"
    assert "Department manager" in at.sidebar.markdown[0].value

    at.sidebar.button(key="tripod_signout").click().run()
    assert not at.header
    assert at.title[0].value == "Sign in to Tripod"
    assert USER_KEY not in at.session_state


def test_five_wrong_passwords_lock_the_account(people):
    at = app(people)
    for i in range(4):
        submit(at, "zhao", f"wrong-{i}")
        assert errors(at) == ["Wrong username or password."]
    submit(at, "zhao", "wrong-5")
    assert errors(at) == ["Too many failed sign-ins: this account is locked. Try again in 15 minute(s)."]
    submit(at, "zhao", PASSWORD)
    assert errors(at) == ["Too many failed sign-ins: this account is locked. Try again in 15 minute(s)."]
    assert not at.header


def test_idle_session_is_signed_out_with_a_notice(people):
    at = submit(app(people), "zhao", PASSWORD)
    assert at.header
    at.session_state[ACTIVITY_KEY] = datetime.now(UTC) - timedelta(minutes=31)
    at.run()
    assert not at.header
    assert [i.value for i in at.info] == [
        "You were signed out after 30 minutes without activity. Please sign in again."
    ]


def test_a_user_disabled_while_signed_in_is_signed_out(people):
    at = submit(app(people), "zhao", PASSWORD)
    with write_session(people) as s:
        disable_user(s, "zhao")
    at.run()
    assert not at.header
    assert [i.value for i in at.info] == ["This account is disabled. Please contact an administrator."]


def test_demo_mode_lists_the_demo_users_and_they_can_sign_in(people):
    at = app(people, demo=True)
    table = at.table[0].value
    assert list(table["Username"]) == [
        "admin", "director", "manager_d01", "manager_d03", "supervisor_s01", "callcenter",
    ]  # fmt: skip
    assert list(table["Password"])[2] == "demo-manager"
    submit(at, "manager_d01", "demo-manager")
    assert at.header[0].value == "manager_d01 · manager · D01"


def test_no_demo_users_outside_demo_mode(people):
    at = app(people, demo=False)
    assert not at.table
    submit(at, "admin", "demo-admin")
    assert errors(at) == ["Wrong username or password."]


SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "s3cret",
        "client_id": "tripod",
        "client_secret": "x",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
}


@pytest.mark.parametrize(
    ("email", "header", "error"),
    [
        ("ZHAO@example.com", "zhao · manager · D03", None),
        ("stranger@example.com", None, "No Tripod user has the email stranger@example.com. "
                                       "Ask an administrator to add you."),
    ],
)  # fmt: skip
def test_single_sign_on_maps_the_identity_email_to_a_user(people, email, header, error):
    at = AppTest.from_function(signin_app, kwargs={"engine": people}, default_timeout=20)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == ([header] if header else [])
    assert errors(at) == ([error] if error else [])


def test_single_sign_on_button_when_not_signed_in(people):
    at = AppTest.from_function(signin_app, kwargs={"engine": people}, default_timeout=20)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="sso_login_default").label == "Sign in with single sign-on"
    # The password form stays available for local users such as the first admin.
    assert [w.label for w in at.text_input] == ["Username", "Password"]
