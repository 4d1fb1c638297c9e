"""Uploads as people make them: a file in, its outcome, mapping profiles, rejected rows out, undo, unmatched.

The upload page and the CLI both call these functions; they add nothing but widgets and
printing. A complaint export goes through `read_complaint_file` (any encoding, any headers)
and then the one import engine; the other record kinds go through the canonical CSV path.

Undo. The engine stamps every complaint it inserts with the upload that created it
(created_upload_id) and every complaint it writes with the upload that last wrote it
(upload_id); before it updates a complaint it keeps the values it replaces in upload_change.
Undo deletes exactly the complaints the upload inserted and puts back exactly the values it
replaced, whatever was uploaded since, unless a later upload changed one of those complaints:
then that upload must be undone first.

Resolved names. resolve_unmatched remembers each decision in name_alias (normalised name →
customer or department); the engine reads it, so an upload that repeats a resolved name
attributes those complaints directly and counts them as matched.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, bindparam, case, delete, func, select, text, update
from sqlmodel import Session

from core import aggregates
from core import models as m
from core.audit import record_event
from core.auth import Permission, can
from core.cells import is_formula_like, neutralise
from core.db import read_session, write_session
from core.i18n import N_, t
from core.importing.engine import (
    FileMeta,
    ImportRefused,
    ImportResult,
    import_frame,
    normalise_name,
    previous_values,
)
from core.importing.errors import FileRefused
from core.importing.kinds import LOAD_ORDER, get_kind
from core.importing.load import already_imported, import_bytes, previous_upload, read_canonical_csv
from core.importing.mapping import FIELDS, missing_required
from core.importing.prepare import PreparedFile, read_complaint_file
from core.importing.reader import ROW_INDEX, as_text
from core.importing.reasons import UNMATCHED_REASONS, render
from core.importing.sniff import sniff_file
from core.settings import get_settings
from core.tables import KINDS

COMPLAINTS = "complaints"
COMMIT_EVENT, UNDO_EVENT, RESOLVE_EVENT, PROFILE_EVENT = (
    "upload.commit",
    "upload.undo",
    "complaint.resolve",
    "profile.save",
)
_SERIAL_KEY = "import:complaints"  # the engine's lock name for complaint imports (PostgreSQL)

# Texts chosen by code at run time; the Chinese is in locales/zh/LC_MESSAGES/upload.po.
MESSAGES: dict[str, str] = {
    "mapping_incomplete": N_(
        "The required fields {fields} are not mapped, and the file's headers do not name them. "
        "Columns in the file: {columns}."
    ),
    "profile_unknown": N_("There is no mapping profile “{name}”. Saved profiles: {names}."),
    "profile_no_name": N_("Give the mapping profile a name."),
    "profile_incomplete": N_("A mapping profile must map the required fields: {fields}."),
    "kind_not_allowed": N_("Your role may not upload {kind}."),
    "upload_unknown": N_("There is no upload #{id}."),
    "undo_forbidden": N_("Only an administrator may undo an upload."),
    "undo_twice": N_("Upload #{id} was already undone by {who} at {when}; nothing was changed."),
    "undo_nothing": N_("Upload #{id} wrote nothing (its status is “{status}”), so there is nothing to undo."),
    "undo_kind": N_("Only complaint uploads can be undone; upload #{id} loaded {kind}."),
    "undo_later": N_(
        "Upload #{id} cannot be undone yet: {count} of its complaints were changed afterwards by upload "
        "{later}. Nothing was undone; undo the later upload first (the newest first), then this one."
    ),
    "resolve_nothing": N_("No unmatched complaint mentions “{ref}”."),
    "resolve_choose_one": N_("Map “{ref}” to either a customer or a department, not both or neither."),
    "resolve_unknown_customer": N_("There is no customer with the code “{code}”."),
    "resolve_unknown_department": N_("There is no department with the code “{code}”."),
    "resolve_department_column": N_(
        "“{ref}” is written in the department column; map it to a department, not to a customer."
    ),
}


class UploadRefused(Exception):
    """A request about uploads that was refused as a whole; message(lang) says why and what to do."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return t(MESSAGES[self.code], lang, **self.params)


# Every refusal an upload can meet; each has .message(lang).
REFUSALS = (FileRefused, ImportRefused, UploadRefused)


