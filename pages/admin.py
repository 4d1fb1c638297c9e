"""Users and settings: who may sign in and with which role, the audit trail, the settings in force."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from core.audit import action_label, compact_text, detail_text, event_time, recent_events
from core.auth import (
    Role,
    UserError,
    create_user,
    disable_user,
    enable_user,
    list_users,
    load_policy,
    role_label,
    set_password,
)
from core.i18n import format_date, t
from core.settings import get_settings
from ui import glue

FLASH_KEY = "admin_flash"
CLEAR_KEY = "admin_clear_fields"  # the fields to empty on the next run, after a change went through


def _users_table(lang: str) -> pd.DataFrame:
    with glue.reading() as session:
        users = list_users(session)
    return pd.DataFrame(
        {
            t("User", lang): [u.username for u in users],
            # A user without a name is shown by their username, never as a blank.
            t("Name", lang): [u.display_name.strip() or u.username for u in users],
            t("Role", lang): [role_label(u.role, lang) for u in users],
            t("Department", lang): [u.department_code or "—" for u in users],
            t("Supervisor", lang): [u.supervisor_code or "—" for u in users],
            t("Active", lang): [u.is_active for u in users],
            t("Locked until", lang): [format_date(u.locked_until_utc, lang, style="short") for u in users],
            t("Last sign-in", lang): [format_date(u.last_login_at_utc, lang, style="short") for u in users],
        }
    )


NEW_USER_KEYS = (
    "new_username",
    "new_name",
    "new_role",
    "new_email",
    "new_department",
    "new_supervisor",
    "new_password",
)


def _change(action, lang: str, done: str, clear: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """Run one user change in its own transaction and say how it went."""
    try:
        with glue.writing() as session:
            action(session)
    except UserError as exc:
        st.error(exc.message(lang))
        return
    # Rerun so the tables above show the change; the confirmation survives the rerun.
    st.session_state[FLASH_KEY] = done
    if clear:
        st.session_state[CLEAR_KEY] = clear
    st.rerun()


def _clear_fields() -> None:
    """Empty the fields of a change that went through, before their widgets are drawn again.

    Popping a widget's key is not enough: the browser keeps what was typed and sends it back.
    Assigning the empty value before the widget is drawn makes the browser show it.
    """
    for key in st.session_state.pop(CLEAR_KEY, ()):
        if key == "new_role":
            st.session_state[key] = list(Role)[0].value
        else:
            st.session_state[key] = ""


def _add_user_form(lang: str, actor: str) -> None:
    # Not cleared on submit: a refused user (a short password, a missing department) keeps what
    # was typed; the fields are emptied only once the user is added (_clear_fields).
    _clear_fields()
    with st.form("add_user", clear_on_submit=False):
        st.subheader(t("Add a user", lang))
        left, right = st.columns(2)
        username = left.text_input(t("User", lang), key="new_username")
        name = right.text_input(t("Name", lang), key="new_name")
        roles = [r.value for r in Role]
        role = left.selectbox(
            t("Role", lang), roles, format_func=lambda r: role_label(r, lang), key="new_role"
        )
        email = right.text_input(t("Email (for single sign-on, optional)", lang), key="new_email")
        department = left.text_input(t("Department code (managers)", lang), key="new_department")
        supervisor = right.text_input(t("Supervisor code (supervisors)", lang), key="new_supervisor")
        password = st.text_input(
            t("Password (at least 10 characters)", lang), type="password", key="new_password"
        )
        if st.form_submit_button(t("Add user", lang), type="primary"):
            _change(
                lambda s: create_user(
                    s,
                    username,
                    role,
                    password,
                    department or None,
                    supervisor or None,
                    name,
                    email or None,
                    actor=actor,
                ),
                lang,
                t("User {username} added.", lang, username=username),
                clear=NEW_USER_KEYS,
            )


def _manage_user(lang: str, actor: str, usernames: list[str]) -> None:
    st.subheader(t("Change a user", lang))
    username = st.selectbox(t("User", lang), usernames, key="admin_user")
    if not username:
        return
    left, right = st.columns(2)
    if left.button(t("Disable", lang), key="admin_disable"):
        _change(
            lambda s: disable_user(s, username, actor=actor),
            lang,
            t("{username} can no longer sign in.", lang, username=username),
        )
    if right.button(t("Enable and unlock", lang), key="admin_enable"):
        _change(
            lambda s: enable_user(s, username, actor=actor),
            lang,
            t("{username} can sign in again.", lang, username=username),
        )
    with st.form("set_password", clear_on_submit=True):
        password = st.text_input(t("New password", lang), type="password")
        if st.form_submit_button(t("Set password", lang)):
            _change(
                lambda s: set_password(s, username, password, actor=actor), lang, t("Password changed.", lang)
            )


def _settings_table(lang: str) -> pd.DataFrame:
    settings, policy = get_settings(), load_policy()
    engine = glue.get_engine()
    rows = [
        (t("Database", lang), engine.url.render_as_string(hide_password=True)),
        (t("Time zone of the organisation", lang), settings.timezone),
        (t("Demo mode", lang), t("on", lang) if settings.demo_mode else t("off", lang)),
        (t("Failed sign-ins before locking", lang), str(policy.max_failures)),
        (t("Minutes an account stays locked", lang), str(policy.lock_minutes)),
        (t("Idle minutes before signing out", lang), str(policy.idle_minutes)),
    ]
    return pd.DataFrame(rows, columns=[t("Setting", lang), t("Value", lang)])


# Rows written before details were coded: "role=manager department=D01" for a new user, its
# fields named in words; other free text is shown as stored.
_FIELD_IN_DETAIL = re.compile(r"\b(role|department|supervisor)=(\S+)")
_DETAIL_FIELDS = {"role": "Role", "department": "Department", "supervisor": "Supervisor"}


def when_header(lang: str) -> str:
    """'When (Asia/Shanghai)': audit times are shown in the organisation's time zone, named."""
    return t("When ({zone})", lang, zone=get_settings().timezone)


