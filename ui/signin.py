"""Streamlit sign-in: the password form, optional single sign-on, the signed-in user and idle sign-out.

Only plain values live in st.session_state (a frozen CurrentUser and a timestamp); the engine is
passed in on every call and sessions are opened and closed inside each function.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from core.auth import (
    AuthPolicy,
    CurrentUser,
    authenticate,
    authenticate_email,
    ensure_demo_users,
    is_idle_expired,
    load_current_user,
    load_policy,
    role_label,
    text,
)
from core.db import read_session, write_session
from core.i18n import t
from core.settings import get_settings

# Session-state keys. Tests may set USER_KEY (a CurrentUser) to open a page as someone.
USER_KEY = "tripod_user"
ACTIVITY_KEY = "tripod_last_activity_utc"
NOTICE_KEY = "tripod_signin_notice"
SSO_HOLD_KEY = "tripod_sso_hold"  # set after an idle sign-out: SSO waits for a click, not automatic


def current_user() -> CurrentUser | None:
    """The signed-in user of this browser session, without rendering anything."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


def require_user(
    engine: Engine,
    lang: str = "zh",
    *,
    demo: bool | None = None,
    policy: AuthPolicy | None = None,
    now: datetime | None = None,
) -> CurrentUser | None:
    """The signed-in user, or None after rendering the sign-in form (the caller then stops).

    Each run re-reads the user, so a disabled account or a changed role takes effect at once,
    and a session idle for longer than the policy allows is signed out with a notice.
    """
    now = now or datetime.now(UTC)
    policy = policy or load_policy()
    user = current_user()
    if user is not None:
        last = st.session_state.get(ACTIVITY_KEY) or now
        if is_idle_expired(last, now, policy):
            sign_out()
            st.session_state[NOTICE_KEY] = text("auth.idle_signed_out", lang, minutes=policy.idle_minutes)
            st.session_state[SSO_HOLD_KEY] = True
        else:
            with read_session(engine) as session:
                fresh = load_current_user(session, user.id, via=user.via)
            if fresh is not None:
                _keep(fresh, now)
                return fresh
            sign_out()
            st.session_state[NOTICE_KEY] = text("auth.disabled", lang)

    _render_signin(engine, lang, get_settings().demo_mode if demo is None else demo, policy, now)
    return None


def sign_out() -> None:
    for key in (USER_KEY, ACTIVITY_KEY):
        st.session_state.pop(key, None)


def render_signout(lang: str = "zh") -> None:
    """In the sidebar: who is signed in (name, role, department) and a sign-out button."""
    user = current_user()
    if user is None:
        return
    where = user.department_code or ""
    if user.supervisor_code:
        where = f"{where} · {user.supervisor_code}" if where else user.supervisor_code
    details = " · ".join(part for part in (role_label(user.role, lang), where) if part)
    st.sidebar.markdown(f"**{user.label}**  \n{details}")
    if st.sidebar.button(t("Sign out", lang), key="tripod_signout", icon=":material/logout:"):
        sign_out()
        if user.via == "oidc":
            st.logout()  # also forgets the identity cookie, else the next run signs straight back in
        else:
            st.rerun()


def _keep(user: CurrentUser, now: datetime) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[ACTIVITY_KEY] = now
    st.session_state.pop(NOTICE_KEY, None)
    st.session_state.pop(SSO_HOLD_KEY, None)


def _render_signin(engine: Engine, lang: str, demo: bool, policy: AuthPolicy, now: datetime) -> None:
    st.title(t("Sign in to Tripod", lang))
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        st.info(notice, icon=":material/info:")

    sso = _sso_providers()
    if sso is not None:
        _render_sso(engine, lang, sso, now)

    # clear_on_submit: the typed password does not stay in the widget state after submitting.
    with st.form("tripod_signin", clear_on_submit=True):
        username = st.text_input(t("Username", lang), key="signin_username", autocomplete="username")
        password = st.text_input(
            t("Password", lang), type="password", key="signin_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(t("Sign in", lang), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.warning(t("Enter your username and password.", lang))
        else:
            with write_session(engine) as session:
                result = authenticate(session, username, password, now, policy)
            if result.ok and result.user is not None:
                _keep(result.user, now)
                st.rerun()
            st.error(result.message(lang), icon=":material/error:")

    if demo:
        _render_demo_users(engine, lang)


def _render_demo_users(engine: Engine, lang: str) -> None:
    try:
        with write_session(engine) as session:
            listed = ensure_demo_users(session)
    except IntegrityError:
        # Another browser session created them at the same moment; they exist now.
        with write_session(engine) as session:
            listed = ensure_demo_users(session)
    if not listed:
        return
    st.caption(t("Demo mode: sign in as one of these demo users.", lang))
    st.table(
        [
            {
                t("Username", lang): username,
                t("Password", lang): password,
                t("Role", lang): role_label(role, lang),
                t("Department", lang): department or "—",
            }
            for username, role, password, department in listed
        ]
    )


# --- single sign-on (only when .streamlit/secrets.toml has an [auth] section) ----------------


def _sso_providers() -> list[str | None] | None:
    """Providers configured under [auth] (None = the unnamed default), or None when SSO is off."""
    try:
        auth = st.secrets.get("auth") if st.secrets.load_if_toml_exists() else None
    except Exception:  # an unreadable secrets file means SSO is off, not a crash
        return None
    if not isinstance(auth, Mapping):
        return None
    named = [name for name, value in auth.items() if isinstance(value, Mapping) and "client_id" in value]
    if named:
        return list(named)
    return [None] if "client_id" in auth else None


def _user_info() -> Mapping[str, Any]:
    try:
        return st.user.to_dict()
    except Exception:  # outside a Streamlit run there is no user info
        return {}


def _render_sso(engine: Engine, lang: str, providers: list[str | None], now: datetime) -> None:
    info = _user_info()
    if info.get("is_logged_in"):
        email = str(info.get("email") or "")
        held = st.session_state.get(SSO_HOLD_KEY)
        if held and not st.button(t("Continue as {email}", lang, email=email), key="sso_continue"):
            return
        if info.get("email_verified") is False:
            st.error(text("auth.unknown_email", lang, email=email))
            return
        with write_session(engine) as session:
            result = authenticate_email(session, email, now)
        if result.ok and result.user is not None:
            _keep(result.user, now)
            st.rerun()
        st.error(result.message(lang), icon=":material/error:")
        if st.button(t("Sign out of single sign-on", lang), key="sso_logout"):
            st.logout()
        return
    for provider in providers:
        label = t("Sign in with single sign-on", lang)
        if provider is not None:
            label = f"{label} ({provider})"
        if st.button(label, key=f"sso_login_{provider or 'default'}", icon=":material/login:"):
            st.login(provider)
    st.divider()