def refusal_message(exc: Exception, lang: str = "en") -> str:
    return exc.message(lang) if isinstance(exc, REFUSALS) else str(exc)


def upload_kinds(role: str) -> list[str]:
    """Kinds a role may upload: the call center loads complaints; managers and admins every kind."""
    if not can(role, Permission.UPLOAD):
        return []
    if role in ("admin", "manager"):
        return [COMPLAINTS, *[k for k in LOAD_ORDER if k != COMPLAINTS]]
    return [COMPLAINTS]


# --- the outcome of one upload -------------------------------------------------------------


@dataclass
class UploadOutcome:
    """What an upload did, with what the page needs to show it (preview, rejected rows)."""

    kind: str
    result: ImportResult
    prepared: PreparedFile | None = None  # complaint exports: the file as read and mapped
    original: pd.DataFrame | None = None  # canonical files with rejected rows: the rows as read
    profile: str | None = None  # the mapping profile applied, if any
    recognised: bool = False  # the same bytes were committed before: nothing was read or written

    @property
    def committed(self) -> bool:
        return self.result.committed

    @property
    def upload_id(self) -> int | None:
        return self.result.upload_id

    def counts(self) -> dict[str, int]:
        return self.result.counts()

    def written(self) -> int:
        """How many rows were (or would be) written: new, updated and unmatched ones."""
        counts = self.counts()
        return counts["inserted"] + counts["updated"] + counts["unmatched"]

    def unattributable(self) -> int:
        """Unmatched rows that name neither a customer nor a department.

        The list of unmatched complaints resolves rows by the name they carry, so these rows can
        never be attributed to a department.
        """
        outcomes = self.result.outcomes
        if outcomes.empty:
            return 0
        neither = render(UNMATCHED_REASONS, "no_customer_or_department", "en")
        return int(((outcomes["outcome"] == "unmatched") & (outcomes["reason_en"] == neither)).sum())

    def message(self, lang: str = "en") -> str:
        return self.result.message(lang)

    def to_dict(self) -> dict[str, object]:
        return {
            **self.result.to_dict(),
            "profile": self.profile,
            "recognised": self.recognised,
        }

    def rows(self) -> pd.DataFrame | None:
        """The file's own table (index = spreadsheet row number), when it was read."""
        return self.prepared.original if self.prepared is not None else self.original

    def rejected_rows(self, lang: str = "en") -> pd.DataFrame:
        """The rejected rows as they were in the file, plus a column saying why (in `lang`)."""
        rejected = self.result.outcomes[self.result.outcomes["outcome"] == "rejected"]
        original = self.rows()
        reason = reason_header(list(original.columns) if original is not None else [], lang)
        if original is None or rejected.empty:
            columns = list(original.columns) if original is not None else []
            return pd.DataFrame(columns=[*columns, reason])
        texts = rejected.set_index("row")["reason_zh" if lang == "zh" else "reason_en"]
        rows = [r for r in texts.index if r in original.index]
        frame = pd.DataFrame({c: original.loc[rows, c].map(as_text) for c in original.columns}, index=rows)
        frame[reason] = texts.loc[rows].to_numpy()
        frame.index.name = ROW_INDEX
        return frame


def reason_header(columns: list[str], lang: str) -> str:
    name = t("Reason", lang)
    return name if name not in columns else f"{name} (Tripod)"


# --- complaint exports ----------------------------------------------------------------------