def _audit_columns(lang: str) -> dict[str, object]:
    """Widths for the audit table: the detail gets the room left, the role is never cut short."""
    return {
        when_header(lang): st.column_config.TextColumn(width=150),
        t("User", lang): st.column_config.TextColumn(width=100),
        t("Role", lang): st.column_config.TextColumn(width=150),
        t("What was done", lang): st.column_config.TextColumn(width=110),
        t("Changed item", lang): st.column_config.TextColumn(width=100),
        # The rest of the row: as wide as its longest detail.
        t("Detail", lang): st.column_config.TextColumn(),
    }


def _audit_table(lang: str, limit: int = 200) -> pd.DataFrame:
    """The newest audit events: who (name, else username; their role), what in words, on what."""
    with glue.reading() as session:
        events = recent_events(session, limit=limit)
        people = {u.username: u for u in list_users(session)}

    def who(username: str) -> str:
        user = people.get(username)
        return (user.display_name.strip() if user else "") or username

    def role(username: str) -> str:
        user = people.get(username)
        return role_label(user.role, lang) if user else "—"

    def field(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        shown = role_label(value, lang) if name == "role" else value
        return t("{field}: {value}", lang, field=t(_DETAIL_FIELDS[name], lang), value=shown)

    def detail(text: str, action: str, target: str) -> str:
        # {"code": ..., params}, an upload's counts, a note: in the reader's language
        coded = detail_text(text, lang, action, target)
        if coded is not None:
            return coded
        words = (text or "").split()
        if words and all(_FIELD_IN_DETAIL.fullmatch(word) for word in words):
            return ("，" if lang == "zh" else ", ").join(_FIELD_IN_DETAIL.sub(field, word) for word in words)
        return _FIELD_IN_DETAIL.sub(field, compact_text(text))

    return pd.DataFrame(
        {
            when_header(lang): [event_time(e.at_utc, lang) for e in events],
            t("User", lang): [who(e.username) for e in events],
            t("Role", lang): [role(e.username) for e in events],
            # Own messages: "Action" and "Target" mean a note's action and a sales target elsewhere.
            t("What was done", lang): [action_label(e.action, lang) for e in events],
            t("Changed item", lang): [e.target for e in events],
            t("Detail", lang): [detail(e.detail, e.action, e.target) for e in events],
        }
    )


def render() -> None:
    lang = glue.current_lang()
    actor = glue.current_user().username  # run_page has checked that an admin is signed in
    st.title(t("Users and settings", lang))
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    users = _users_table(lang)
    st.dataframe(users, hide_index=True, width="stretch")
    _add_user_form(lang, actor)
    _manage_user(lang, actor, users[t("User", lang)].tolist())
    st.subheader(t("Who changed what", lang))
    st.dataframe(_audit_table(lang), hide_index=True, width="stretch", column_config=_audit_columns(lang))
    st.subheader(t("Settings in force", lang))
    st.caption(t("Set through environment variables; see the README.", lang))
    st.dataframe(_settings_table(lang), hide_index=True, width="stretch")


glue.run_page(render, page_key="admin")
