"""The notes-and-actions panel of the This week and Supervisor pages: read, add a note or action, close."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core import notes, periods
from core.auth import Permission
from core.i18n import format_date, format_week, t
from core.settings import get_settings
from ui import glue

FLASH_KEY = "tripod_notes_flash"
DUE_WEEKS = 13  # the due-week picker offers the note's week and the twelve after it
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@glue.cached_loader()
def load_notes(
    session: Session, supervisor_ids: tuple[int, ...], week: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return notes.notes_for(session, supervisor_ids, week), notes.open_actions(session, supervisor_ids, week)


def plain(text: object) -> str:
    """Text typed by a person (or read from a file), shown as itself rather than as Markdown."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", "  \n")


def _local_date(moment: pd.Timestamp, lang: str) -> str:
    return format_date(moment.tz_convert(get_settings().tz), lang)


def may_write() -> bool:
    user = glue.current_user()
    return user is not None and user.can(Permission.RECORD_NOTES)


def _write(change: Callable[[Session], object], done: str, lang: str) -> None:
    """Run one write; the outcome is shown at the top of the panel on the next run."""

    def attempt() -> None:
        try:
            with glue.writing() as session:
                change(session)
        except notes.NoteError as refused:
            st.session_state[FLASH_KEY] = ("error", refused.text(lang))
            return
        st.session_state[FLASH_KEY] = ("success", done)

    glue.run_page(attempt, lang=lang)


def _add(key: str, week: str, lang: str, supervisor_id: int | None) -> None:
    state = st.session_state
    chosen = supervisor_id if supervisor_id is not None else state.get(f"{key}_supervisor")
    fields = {name: state.get(f"{key}_{name}") or "" for name in ("text", "action", "owner")}
    user = glue.current_user()
    if chosen is None or user is None:
        return

    def change(session: Session) -> None:
        notes.add_note(
            session,
            int(chosen),
            week,
            fields["text"],
            fields["action"],
            fields["owner"],
            state.get(f"{key}_due"),
            user=user,
        )
        for name in fields:  # a saved note clears the form; a refused one keeps what was typed
            state[f"{key}_{name}"] = ""
        state[f"{key}_due"] = None  # the due week too: the next action is not due when this one was

    _write(change, t("Saved.", lang), lang)


def _close(note_id: int, lang: str) -> None:
    user = glue.current_user()
    if user is not None:
        _write(
            lambda session: notes.close_action(session, note_id, user=user), t("Action closed.", lang), lang
        )


def _note(row: pd.Series, label: str, lang: str) -> None:
    with st.container(border=True):
        st.caption(
            f"{plain(label)} · {plain(row['created_by'])} · {_local_date(row['created_at_utc'], lang)}"
        )
        if row["text"]:
            st.markdown(plain(row["text"]))
        if row["action"]:
            due = format_week(row["action_due_week"], lang) if row["action_due_week"] else "—"
            st.markdown(
                t(
                    "**Action:** {action} — {owner}, due {due}",
                    lang,
                    action=plain(row["action"]),
                    owner=plain(row["action_owner"]),
                    due=due,
                )
            )


def _action(row: pd.Series, label: str, week: str, lang: str, key: str, writable: bool) -> None:
    with st.container(border=True):
        text, button = st.columns([5, 1], vertical_alignment="center")
        due = row["action_due_week"]
        late = due is not None and due < week
        overdue = t("Overdue", lang)
        text.markdown((f":red-badge[{overdue}] " if late else "") + f"**{plain(row['action'])}**")
        text.caption(
            t(
                "{who} · owner {owner} · raised {raised} · due {due}",
                lang,
                who=plain(label),
                owner=plain(row["action_owner"]),
                raised=format_week(row["week"], lang),
                due=format_week(due, lang) if due else "—",
            )
        )
        if pd.notna(row["action_closed_at_utc"]):
            button.caption(t("Closed {date}", lang, date=_local_date(row["action_closed_at_utc"], lang)))
        elif writable:
            button.button(
                t("Close", lang),
                key=f"{key}_close_{row['note_id']}",
                on_click=_close,
                args=(int(row["note_id"]), lang),
            )


def notes_panel(lang: str, supervisors: Mapping[int, str], week: str, *, key: str) -> None:
    """This week's notes and the open actions of `supervisors` (id -> label), and the form to add one."""
    st.subheader(t("Notes and actions", lang))
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    if not supervisors:
        return
    this_week, actions = load_notes(tuple(sorted(supervisors)), week)
    writable = may_write()
    written, outstanding = st.columns(2)
    with written:
        st.markdown(t("**Notes on {week}**", lang, week=format_week(week, lang)))
        for _, row in this_week.iterrows():
            _note(row, supervisors.get(int(row["supervisor_id"]), ""), lang)
        if this_week.empty:
            st.caption(t("No notes this week.", lang))
    with outstanding:
        st.markdown(t("**Open actions**", lang))
        for _, row in actions.iterrows():
            _action(row, supervisors.get(int(row["supervisor_id"]), ""), week, lang, key, writable)
        if actions.empty:
            st.caption(t("No open actions.", lang))
    if not writable:
        st.caption(t("Your role may read notes and actions but not write them.", lang))
        return
    only = next(iter(supervisors)) if len(supervisors) == 1 else None
    with st.form(f"{key}_form", border=True):
        st.markdown(t("**Add a note or an action**", lang))
        if only is None:
            st.selectbox(
                t("Supervisor", lang), list(supervisors), format_func=supervisors.get, key=f"{key}_supervisor"
            )
        st.text_area(t("Note", lang), key=f"{key}_text", max_chars=notes.TEXT_MAX, height=90)
        action, owner, due = st.columns([3, 2, 2])
        action.text_input(t("Action (optional)", lang), key=f"{key}_action", max_chars=notes.TEXT_MAX)
        owner.text_input(t("Owner of the action", lang), key=f"{key}_owner", max_chars=notes.OWNER_MAX)
        weeks = [None, *(periods.shift_week(week, i) for i in range(DUE_WEEKS))]
        due.selectbox(
            t("Due week", lang),
            weeks,
            key=f"{key}_due",
            format_func=lambda w: t("No due week", lang) if w is None else format_week(w, lang),
        )
        st.form_submit_button(t("Save", lang), on_click=_add, args=(key, week, lang, only), type="primary")