def import_complaint_upload(
    engine: Engine,
    data: bytes,
    file_name: str,
    *,
    mapping: dict[str, str] | None = None,
    profile: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    day_first: bool | None = None,
    source: str = "callcenter",
    username: str = "",
    dry_run: bool = False,
    on_reject: str = "refuse",
    prepared: PreparedFile | None = None,
    department_ids: Collection[int] | None = None,
) -> UploadOutcome:
    """Read a complaint export, map it, validate it and (unless dry_run) write it in one transaction.

    `department_ids` limits a department manager's upload to their departments: a row attributed
    to another department is rejected with its reason (unmatched rows stay allowed). None: no limit.

    `mapping` ({field: column}) or `profile` (a saved profile's name) chooses the columns;
    without either, a profile saved for the same header is applied, else the suggested mapping.
    `prepared` skips reading when the caller already read these bytes with the same options.
    The same bytes committed before for this source are recognised at once and add nothing.
    Raises FileRefused, ImportRefused or UploadRefused (see REFUSALS) for a refused file.
    """
    digest = prepared.sha256 if prepared is not None else None
    earlier = _earlier_upload(engine, COMPLAINTS, data, source, digest)
    if earlier is not None:
        return _recognised(engine, COMPLAINTS, earlier, file_name, username, source, dry_run)
    profile_name = profile
    if prepared is None:
        if profile is not None:
            with read_session(engine) as session:
                mapping = _profile_mapping(session, profile)
        prepared, applied = read_upload(
            engine, data, file_name, mapping=mapping, encoding=encoding, sheet=sheet, day_first=day_first
        )
        profile_name = profile or applied
    if prepared.missing_required:
        raise UploadRefused(
            "mapping_incomplete",
            fields=", ".join(_field_label(f) for f in prepared.missing_required),
            columns=", ".join(f"“{c}”" for c in prepared.columns),
        )
    prepared.require_ready()
    meta = FileMeta(
        file_name=file_name,
        file_hash=prepared.sha256,
        size_bytes=prepared.size_bytes,
        encoding=(prepared.encoding or prepared.kind)[:40],
        mapping=prepared.mapping,
        username=username,
    )

    def run() -> ImportResult:
        return import_frame(
            engine,
            COMPLAINTS,
            prepared.to_engine_frame(),
            source=source,
            meta=meta,
            dry_run=dry_run,
            on_reject=on_reject,
            row_errors=row_errors(prepared),
            department_ids=department_ids,
        )

    result = run() if dry_run else _write_complaints(engine, username, file_name, run)
    return UploadOutcome(COMPLAINTS, result, prepared=prepared, profile=profile_name)


def _field_label(name: str) -> str:
    return f"{name} ({FIELDS[name].label_en} / {FIELDS[name].label_zh})"


def read_upload(
    engine: Engine,
    data: bytes,
    file_name: str,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    day_first: bool | None = None,
) -> tuple[PreparedFile, str | None]:
    """Read a complaint export for the preview: the file, and the profile applied (if its header was seen).

    With `mapping` the columns are those; without, a profile saved for this header, else the suggestion.
    """
    prepared = _read(engine, data, file_name, mapping, encoding, sheet, day_first)
    if mapping is not None:
        return prepared, None
    with read_session(engine) as session:
        saved = find_profile(session, prepared.header_signature)
    if saved is None:
        return prepared, None
    saved_mapping = json.loads(saved.mapping_json)
    if saved_mapping != prepared.mapping:
        prepared = _read(engine, data, file_name, saved_mapping, encoding, sheet, day_first)
    return prepared, saved.name


def _read(
    engine: Engine,
    data: bytes,
    file_name: str,
    mapping: dict[str, str] | None,
    encoding: str | None,
    sheet: str | int | None,
    day_first: bool | None,
) -> PreparedFile:
    with read_session(engine) as session:
        known = known_categories(session)
    return read_complaint_file(
        data,
        file_name,
        encoding=encoding,
        sheet=sheet,
        mapping=mapping,
        day_first=day_first,
        known_categories=known,
    )


def workbook_sheets(data: bytes, file_name: str) -> list[str]:
    """The sheet names of an uploaded workbook (after the safety checks); [] for anything else."""
    try:
        if sniff_file(data, file_name).kind != "xlsx":
            return []
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception:  # refused or damaged: reading the file says why
        return []


def known_categories(session: Session, recent: int = 50_000) -> list[str]:
    """Categories of the latest complaints (to list a file's new ones) without scanning the whole table."""
    latest = select(m.Complaint.category).order_by(m.Complaint.id.desc()).limit(recent).subquery()
    rows = session.execute(select(latest.c.category).where(latest.c.category != "").distinct())
    return [r[0] for r in rows]


def row_errors(prepared: PreparedFile) -> pd.DataFrame:
    """The reader's problems in the engine's form: one line per row, its reasons joined, in both languages."""
    columns = ["row", "column", "reason_code", "reason_en", "reason_zh"]
    if prepared.errors.empty:
        return pd.DataFrame(columns=columns)
    first = prepared.errors.drop_duplicates("row", keep="first").set_index("row")
    english, chinese = prepared.reasons("en"), prepared.reasons("zh")
    return pd.DataFrame(
        {
            "row": first.index.to_numpy(),
            "column": first["column"].astype(str).to_numpy(),
            "reason_code": first["code"].astype(str).to_numpy(),
            "reason_en": english.loc[first.index].to_numpy(),
            "reason_zh": chinese.loc[first.index].to_numpy(),
        },
        columns=columns,
    )


