"""The audit trail: who changed what and when (uploads, undo, notes, user changes) in audit_event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.i18n import N_, t
from core.models import AuditEvent, utc_now

# What each action code means, for the audit trail on the Users and settings page.
ACTION_LABELS: dict[str, str] = {
    "user.create": N_("Added a user"),
    "user.disable": N_("Disabled a user"),
    "user.enable": N_("Enabled and unlocked a user"),
    "user.set_password": N_("Set a password"),
    "user.locked": N_("Locked after failed sign-ins"),
    "note.add": N_("Wrote a note"),
    "note.close_action": N_("Closed an action"),
    "upload.commit": N_("Uploaded data"),
    "upload.undo": N_("Undid an upload"),
    "complaint.resolve": N_("Resolved unmatched complaints"),
    "profile.save": N_("Saved a column mapping"),
}


# Details stored as a code and its parameters (JSON: {"code": "user.locked", "minutes": 15, ...})
# and put in words when shown, in the reader's language. Rows written before hold free text and
# are shown as they are.
DETAIL_TEXTS: dict[str, str] = {
    "user.locked": N_("Locked for {minutes} min after {failures} failed sign-ins"),
}
# The fields of a new user's placement, in the order shown ("user.created").
PLACEMENT_FIELDS: dict[str, str] = {
    "role": N_("Role"),
    "department": N_("Department"),
    "supervisor": N_("Supervisor"),
}


def coded_detail(code: str, **params: Any) -> dict[str, Any]:
    """A detail for record_event: a code of DETAIL_TEXTS (or "user.created") and its parameters."""
    return {"code": code, **{key: value for key, value in params.items() if value not in (None, "")}}


# Details written as plain JSON by the action that recorded them (no "code"), put in words by
# the action: an upload's file and counts, a note's action and due week.
UPLOAD_TEXT = N_(
    "{file}: {inserted} new, {updated} updated, {duplicate} duplicates, "
    "{unmatched} unmatched, {rejected} rejected"
)
UNDO_TEXT = N_("{deleted} rows taken out, {restored} restored")
NOTE_WITH_ACTION = N_("Note on {supervisor}, {week}; action: yes, due {due_week}")
NOTE_WITH_ACTION_NO_DUE = N_("Note on {supervisor}, {week}; action: yes")
NOTE_WITHOUT_ACTION = N_("Note on {supervisor}, {week}; action: no")


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _action_detail(action: str, target: str, data: Mapping[str, Any], lang: str) -> str | None:
    """An upload's or a note's plain-JSON detail in words; None for other actions."""
    from core.i18n import format_number, format_week

    if action == "upload.commit" and "file" in data:
        counts = {
            key: format_number(_count(data, key), lang)
            for key in ("inserted", "updated", "duplicate", "unmatched", "rejected")
        }
        return t(UPLOAD_TEXT, lang, file=str(data["file"]), **counts)
    if action == "upload.undo" and "deleted" in data:
        return t(
            UNDO_TEXT,
            lang,
            deleted=format_number(_count(data, "deleted"), lang),
            restored=format_number(_count(data, "restored"), lang),
        )
    if action == "note.add" and "action" in data:
        # The target is "S01 2026-W47": the supervisor's code and the week of the note.
        supervisor, _, week = (target or "").partition(" ")
        week_text = format_week(week, lang) if week else "—"
        params = {"supervisor": supervisor or "—", "week": week_text}
        if not data["action"]:
            return t(NOTE_WITHOUT_ACTION, lang, **params)
        due = data.get("due_week")
        if due:
            return t(NOTE_WITH_ACTION, lang, due_week=format_week(str(due), lang), **params)
        return t(NOTE_WITH_ACTION_NO_DUE, lang, **params)
    return None


def compact_text(detail: str | None) -> str:
    """A detail as it can be read in one line: JSON as 'key: value, …' (lists with '/'), else as stored."""
    try:
        data = json.loads(detail or "")
    except ValueError:
        return detail or ""

    def value(item: Any) -> str:
        if isinstance(item, list):
            return "/".join(value(part) for part in item)
        if isinstance(item, dict):
            return "{" + compact_text(json.dumps(item, ensure_ascii=False)) + "}"
        if item is None:
            return "—"
        return str(item).lower() if isinstance(item, bool) else str(item)

    if isinstance(data, dict):
        return ", ".join(f"{key}: {value(item)}" for key, item in data.items())
    return value(data)


def detail_text(detail: str | None, lang: str, action: str = "", target: str = "") -> str | None:
    """A coded detail in words ('Locked for 15 min after 5 failed sign-ins' / '…'), else None.

    Uploads' and notes' plain JSON (given their action and target) is put in words too. None for
    free text and for other JSON: the caller shows those as stored (compact_text).
    """
    try:
        data = json.loads(detail or "")
    except ValueError:
        return None
    if isinstance(data, dict) and "code" not in data and action:
        try:
            return _action_detail(action, target, data, lang)
        except (KeyError, IndexError, ValueError, TypeError):  # a row that does not fit the text
            return None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return None
    code = data["code"]
    params = {key: value for key, value in data.items() if key != "code"}
    if code == "user.created":
        from core.auth import role_label  # core.auth writes audit events: imported when shown

        parts = []
        for key, label in PLACEMENT_FIELDS.items():
            if key in params:
                value = role_label(str(params[key]), lang) if key == "role" else str(params[key])
                parts.append(t("{field}: {value}", lang, field=t(label, lang), value=value))
        return ("，" if lang == "zh" else ", ").join(parts)
    template = DETAIL_TEXTS.get(code)
    if template is None:
        return None
    try:
        return t(template, lang, **params)
    except (KeyError, IndexError, ValueError):  # a row whose parameters do not fit the text
        return None


def event_time(moment: datetime | None, lang: str) -> str:
    """A UTC audit time in the organisation's time zone (TRIPOD_TIMEZONE), as the upload history writes it."""
    from core.settings import get_settings
    from core.tables import KINDS

    if moment is None:
        return KINDS["datetime"](None, lang)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite: naive UTC
    return KINDS["datetime"](aware.astimezone(get_settings().tz).replace(tzinfo=None), lang)


