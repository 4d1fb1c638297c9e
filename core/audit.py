"""The audit trail: who changed what and when (uploads, undo, notes, user changes) in audit_event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.models import AuditEvent, utc_now

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