# --- canonical files of any kind ------------------------------------------------------------


def import_record_upload(
    engine: Engine,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    source: str = "callcenter",
    username: str = "",
    dry_run: bool = False,
    on_reject: str = "refuse",
    department_ids: Iterable[int] | None = None,
) -> UploadOutcome:
    """Import a canonical CSV of any kind (docs/formats.md) the same way; rejected rows come back too.

    `department_ids` is a department manager's scope (CurrentUser.scope.department_ids): rows of
    other departments are rejected, each with its reason. None (directors, administrators, the
    call center, the CLI): no limit.
    """
    get_kind(kind)
    earlier = _earlier_upload(engine, kind, data, source)
    if earlier is not None:
        return _recognised(engine, kind, earlier, file_name, username, source, dry_run)

    def run() -> ImportResult:
        return import_bytes(
            engine,
            kind,
            data,
            file_name=file_name,
            source=source,
            username=username,
            dry_run=dry_run,
            on_reject=on_reject,
            department_ids=None if department_ids is None else frozenset(department_ids),
        )

    writes = not dry_run and kind == COMPLAINTS
    result = _write_complaints(engine, username, file_name, run) if writes else run()
    original = None
    if result.rejected:
        original = read_canonical_csv(data).set_index("_row")
        original.index.name = ROW_INDEX
    return UploadOutcome(kind, result, original=original)


# --- same bytes again -----------------------------------------------------------------------


def _earlier_upload(
    engine: Engine, kind: str, data: bytes, source: str, digest: str | None = None
) -> m.Upload | None:
    return previous_upload(engine, kind, digest or hashlib.sha256(data).hexdigest(), source)


def _recognised(
    engine: Engine, kind: str, earlier: m.Upload, file_name: str, username: str, source: str, dry_run: bool
) -> UploadOutcome:
    if dry_run:
        result = ImportResult(
            kind=kind,
            rows_read=earlier.rows_read,
            duplicate=earlier.rows_read - earlier.rejected,
            rejected=earlier.rejected,
            dry_run=True,
            message_code="already_imported",
            message_fields={"value": earlier.id, "limit": local_time_text(earlier.created_at_utc)},
        )
    else:
        result = already_imported(engine, kind, earlier, file_name, username, source)
    return UploadOutcome(kind, result, recognised=True)


# --- undo bookkeeping -----------------------------------------------------------------------


def _write_complaints(engine: Engine, username: str, file_name: str, run) -> ImportResult:  # type: ignore[no-untyped-def]
    """Run a complaint import and record it in the audit trail (a second transaction)."""
    result = run()
    if not result.committed or result.upload_id is None or result.message_code == "already_imported":
        return result
    with write_session(engine) as session:
        record_event(
            session,
            username,
            COMMIT_EVENT,
            _target(result.upload_id),
            {"kind": COMPLAINTS, "file": file_name, **result.counts()},
        )
    return result


def _target(upload_id: int) -> str:
    return f"upload:{upload_id}"


def _serialise_with_imports(session: Session) -> None:
    # Undo and resolve change complaints an import may be comparing against at that moment.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _SERIAL_KEY})


@dataclass(frozen=True)
class UndoResult:
    upload_id: int
    deleted: int  # complaints the upload had inserted, now gone
    restored: int  # complaints it had updated, back to the values they had before it