def action_label(action: str, lang: str) -> str:
    """The action in words ('upload.undo' -> 'Undid an upload' / '撤销上传'); an unknown code as it is."""
    label = ACTION_LABELS.get(action)
    return t(label, lang) if label else action


# Column widths of audit_event; PostgreSQL refuses longer values where SQLite would keep them.
_USERNAME_MAX, _ACTION_MAX, _TARGET_MAX = 120, 60, 200


def record_event(
    session: Session,
    username: str,
    action: str,
    target: str = "",
    detail: str | Mapping[str, Any] = "",
    *,
    at_utc: datetime | None = None,
) -> AuditEvent:
    """Add one audit row to the caller's transaction, so it commits or rolls back with the change.

    action is a dotted verb such as "upload.commit", "upload.undo", "note.add", "user.create";
    target names the thing changed (a username, an upload id, a supervisor code and week);
    detail is free text, or a mapping stored as JSON. Never put a password in it.
    """
    if not action.strip():
        raise ValueError("an audit event needs an action")
    if isinstance(detail, Mapping):
        detail = json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str)
    event = AuditEvent(
        username=(username or "")[:_USERNAME_MAX],
        action=action.strip()[:_ACTION_MAX],
        target=(target or "")[:_TARGET_MAX],
        detail=detail,
        at_utc=at_utc or utc_now(),
    )
    session.add(event)
    return event


def recent_events(
    session: Session,
    *,
    limit: int = 100,
    username: str | None = None,
    action_prefix: str | None = None,
) -> list[AuditEvent]:
    """The newest audit rows first, optionally only one user's or one family of actions."""
    query = select(AuditEvent)
    if username is not None:
        query = query.where(AuditEvent.username == username)
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    query = query.order_by(AuditEvent.at_utc.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.exec(query).scalars().all())
