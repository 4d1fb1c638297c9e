"""The audit trail: who changed what and when (uploads, undo, notes, user changes) in audit_event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
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


def detail_text(detail: str | None, lang: str) -> str | None:
    """A coded detail in words ('Locked for 15 min after 5 failed sign-ins' / '…'), else None.

    None for free text and for JSON without a known code: the caller shows those as stored.
    """
    try:
        data = json.loads(detail or "")
    except ValueError:
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