def undo_upload(session: Session, upload_id: int, *, username: str, role: str | None = None) -> UndoResult:
    """Undo a complaint upload exactly: delete the complaints it inserted, restore those it updated.

    Uploads committed since are left as they are. When a later upload changed one of this
    upload's complaints, nothing is undone (UploadRefused "undo_later", naming that upload):
    it must be undone first. Only an administrator may undo: `role` is the signed-in user's
    (the CLI passes "admin"); without it the active user named `username` must be one. A second
    undo, an unknown upload, one that wrote nothing and one of another kind are refused with
    UploadRefused. Runs in the caller's write transaction; the upload is marked undone (who,
    when) and audited.
    """
    if role is None:
        role = session.scalar(select(m.User.role).where(m.User.username == username, m.User.is_active))
    if role is None or not can(role, Permission.UNDO_UPLOAD):
        raise UploadRefused("undo_forbidden")
    _serialise_with_imports(session)
    upload = session.execute(
        select(m.Upload).where(m.Upload.id == upload_id).with_for_update()
    ).scalar_one_or_none()
    if upload is None:
        raise UploadRefused("upload_unknown", id=upload_id)
    if upload.status == "undone":
        raise UploadRefused(
            "undo_twice",
            id=upload_id,
            who=upload.undone_by or "—",
            when=local_time_text(upload.undone_at_utc),
        )
    if upload.status != "committed":
        raise UploadRefused("undo_nothing", id=upload_id, status=upload.status)
    if upload.kind != COMPLAINTS:
        raise UploadRefused("undo_kind", id=upload_id, kind=upload.kind)
    created = m.Complaint.created_upload_id == upload_id
    changes = session.execute(
        select(m.UploadChange.complaint_id, m.UploadChange.previous_json)
        .where(m.UploadChange.upload_id == upload_id)
        .order_by(m.UploadChange.id)
    ).all()
    later = _changed_since(session, upload_id, created, [complaint_id for complaint_id, _ in changes])
    if later:
        raise UploadRefused(
            "undo_later",
            id=upload_id,
            count=sum(later.values()),
            later=", ".join(f"#{u}" for u in sorted(later, reverse=True)),
        )
    restored = _restore(session, changes)
    deleted = session.execute(delete(m.Complaint).where(created)).rowcount or 0
    session.execute(delete(m.UploadChange).where(m.UploadChange.upload_id == upload_id))
    # The complaints are now as they were before the upload: whatever is derived from them is
    # refreshed here, in the same transaction.
    aggregates.refresh_weeks(session, upload.kind, None)  # no-op for kinds without an aggregate
    upload.status = "undone"
    upload.undone_at_utc = datetime.now(UTC)
    upload.undone_by = username
    session.add(upload)
    record_event(
        session, username, UNDO_EVENT, _target(upload_id), {"deleted": deleted, "restored": restored}
    )
    session.flush()
    return UndoResult(upload_id=upload_id, deleted=deleted, restored=restored)


_ID_CHUNK = 10_000  # ids per IN (...) list: PostgreSQL takes at most 65,535 parameters


def _changed_since(session: Session, upload_id: int, created: Any, changed_ids: list[int]) -> dict[int, int]:
    """Later committed uploads that last wrote complaints this upload inserted or updated: id → count."""
    c, u = m.Complaint, m.Upload
    found: dict[int, int] = {}
    parts: list[Any] = [created] + [
        c.id.in_(changed_ids[i : i + _ID_CHUNK]) for i in range(0, len(changed_ids), _ID_CHUNK)
    ]
    for mine in parts:
        rows = session.execute(
            select(c.upload_id, func.count())
            .join(u, u.id == c.upload_id)
            .where(mine, c.upload_id != upload_id, u.status == "committed")
            .group_by(c.upload_id)
        ).all()
        for later, count in rows:
            found[int(later)] = found.get(int(later), 0) + int(count)
    return found


def _restore(session: Session, changes: list[Any]) -> int:
    """Put back the values upload_change kept; names resolved since then are applied again."""
    table = m.Complaint.__table__
    groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for complaint_id, previous in changes:
        values = previous_values(table, previous)
        groups.setdefault(tuple(values), []).append({"_id": complaint_id, **values})
    restored = 0
    for columns, params in groups.items():
        stmt = update(table).where(table.c.id == bindparam("_id")).values({k: bindparam(k) for k in columns})
        session.connection().execute(stmt, params)
        restored += len(params)
    ids = [complaint_id for complaint_id, _ in changes]
    for i in range(0, len(ids), _ID_CHUNK):
        _apply_aliases(session, m.Complaint.id.in_(ids[i : i + _ID_CHUNK]))
    return restored


# --- history --------------------------------------------------------------------------------

HISTORY_COLUMNS = [
    "id",
    "created_at",
    "username",
    "kind",
    "source",
    "file_name",
    "rows_read",
    "inserted",
    "updated",
    "duplicate",
    "unmatched",
    "rejected",
    "status",
    "undone_by",
    "undone_at",
    "encoding",
    "size_bytes",
    "message",
]


def _local(moment: datetime | None) -> datetime | None:
    """A UTC audit time as the organisation's local wall-clock time (naive)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(get_settings().tz).replace(tzinfo=None)


def local_time_text(moment: datetime | None) -> str:
    local = _local(moment)
    return local.strftime("%Y-%m-%d %H:%M") if local else "—"


def local_when(moment: datetime | None, lang: str) -> str:
    """A UTC audit time in the organisation's time zone, written as the upload history writes it."""
    return KINDS["datetime"](_local(moment), lang)


def list_uploads(session: Session, *, username: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The newest uploads first (HISTORY_COLUMNS; times local); only one user's when `username` is given."""
    u = m.Upload
    stmt = select(
        u.id,
        u.created_at_utc,
        u.username,
        u.kind,
        u.source,
        u.file_name,
        u.rows_read,
        u.inserted,
        u.updated,
        u.duplicate,
        u.unmatched,
        u.rejected,
        u.status,
        u.undone_by,
        u.undone_at_utc,
        u.encoding,
        u.size_bytes,
        u.message,
    ).order_by(u.id.desc())
    if username is not None:
        stmt = stmt.where(u.username == username)
    rows = [list(r) for r in session.execute(stmt.limit(limit)).all()]
    for row in rows:
        row[1], row[14] = _local(row[1]), _local(row[14])
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


# --- mapping profiles -----------------------------------------------------------------------


def find_profile(session: Session, header_signature: str, kind: str = COMPLAINTS) -> m.MappingProfile | None:
    """The newest profile saved for this exact header, if any."""
    return session.execute(
        select(m.MappingProfile)
        .where(m.MappingProfile.header_signature == header_signature, m.MappingProfile.kind == kind)
        .order_by(m.MappingProfile.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def list_profiles(session: Session, kind: str = COMPLAINTS) -> list[str]:
    return list(
        session.execute(
            select(m.MappingProfile.name).where(m.MappingProfile.kind == kind).order_by(m.MappingProfile.name)
        ).scalars()
    )


def _profile_mapping(session: Session, name: str) -> dict[str, str]:
    saved = session.execute(
        select(m.MappingProfile).where(m.MappingProfile.name == name.strip())
    ).scalar_one_or_none()
    if saved is None:
        raise UploadRefused("profile_unknown", name=name, names=", ".join(list_profiles(session)) or "—")
    return json.loads(saved.mapping_json)


def save_profile(
    session: Session,
    name: str,
    prepared_or_mapping: PreparedFile | dict[str, str],
    header_signature: str | None = None,
    username: str = "",
) -> m.MappingProfile:
    """Save (or replace, by name) a confirmed mapping, to be offered again for the same header."""
    name = (name or "").strip()
    if not name:
        raise UploadRefused("profile_no_name")
    if isinstance(prepared_or_mapping, PreparedFile):
        mapping = dict(prepared_or_mapping.mapping)
        header_signature = header_signature or prepared_or_mapping.header_signature
    else:
        mapping = {k: v for k, v in prepared_or_mapping.items() if v}
    missing = missing_required(mapping)
    if missing or not header_signature:
        raise UploadRefused("profile_incomplete", fields=", ".join(missing or ["id", "received_at"]))
    profile = session.execute(
        select(m.MappingProfile).where(m.MappingProfile.name == name)
    ).scalar_one_or_none() or m.MappingProfile(name=name[:120], kind=COMPLAINTS)
    profile.header_signature = header_signature
    profile.mapping_json = json.dumps(mapping, ensure_ascii=False)
    profile.created_by = username
    session.add(profile)
    session.flush()
    record_event(session, username, PROFILE_EVENT, name[:200], mapping)
    return profile


# --- rejected rows out ----------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576


def rejected_rows_download(outcome: UploadOutcome, lang: str = "en", fmt: str = "csv") -> bytes:
    """The rejected rows with their original columns and a reason column, as CSV or XLSX bytes.

    Nothing in the file can run as a formula: in the CSV formula-like cells start with an
    apostrophe; in the XLSX every cell is a text cell and formula-like ones carry Excel's
    quote prefix, so they stay text even when edited.
    """
    frame = outcome.rejected_rows(lang)
    if fmt == "xlsx":
        return _xlsx_bytes(frame)
    if fmt != "csv":
        raise ValueError(f"unknown download format {fmt!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([neutralise(as_text(v)) for v in row])
    # A byte-order mark so that Excel opens Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_bytes(frame: pd.DataFrame) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet("rejected")
    header = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, str(name), header)
    for r, row in enumerate(frame.head(XLSX_MAX_ROWS - 1).itertuples(index=False, name=None), start=1):
        for col, value in enumerate(row):
            cell = as_text(value)
            if is_formula_like(cell):
                sheet.write_string(r, col, cell, quoted)
            elif cell:
                sheet.write_string(r, col, cell)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


# --- unmatched complaints -------------------------------------------------------------------

UNMATCHED_GROUP_COLUMNS = [
    "ref_field",
    "ref_text",
    "reason_code",
    "reason_en",
    "reason_zh",
    "complaints",
    "first_received",
    "last_received",
]
_REASON_BY_FIELD = {
    "department": "unknown_department",
    "customer": "unknown_customer",
    "": "no_customer_or_department",
}


def _ref_columns() -> tuple[Any, Any]:
    c = m.Complaint
    field_ = case((c.department_ref != "", "department"), (c.customer_ref != "", "customer"), else_="")
    text_ = case((c.department_ref != "", c.department_ref), else_=c.customer_ref)
    return field_, text_


def unmatched_groups(session: Session, department_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Unmatched complaints grouped by the name that did not resolve and why, largest group first.

    Names written differently but equal after NFKC, trimming and case-folding form one group
    (shown as the most frequent spelling). Unmatched complaints belong to no department, so a
    department-scoped caller (department_ids given) gets none.
    """
    if department_ids is not None:
        return pd.DataFrame(columns=UNMATCHED_GROUP_COLUMNS)
    c = m.Complaint
    field_, text_ = _ref_columns()
    rows = session.execute(
        select(field_, text_, func.count(), func.min(c.received_at), func.max(c.received_at))
        .where(c.match_status == "unmatched")
        .group_by(field_, text_)
    ).all()
    raw = pd.DataFrame(
        rows, columns=["ref_field", "written", "complaints", "first_received", "last_received"]
    )
    if raw.empty:
        return pd.DataFrame(columns=UNMATCHED_GROUP_COLUMNS)
    raw["key"] = raw["written"].map(normalise_name)
    raw = raw.sort_values("complaints", ascending=False, kind="stable")
    grouped = raw.groupby(["ref_field", "key"], sort=False).agg(
        ref_text=("written", "first"),
        complaints=("complaints", "sum"),
        first_received=("first_received", "min"),
        last_received=("last_received", "max"),
    )
    out = grouped.reset_index()
    out["reason_code"] = out["ref_field"].map(_REASON_BY_FIELD)
    for lang in ("en", "zh"):
        out[f"reason_{lang}"] = [
            render(UNMATCHED_REASONS, code, lang, value=ref)
            for code, ref in zip(out["reason_code"], out["ref_text"])
        ]
    out = out.sort_values(["complaints", "ref_text"], ascending=[False, True], kind="stable")
    return out[UNMATCHED_GROUP_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Resolution:
    ref_text: str
    matched: int  # complaints that became matched
    customer_code: str | None = None
    department_code: str | None = None
    spellings: list[str] = field(default_factory=list)


def resolve_unmatched(
    session: Session,
    ref_text: str,
    *,
    customer_code: str | None = None,
    department_code: str | None = None,
    username: str,
) -> Resolution:
    """Map a name that did not resolve to a customer or a department: its unmatched complaints count.

    Every unmatched complaint whose department (or, when it names no department, customer) is
    written as `ref_text` (after NFKC, trimming, case-folding) becomes matched: to the customer
    and its department, or to the department. Runs in the caller's write transaction; audited.
    The decision is remembered in name_alias (a later decision for the same name replaces it):
    an upload that brings the name again attributes its complaints the same way, as matched.
    """
    customer_code = (customer_code or "").strip() or None
    department_code = (department_code or "").strip() or None
    if (customer_code is None) == (department_code is None):
        raise UploadRefused("resolve_choose_one", ref=ref_text)
    _serialise_with_imports(session)
    customer_refs, department_refs = _unmatched_spellings(session, {normalise_name(ref_text)})
    if not customer_refs and not department_refs:
        raise UploadRefused("resolve_nothing", ref=ref_text)
    if customer_code is not None and not customer_refs:
        raise UploadRefused("resolve_department_column", ref=ref_text)
    target = _resolution_target(session, customer_code, department_code)
    if target is None:
        code = "resolve_unknown_customer" if customer_code else "resolve_unknown_department"
        raise UploadRefused(code, code=customer_code or department_code)
    count = _match(session, customer_refs, department_refs, target)
    spellings = sorted(set(customer_refs) | set(department_refs))
    _remember_alias(session, ref_text, target, username)
    record_event(
        session,
        username,
        RESOLVE_EVENT,
        ref_text[:200],
        {
            "customer": customer_code,
            "department": department_code,
            "complaints": count,
            "spellings": spellings,
        },
    )
    session.flush()
    return Resolution(ref_text, count, customer_code, department_code, spellings)


def _remember_alias(session: Session, ref_text: str, target: dict[str, object], username: str) -> None:
    key = normalise_name(ref_text)
    alias = session.execute(select(m.NameAlias).where(m.NameAlias.name_key == key)).scalar_one_or_none()
    alias = alias or m.NameAlias(name_key=key[:300])
    alias.written = ref_text.strip()[:300]
    alias.customer_id = target.get("customer_id")  # type: ignore[assignment]
    alias.department_id = None if alias.customer_id is not None else target["department_id"]  # type: ignore[assignment]
    alias.created_by = username
    alias.created_at_utc = datetime.now(UTC)
    session.add(alias)
    session.flush()


def _unmatched_spellings(
    session: Session, keys: set[str], condition: Any = None
) -> tuple[list[str], list[str]]:
    """The customer and department names, as written, of unmatched complaints whose key is in `keys`."""
    c = m.Complaint
    field_, text_ = _ref_columns()
    stmt = select(field_, text_).where(c.match_status == "unmatched")
    if condition is not None:
        stmt = stmt.where(condition)
    written = session.execute(stmt.group_by(field_, text_)).all()
    customers = sorted({w for f, w in written if f == "customer" and normalise_name(w) in keys})
    departments = sorted({w for f, w in written if f == "department" and normalise_name(w) in keys})
    return customers, departments


def _resolution_target(
    session: Session, customer_code: str | None, department_code: str | None
) -> dict[str, object] | None:
    """The values a resolved complaint takes: the customer and its department, or the department."""
    matched = {"match_status": "matched", "unmatched_reason": ""}
    if customer_code is not None:
        customer = session.execute(
            select(m.Customer.id, m.Customer.department_id).where(m.Customer.code == customer_code)
        ).one_or_none()
        return (
            None
            if customer is None
            else {"customer_id": customer[0], "department_id": customer[1], **matched}
        )
    department_id = session.scalar(select(m.Department.id).where(m.Department.code == department_code))
    return None if department_id is None else {"department_id": department_id, **matched}


def _match(
    session: Session,
    customer_refs: list[str],
    department_refs: list[str],
    target: dict[str, object],
    condition: Any = None,
) -> int:
    c = m.Complaint
    unmatched = c.match_status == "unmatched"
    if condition is not None:
        unmatched = unmatched & condition
    rows = unmatched & (c.department_ref == "") & c.customer_ref.in_(customer_refs or [""])
    if "customer_id" not in target:
        # A department stands for names written in either column.
        rows = rows | (unmatched & c.department_ref.in_(department_refs or [""]))
    # The stored hash no longer describes the row: the next upload compares it column by column.
    return session.execute(update(c).where(rows).values({**target, "row_hash": None})).rowcount or 0


def _apply_aliases(session: Session, condition: Any) -> int:
    """Match the unmatched complaints (among `condition`) whose names were resolved; returns how many."""
    aliases = session.execute(
        select(m.NameAlias.name_key, m.Customer.code, m.Department.code)
        .outerjoin(m.Customer, m.Customer.id == m.NameAlias.customer_id)
        .outerjoin(m.Department, m.Department.id == m.NameAlias.department_id)
    ).all()
    grouped: dict[tuple[str | None, str | None], set[str]] = {}
    for key, customer_code, department_code in aliases:
        grouped.setdefault((customer_code, department_code), set()).add(key)
    total = 0
    for (customer_code, department_code), keys in grouped.items():
        customer_refs, department_refs = _unmatched_spellings(session, keys, condition)
        target = _resolution_target(session, customer_code, department_code)
        if target is not None and (customer_refs or department_refs):
            total += _match(session, customer_refs, department_refs, target, condition)
    return total
