"""The one import path: validate a frame of a kind, resolve codes, upsert by natural key, report outcomes.

Every row gets exactly one outcome — inserted, updated, duplicate, unmatched or rejected — and
the counts add up to the rows read. Nothing is written unless the whole file is accepted, and
then it is written in a single transaction together with its Upload record.
"""

from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pandas.core.util.hashing import combine_hash_arrays
from sqlalchemy import Column, Engine, MetaData, String, Table, bindparam, cast, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from core import aggregates
from core import models as m
from core.db import DatabaseBusyError, write_session
from core.importing.kinds import Col, Kind, get_kind
from core.importing.reasons import FILE_REASONS, ROW_REASONS, UNMATCHED_REASONS, render

ROW = "_row"  # the spreadsheet row number of each data row (the header is row 1)
HASH = "row_hash"  # complaints: the hash of the values compared on re-upload (see _compare_with_database)
OUTCOME_COLUMNS = ["row", "outcome", "column", "reason_code", "reason_en", "reason_zh"]
T = TypeVar("T")
OUTCOMES = ("inserted", "updated", "duplicate", "unmatched", "rejected")
_CHUNK = 20_000
_WRITE_CHUNK = 50_000
_EXISTING_CHUNK = 100_000
_QUEUE_SECONDS = 300  # the longest an upload waits in line behind other writers on SQLite
_IMPORT_CACHE_KIB = 256 * 1024  # SQLite page cache while a file is written (the default is 2 MiB)


@dataclass
class FileMeta:
    """What the Upload record keeps about the file that produced a frame."""

    file_name: str = ""
    file_hash: str = ""
    size_bytes: int = 0
    encoding: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    username: str = ""


@dataclass
class ImportResult:
    """The outcome of one import: counts, a per-row table, and whether anything was saved."""

    kind: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicate: int = 0
    unmatched: int = 0
    rejected: int = 0
    committed: bool = False
    dry_run: bool = False
    message_code: str = ""
    message_fields: dict[str, object] = field(default_factory=dict)
    upload_id: int | None = None
    outcomes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OUTCOME_COLUMNS))

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "duplicate": self.duplicate,
            "unmatched": self.unmatched,
            "rejected": self.rejected,
        }

    def message(self, lang: str = "en") -> str:
        if not self.message_code:
            return ""
        return render(FILE_REASONS, self.message_code, lang, **self.message_fields)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            **self.counts(),
            "committed": self.committed,
            "dry_run": self.dry_run,
            "upload_id": self.upload_id,
            "message": self.message("en"),
        }


class ImportRefused(Exception):
    """The whole file was refused before any row was considered (bad header, empty, busy ...)."""

    def __init__(self, code: str, **fields: object) -> None:
        self.code = code
        self.fields = fields
        super().__init__(render(FILE_REASONS, code, "en", **fields))

    def message(self, lang: str = "en") -> str:
        return render(FILE_REASONS, self.code, lang, **self.fields)


# --- normalisation ------------------------------------------------------------------------


def normalise_name(text: object) -> str:
    """How names are matched: NFKC (full-width → half-width), trimmed, inner spaces folded, case-folded."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return " ".join(folded.split())


def _distinct(series: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Each row's position in the column's distinct values; a missing value points at a final None."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = [*uniques.tolist(), None]
    return np.where(codes < 0, len(values) - 1, codes), values


# --- validation ---------------------------------------------------------------------------


class _Rejects:
    """Collects per-row rejections (first reason per row wins)."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []

    def add(self, rows: pd.Series, column: str, code: str, values: pd.Series | None = None, limit=None):
        if len(rows) == 0:
            return
        vals = values.astype("string").fillna("") if values is not None else pd.Series([""] * len(rows))
        self.frames.append(
            pd.DataFrame(
                {
                    "row": rows.to_numpy(),
                    "column": column,
                    "reason_code": code,
                    "value": vals.to_numpy(),
                    "limit": "" if limit is None else str(limit),
                }
            )
        )

    def add_rendered(self, errors: pd.DataFrame) -> None:
        """Rejections found before the engine (e.g. by the file reader), with their texts ready."""
        if errors is None or len(errors) == 0:
            return
        self.frames.append(
            pd.DataFrame(
                {
                    "row": errors["row"].to_numpy(),
                    "column": errors["column"].astype(str).to_numpy(),
                    "reason_code": errors["reason_code"].astype(str).to_numpy(),
                    "value": "",
                    "limit": "",
                    "en": errors["reason_en"].astype(str).to_numpy(),
                    "zh": errors["reason_zh"].astype(str).to_numpy(),
                }
            )
        )

    def table(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame(columns=["row", "column", "reason_code", "value", "limit", "en", "zh"])
        table = pd.concat(self.frames, ignore_index=True)
        for text in ("en", "zh"):
            table[text] = table[text].fillna("") if text in table else ""
        return table.drop_duplicates("row", keep="first")


def _parse_column(col: Col, raw: pd.Series, rows: pd.Series, rejects: _Rejects, refs: dict) -> pd.Series:
    """Parse one column into typed values; invalid cells are recorded in `rejects` and set to NA."""
    if pd.api.types.is_datetime64_any_dtype(raw) and col.type in ("date", "datetime"):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return _dates(parsed) if col.type == "date" else parsed
    text = _stripped(raw.astype("string"))
    blank = text.isna() | (text == "")
    if col.required:
        rejects.add(rows[blank], col.name, "required_missing")
    present = ~blank
    out: pd.Series
    if col.type in ("str", "ref", "list"):
        out = text.where(present, None) if blank.any() else text
        if col.max_len is not None:
            long = present & (text.str.len() > col.max_len)
            rejects.add(rows[long], col.name, "too_long", limit=col.max_len)
        if col.choices is not None:
            bad = present & ~text.isin(col.choices)
            rejects.add(rows[bad], col.name, "not_a_choice", text[bad], ", ".join(col.choices))
        if col.type == "ref":
            ids = text.map(refs[col.ref]).astype("Int64")
            bad = present & ids.isna()
            rejects.add(rows[bad], col.name, "unknown_code", text[bad])
            out = ids
        elif col.type == "list":
            out = text.where(present, "").map(lambda v: tuple(p.strip() for p in v.split(";") if p.strip()))
        return out
    if col.type in ("int", "float"):
        numbers = pd.to_numeric(text.where(present), errors="coerce")
        bad = present & numbers.isna()
        rejects.add(rows[bad], col.name, "not_a_number", text[bad])
        if col.type == "int":
            fractional = present & numbers.notna() & (numbers != numbers.round())
            rejects.add(rows[fractional], col.name, "not_an_integer", text[fractional])
        if col.min is not None:
            low = numbers < col.min
            rejects.add(rows[low], col.name, "below_min", text[low], _fmt_limit(col.min))
        if col.max is not None:
            high = numbers > col.max
            rejects.add(rows[high], col.name, "above_max", text[high], _fmt_limit(col.max))
        if col.type == "int":
            return numbers.round().astype("Int64")
        return numbers.round(2 if col.name == "amount" else 6)
    if col.type == "date":
        parsed = pd.to_datetime(text.where(present), format="%Y-%m-%d", errors="coerce")
        ok = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
        bad = present & (parsed.isna() | ~ok)
        rejects.add(rows[bad], col.name, "not_a_date", text[bad])
        return _dates(parsed.where(~bad))
    if col.type == "datetime":
        pattern = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
        ok = text.str.fullmatch(pattern).fillna(False)
        parsed = pd.to_datetime(text.where(present & ok), format="ISO8601", errors="coerce")
        bad = present & parsed.isna()
        rejects.add(rows[bad], col.name, "not_a_datetime", text[bad])
        return parsed
    if col.type == "month":
        ok = text.str.fullmatch(r"\d{4}-\d{2}").fillna(False)
        parsed = pd.to_datetime(text.where(present & ok) + "-01", format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        rejects.add(rows[bad], col.name, "not_a_month", text[bad])
        return _dates(parsed)
    if col.type == "quarter":
        upper = text.str.upper()
        ok = upper.str.fullmatch(r"\d{4}-Q[1-4]").fillna(False)
        rejects.add(rows[present & ~ok], col.name, "not_a_quarter", text[present & ~ok])
        return upper.where(present & ok, None)
    if col.type == "bool":
        mapped = text.str.lower().map(
            {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}
        )
        bad = present & mapped.isna()
        rejects.add(rows[bad], col.name, "not_a_bool", text[bad])
        return mapped
    raise ValueError(f"unknown column type {col.type}")


def _stripped(text: pd.Series) -> pd.Series:
    """The column without surrounding spaces; the column itself when no cell has any.

    Returning the original keeps its memory shared with the file's frame instead of holding a
    second copy of every text column (a million descriptions are a few hundred megabytes).
    """
    data = getattr(text.array, "_pa_array", None)  # Arrow-backed text: ask Arrow first
    if isinstance(data, pa.ChunkedArray) and pa.types.is_string(data.type):
        # pandas' strip of Arrow text is this very trim; trimming only removes whole characters,
        # so a cell changed exactly when its byte length did. Most files have no such cell, and
        # byte lengths come from the offsets: no decoding, no pandas objects.
        trimmed = pc.utf8_trim_whitespace(data)
        same = pc.equal(pc.binary_length(trimmed), pc.binary_length(data))
        del trimmed
        if pc.all(pc.fill_null(same, True)).as_py():
            release_memory()
            return text
    stripped = text.str.strip()
    lengths = text.str.len()
    unchanged = stripped.str.len().eq(lengths) | lengths.isna()
    if not unchanged.all():
        return stripped
    del stripped
    release_memory()
    return text


def release_memory() -> None:
    """Hand memory that pyarrow freed back to the system now, not when its allocator gets round to it.

    Large imports allocate and drop column-sized buffers; returned promptly, they do not add up
    to a peak several hundred megabytes above what is actually in use.
    """
    pa.default_memory_pool().release_unused()


def _dates(parsed: pd.Series) -> pd.Series:
    """datetime64 → Python dates, with None (not NaT) where there is no date."""
    return pd.Series(
        [d.date() if not pd.isna(d) else None for d in parsed], index=parsed.index, dtype="object"
    )


def _fmt_limit(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- reference data -----------------------------------------------------------------------


def _code_map(session: Session, model: type[m.SQLModel]) -> dict[str, int]:
    return {code: id_ for code, id_ in session.execute(select(model.code, model.id)).all()}


def _reference_maps(session: Session, kind: Kind, frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    refs: dict[str, dict[str, int]] = {}
    for col in kind.columns:
        if col.type == "ref" and col.ref not in refs:
            refs[col.ref] = _code_map(session, get_kind(col.ref).model)
    if kind.name == "activities":
        refs["reps"] = _code_map(session, m.Rep)
    return refs


# --- the import ---------------------------------------------------------------------------


def import_frame(
    engine: Engine,
    kind_name: str,
    frame: pd.DataFrame,
    *,
    source: str = "callcenter",
    meta: FileMeta | None = None,
    dry_run: bool = False,
    on_reject: str = "refuse",
    row_errors: pd.DataFrame | None = None,
    department_ids: Collection[int] | None = None,
) -> ImportResult:
    """Validate `frame` (canonical column names, text cells) as `kind_name` and upsert it.

    on_reject: "refuse" writes nothing when any row is rejected; "skip" writes the valid rows
    and reports the rejected ones. `row_errors` (columns row, column, reason_code, reason_en,
    reason_zh) rejects rows that an earlier stage, such as the file reader, found wrong.
    `department_ids` limits a department manager's upload to those departments: a row that names
    (or a stored row that belongs to) another department's department, supervisor, rep or
    customer is rejected, and so is a complaint attributed to another department (an unmatched
    one is let through: someone who can see it resolves it later). None: no limit.
    Raises ImportRefused for whole-file problems.
    """
    kind = get_kind(kind_name)
    meta = meta or FileMeta()
    # A shallow copy is enough: pandas' copy-on-write keeps the caller's frame unchanged, and a
    # deep copy of a million-row file costs seconds and hundreds of megabytes.
    frame = frame.copy(deep=False)
    if ROW not in frame.columns:
        frame[ROW] = np.arange(2, len(frame) + 2)
    frame = frame.reset_index(drop=True)
    missing = [c for c in kind.required_columns if c not in frame.columns]
    if missing:
        found = [str(c) for c in frame.columns if c != ROW]
        raise ImportRefused("missing_columns", value=", ".join(missing), limit=", ".join(found) or "—")
    if len(frame) == 0:
        raise ImportRefused("empty")
    for col in kind.columns:
        if col.name not in frame.columns:
            frame[col.name] = pd.Series([None] * len(frame), dtype="string")

    def attempt() -> ImportResult:
        result = ImportResult(kind=kind.name, rows_read=len(frame), dry_run=dry_run)
        with write_session(engine, serialize=f"import:{kind.name}") as session:
            plan = _plan(
                session, kind, frame, source=source, row_errors=row_errors, department_ids=department_ids
            )
            _fill_result(result, plan)
            if result.rejected and on_reject == "refuse":
                result.message_code = "rows_rejected"
                result.message_fields = {"value": result.rejected}
                session.rollback()
                if not dry_run:
                    result.upload_id = _record_refusal(engine, kind, meta, source, result)
                return result
            if dry_run:
                session.rollback()
                return result
            upload = _upload_record(kind, meta, source, result, status="committed")
            session.add(upload)
            session.flush()
            if kind.name == "complaints":
                # Each complaint remembers the upload that inserted it and the one that last wrote
                # it; the values an update replaces go to upload_change. Together: an exact undo.
                plan.frame["upload_id"] = upload.id
                plan.frame["created_upload_id"] = upload.id
                plan.write_columns.append("upload_id")
            left = aggregates.cells_before_write(session, kind.name, plan.frame)  # weekly aggregates
            _write(session, kind, plan, source=source, upload_id=upload.id)
            aggregates.refresh_after_write(session, kind.name, plan.frame, left)  # same transaction
            result.upload_id = upload.id
            result.committed = True
        return result

    with refusing_database_failures():
        return in_turn(engine, attempt)


def in_turn(engine: Engine, write: Callable[[], T]) -> T:
    """Run `write` (one write transaction); on SQLite, keep waiting while other writers get on.

    SQLite lets one writer in at a time and its busy handler is not a queue: with twenty
    uploads at once, an unlucky one can lose the race for the lock for longer than the busy
    timeout although every other upload is moving along. So a busy database is retried for as
    long as some other connection commits within each busy timeout (SQLite's data_version
    tells), up to _QUEUE_SECONDS in all. A writer that holds the lock and commits nothing for a
    whole busy timeout still gets the "busy, try again" answer. PostgreSQL queues by itself.
    """
    watch = _commit_watch(engine)
    deadline = time.monotonic() + _QUEUE_SECONDS
    try:
        while True:
            seen = _data_version(watch)
            try:
                return write()
            except DatabaseBusyError:
                if watch is None or _data_version(watch) == seen or time.monotonic() > deadline:
                    raise
    finally:
        if watch is not None:
            watch.close()


def _commit_watch(engine: Engine) -> sqlite3.Connection | None:
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        return None
    uri = database if database.startswith("file:") else Path(database).resolve().as_uri()
    try:
        return sqlite3.connect(
            uri + ("&" if "?" in uri else "?") + "mode=ro", uri=True, check_same_thread=False
        )
    except sqlite3.Error:
        return None


def _data_version(watch: sqlite3.Connection | None) -> int | None:
    """A number that changes whenever another connection commits to the database."""
    if watch is None:
        return None
    try:
        return int(watch.execute("PRAGMA data_version").fetchone()[0])
    except sqlite3.Error:
        return None


@contextmanager
def refusing_database_failures() -> Iterator[None]:
    """Turn a database that cannot take the write into a clear ImportRefused.

    Busy, read-only, full or unreachable: the transaction was rolled back (nothing of the file
    is written) and the message says what happened and what to do, in Chinese and English.
    Any other error is a bug and goes up as it is.
    """
    try:
        yield
    except DatabaseBusyError:
        raise ImportRefused("busy") from None
    except (DBAPIError, *_driver_errors()) as exc:
        code = database_failure(exc)
        if code is None:
            raise
        raise ImportRefused(code) from exc


@lru_cache(maxsize=1)
def _driver_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a requirement, but SQLite runs without it
        pass
    return tuple(errors)


def database_failure(exc: BaseException) -> str | None:
    """The FILE_REASONS code for a database failure that is not the file's fault, or None."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(orig).lower()
    state = getattr(orig, "sqlstate", None) or ""
    if "database is locked" in text or "database is busy" in text or state in ("55P03", "40P01"):
        return "busy"
    if "readonly database" in text or state == "25006":
        return "read_only"
    if "disk is full" in text or "no space left" in text or state == "53100":
        return "disk_full"
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if invalidated or state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return "database_unavailable"
    if any(sign in text for sign in _CONNECTION_LOST):
        return "database_unavailable"  # the connection broke before the server could say why
    return None


_CONNECTION_LOST = (
    "unable to open database file",
    "server closed the connection",
    "connection is closed",
    "terminating connection",
    "consuming input failed",
    "could not receive data",
    "could not send data",
    "connection to server",
    "connection refused",
)


@dataclass
class _Plan:
    """What an import will do, decided before anything is written."""

    frame: pd.DataFrame  # typed values with db column names, ROW and `_outcome`
    write_columns: list[str]
    outcomes: pd.DataFrame


def _plan(
    session: Session,
    kind: Kind,
    frame: pd.DataFrame,
    *,
    source: str,
    row_errors: pd.DataFrame | None = None,
    department_ids: Collection[int] | None = None,
) -> _Plan:
    rows = frame[ROW]
    rejects = _Rejects()
    rejects.add_rendered(row_errors)
    refs = _reference_maps(session, kind, frame)
    typed = pd.DataFrame({ROW: rows})
    for col in kind.columns:
        parsed = _parse_column(col, frame[col.name], rows, rejects, refs)
        # Text stays in pandas' Arrow-backed strings: as an object array of Python str, a
        # million-row description column costs about a second and several hundred megabytes.
        typed[col.db_name] = parsed.array if isinstance(parsed.dtype, pd.StringDtype) else parsed.to_numpy()
    write_columns = [c.db_name for c in kind.columns if c.type != "list"]
    if kind.name == "reps":
        write_columns.remove("supervisor_id")
        bad = typed["left_on"].notna() & typed["hired_on"].notna()
        bad &= pd.Series(
            [
                lo is not None and hi is not None and lo < hi  # both are dates or None
                for lo, hi in zip(typed["left_on"], typed["hired_on"])
            ]
        )
        rejects.add(rows[bad], "left_on", "left_before_hired")
    if kind.name == "activities":
        rep_map = refs["reps"]
        unknown = typed["rep_codes"].map(lambda codes: next((c for c in codes if c not in rep_map), None))
        bad = unknown.notna()
        rejects.add(rows[bad], "rep_codes", "unknown_code", unknown[bad])
        typed["rep_codes"] = typed["rep_codes"].map(lambda codes: ";".join(sorted(set(codes))))
    if kind.name == "complaints":
        write_columns += _attribute_complaints(session, typed, source)
        bad = typed["resolved_at"].notna() & (typed["resolved_at"] < typed["received_at"])
        rejects.add(rows[bad], "resolved_at", "resolved_before_received")
        for text_col in ("customer_ref", "department_ref", "category", "severity", "channel", "status"):
            typed[text_col] = typed[text_col].fillna("")
        typed["description"] = typed["description"].fillna("")
    scope = None
    if department_ids is not None:
        scope = _department_scope(session, department_ids)
        _reject_other_departments(kind, typed, rows, rejects, scope)

    reject_table = rejects.table()
    rejected_rows = set(reject_table["row"].tolist())
    typed["_outcome"] = np.where(typed[ROW].isin(rejected_rows), "rejected", "")
    compare_columns = write_columns + (["rep_codes"] if kind.name == "activities" else [])
    if kind.name == "reps":
        compare_columns = compare_columns + ["supervisor_id"]
    if kind.name == "complaints":
        # Stored with the row, the hash of its compared values lets the next upload of the same
        # complaints fetch (key, id, hash) instead of every column.
        typed[HASH] = _signature(typed, compare_columns, kind.model.__table__).view("int64")
        write_columns = [*write_columns, HASH]
    repeated_rejects: list[dict] = []
    _mark_in_file_duplicates(kind, typed, compare_columns, repeated_rejects)
    if repeated_rejects:
        reject_table = pd.concat([reject_table, pd.DataFrame(repeated_rejects)], ignore_index=True)
    _compare_with_database(session, kind, typed, compare_columns, source)
    if scope is not None:
        stored = _reject_stored_of_other_departments(session, kind, typed, scope)
        if len(stored):
            reject_table = pd.concat([reject_table, stored], ignore_index=True)

    outcomes = _outcome_table(typed, reject_table)
    return _Plan(frame=typed, write_columns=write_columns, outcomes=outcomes)


# --- a department manager's uploads ---------------------------------------------------------

_SCOPED = ("departments", "supervisors", "reps", "customers")  # the kinds that belong to a department


@dataclass
class _DepartmentScope:
    """The departments, supervisors, reps and customers that are a restricted uploader's own."""

    own: dict[str, set[int]]  # kind -> ids of its rows in the uploader's departments
    codes: dict[str, dict[int, str]]  # kind -> id -> code, to name what is not one's own


def _department_scope(session: Session, department_ids: Collection[int]) -> _DepartmentScope:
    """A rep is one's own when one of their assignments, past or present, is in a team of the department."""
    mine = {int(d) for d in department_ids}
    own: dict[str, set[int]] = {}
    codes: dict[str, dict[int, str]] = {}
    departments = session.execute(select(m.Department.id, m.Department.code)).all()
    codes["departments"] = {i: c for i, c in departments}
    own["departments"] = {i for i, _ in departments if i in mine}
    for name, model in (("supervisors", m.Supervisor), ("customers", m.Customer)):
        rows = session.execute(select(model.id, model.code, model.department_id)).all()
        codes[name] = {i: c for i, c, _ in rows}
        own[name] = {i for i, _, d in rows if d in mine}
    codes["reps"] = {i: c for i, c in session.execute(select(m.Rep.id, m.Rep.code)).all()}
    own["reps"] = set(
        session.execute(
            select(m.Assignment.rep_id)
            .join(m.Supervisor, m.Supervisor.id == m.Assignment.supervisor_id)
            .where(m.Supervisor.department_id.in_(sorted(mine) or [-1]))
            .distinct()
        ).scalars()
    )
    return _DepartmentScope(own=own, codes=codes)


def _scoped_columns(kind: Kind) -> list[Col]:
    return [c for c in kind.columns if c.type == "ref" and c.ref in _SCOPED]


def _reject_other_departments(
    kind: Kind, typed: pd.DataFrame, rows: pd.Series, rejects: _Rejects, scope: _DepartmentScope
) -> None:
    """Rows that name another department's department, supervisor, rep or customer."""
    for col in _scoped_columns(kind):
        ids = pd.Series(typed[col.db_name], index=typed.index).astype("Int64")
        bad = (ids.notna() & ~ids.isin(scope.own[col.ref])).fillna(False).astype(bool)
        values = ids[bad].map(lambda i, ref=col.ref: scope.codes[ref].get(int(i), ""))
        rejects.add(rows[bad], col.name, "other_department", values)
    if kind.name == "departments":
        # A department file's rows are the departments themselves; a new one is no manager's own.
        own = {scope.codes["departments"][i] for i in scope.own["departments"]}
        codes = typed["code"].astype("string")
        bad = (codes.notna() & ~codes.isin(own)).fillna(False).astype(bool)
        rejects.add(rows[bad], "code", "other_department", codes[bad])
    if kind.name == "activities":
        own = {scope.codes["reps"][i] for i in scope.own["reps"] if i in scope.codes["reps"]}
        foreign = typed["rep_codes"].map(
            lambda codes: next((c for c in (codes or "").split(";") if c and c not in own), None)
        )
        bad = foreign.notna()
        rejects.add(rows[bad], "rep_codes", "other_department", foreign[bad])
    if kind.name == "complaints":
        # Attributed to another department, through the department named or else the customer.
        dept = pd.Series(typed["department_id"], index=typed.index).astype("Int64")
        bad = (dept.notna() & ~dept.isin(scope.own["departments"])).fillna(False).astype(bool)
        named = typed["department_ref"].astype("string").fillna("").ne("")
        for column in ("department_ref", "customer_ref"):
            these = bad & (named if column == "department_ref" else ~named)
            rejects.add(rows[these], column, "other_department", typed.loc[these, column])


def _reject_stored_of_other_departments(
    session: Session, kind: Kind, typed: pd.DataFrame, scope: _DepartmentScope
) -> pd.DataFrame:
    """Rows that would update a stored row of another department (moving it into one's own, say).

    Marks them rejected in `typed` and returns their rejections (the _Rejects table's columns).
    """
    updating = typed.index[typed["_outcome"] == "update"]
    if not len(updating):
        return pd.DataFrame()
    table = kind.model.__table__
    stored_cols = [(c.name, c.db_name, c.ref) for c in _scoped_columns(kind) if c.db_name in table.c]
    if kind.name == "complaints":  # a stored complaint belongs to the department it is attributed to
        stored_cols.append(("department_ref", "department_id", "departments"))
    ids = [int(i) for i in typed.loc[updating, "_id"]]
    found: dict[int, tuple] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        stmt = select(table.c.id, *[table.c[db_name] for _, db_name, _ in stored_cols]).where(
            table.c.id.in_(chunk)
        )
        found.update({row[0]: tuple(row[1:]) for row in session.execute(stmt)})
    rejects = _Rejects()
    for i, row_id in zip(updating, ids):
        problem = None
        if kind.name in _SCOPED and row_id not in scope.own[kind.name]:
            column = kind.columns[0].name
            problem = (column, scope.codes[kind.name].get(row_id, ""))
        for (name, _, ref), value in zip(stored_cols, found.get(row_id, ())):
            if problem is None and value is not None and int(value) not in scope.own[ref]:
                problem = (name, scope.codes[ref].get(int(value), ""))
        if problem is not None:
            typed.at[i, "_outcome"] = "rejected"
            rejects.add(
                pd.Series([typed.at[i, ROW]]), problem[0], "stored_other_department", pd.Series([problem[1]])
            )
    return rejects.table()


def _attribute_complaints(session: Session, typed: pd.DataFrame, source: str) -> list[str]:
    """Resolve customer and department (by code, normalised name or alias) and derive the stored columns.

    A name that matches no code or name but that someone resolved before (name_alias) is
    attributed as resolved: to its customer (and that customer's department) or department.
    """
    customers = session.execute(
        select(m.Customer.id, m.Customer.code, m.Customer.name, m.Customer.department_id)
    ).all()
    departments = session.execute(select(m.Department.id, m.Department.code, m.Department.name)).all()
    cust_by_key: dict[str, tuple[int, int]] = {}
    for cid, code, _name, dept in customers:
        cust_by_key[normalise_name(code)] = (cid, dept)
    name_counts: dict[str, int] = {}
    for _, _, name, _ in customers:
        key = normalise_name(name)
        name_counts[key] = name_counts.get(key, 0) + 1
    for cid, _code, name, dept in customers:
        key = normalise_name(name)
        # A name shared by two customers identifies neither: such rows stay unmatched.
        if name_counts[key] == 1:
            cust_by_key.setdefault(key, (cid, dept))
    dept_by_key: dict[str, int] = {}
    for did, code, name in departments:
        dept_by_key[normalise_name(code)] = did
        dept_by_key.setdefault(normalise_name(name), did)
    # Resolved names come after codes and names: they only fill in what those leave open.
    aliases = session.execute(
        select(
            m.NameAlias.name_key, m.NameAlias.customer_id, m.NameAlias.department_id, m.Customer.department_id
        ).outerjoin(m.Customer, m.Customer.id == m.NameAlias.customer_id)
    ).all()
    dept_alias: dict[str, int] = {}
    for key, cid, did, customer_dept in aliases:
        if not key:
            continue
        if cid is not None:
            cust_by_key.setdefault(key, (cid, customer_dept))
        elif did is not None:
            dept_alias[key] = did
            dept_by_key.setdefault(key, did)

    # Work on the distinct values (a log repeats the same few thousand names a million times),
    # then spread the answers back to the rows by position.
    cust_codes, cust_values = _distinct(typed["customer_ref"])
    dept_codes, dept_values = _distinct(typed["department_ref"])
    cust_keys = [normalise_name(v) for v in cust_values]
    dept_keys = [normalise_name(v) for v in dept_values]
    cust_hits = [cust_by_key.get(k) for k in cust_keys]
    customer_id = np.array([h[0] if h else -1 for h in cust_hits], dtype="int64")[cust_codes]
    # A customer name resolved to a department gives the department without a customer.
    customer_dept = np.array(
        [h[1] if h else dept_alias.get(k, -1) for h, k in zip(cust_hits, cust_keys)], dtype="int64"
    )[cust_codes]
    given_dept = np.array([dept_by_key.get(k, -1) for k in dept_keys], dtype="int64")[dept_codes]
    has_dept = np.array([k != "" for k in dept_keys], dtype=bool)[dept_codes]
    has_cust = np.array([k != "" for k in cust_keys], dtype=bool)[cust_codes]
    department_id = np.where(has_dept, given_dept, customer_dept)

    reason = np.full(len(typed), "", dtype=object)
    unknown_dept = has_dept & (given_dept < 0)
    texts = np.array([render(UNMATCHED_REASONS, "unknown_department", "en", value=v) for v in dept_values])
    reason[unknown_dept] = texts.astype(object)[dept_codes[unknown_dept]]
    unknown_cust = ~has_dept & has_cust & (customer_dept < 0)
    texts = np.array([render(UNMATCHED_REASONS, "unknown_customer", "en", value=v) for v in cust_values])
    reason[unknown_cust] = texts.astype(object)[cust_codes[unknown_cust]]
    reason[~has_dept & ~has_cust] = render(UNMATCHED_REASONS, "no_customer_or_department", "en")

    typed["source"] = source
    received = pd.to_datetime(typed["received_at"])
    monday = received.dt.normalize() - pd.to_timedelta(received.dt.day_of_week, unit="D")
    week_codes, mondays = pd.factorize(monday)
    weeks = np.array([d.date() for d in mondays] + [None], dtype=object)
    typed["received_week"] = weeks[week_codes]  # code -1 (no date) picks the trailing None
    typed["customer_id"] = pd.arrays.IntegerArray(customer_id, customer_id < 0)
    typed["department_id"] = pd.arrays.IntegerArray(department_id, department_id < 0)
    typed["match_status"] = np.where(reason == "", "matched", "unmatched")
    typed["unmatched_reason"] = reason
    return ["source", "received_week", "customer_id", "department_id", "match_status", "unmatched_reason"]


def _value_kind(table, column: str) -> str:
    """How a column's values are compared: by the database type where the column is stored."""
    if column not in table.c:
        return "number" if column.endswith("_id") else "text"
    python_type = table.c[column].type.python_type
    if python_type is datetime:
        return "datetime"
    if python_type is date:
        return "date"
    if python_type is bool:
        return "bool"
    if python_type in (int, float):
        return "number"
    return "text"


def _comparable(series: pd.Series, kind: str) -> pd.Series:
    """The values of one column in one form, whichever side (file or database) they came from."""
    if kind in ("datetime", "date"):
        if not pd.api.types.is_datetime64_any_dtype(series):
            series = pd.to_datetime(series, errors="coerce", format="ISO8601" if kind == "datetime" else None)
        series = (series.dt.floor("s") if kind == "datetime" else series.dt.normalize()).dt.as_unit("s")
        return series.astype("int64").where(series.notna(), -1).astype("int64")
    if kind == "bool":
        return series.astype("boolean").astype("Int64").fillna(-1).astype("int64")
    if kind == "number":
        numbers = pd.to_numeric(series, errors="coerce").astype("float64").round(6)
        return numbers.where(numbers.notna(), np.inf)
    return series.astype("string").fillna("")


def _signature(frame: pd.DataFrame, columns: list[str], table) -> np.ndarray:
    """A 64-bit hash of each row's compared values (vectorised; equal rows hash equal).

    Computed _EXISTING_CHUNK rows at a time: the hash needs each value as a Python object, and
    a million rows of them at once would cost gigabytes.
    """
    out = np.zeros(len(frame), dtype="uint64")
    if not columns:
        return out
    kinds = [_value_kind(table, c) for c in columns]
    for start in range(0, len(frame), _EXISTING_CHUNK):
        part = frame.iloc[start : start + _EXISTING_CHUNK]
        # The very value of pd.util.hash_pandas_object over a frame of these columns (index=False),
        # stored hashes depend on it, without building that frame: each column's hash_array,
        # combined as pandas combines them.
        hashes = (_column_hash(_comparable(part[c], k)) for c, k in zip(columns, kinds, strict=True))
        out[start : start + len(part)] = combine_hash_arrays(hashes, len(columns))
    return out


def _column_hash(values: pd.Series) -> np.ndarray:
    """pd.util.hash_array of a column's values; text is hashed once per distinct value (the
    factorising done by Arrow), which gives each value the hash it has on its own."""
    if values.dtype.kind in "iufb":
        return pd.util.hash_array(values.to_numpy())
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    hashed = pd.util.hash_array(np.asarray(uniques, dtype=object), categorize=False)
    return hashed[codes]


def _mark_in_file_duplicates(
    kind: Kind, typed: pd.DataFrame, columns: list[str], extra_rejects: list
) -> None:
    """A key repeated inside the file: identical → duplicate; different → rejected."""
    live = typed["_outcome"] == ""
    key_cols = [c for c in kind.key if c != "source"]
    keys = typed.loc[live, key_cols]
    repeated = keys.duplicated(keep="first")
    if not repeated.any():
        return
    if HASH in typed:  # complaints: the same hash over the same columns, already made
        signature = pd.Series(typed.loc[live, HASH].to_numpy(), index=keys.index)
    else:
        signature = pd.Series(_signature(typed.loc[live], columns, kind.model.__table__), index=keys.index)
    groups = [typed.loc[live, c].astype("string") for c in key_cols]
    first_signature = signature.groupby(groups).transform("first")
    idx = keys.index[repeated]
    same = signature.loc[idx] == first_signature.loc[idx]
    typed.loc[idx[same.to_numpy()], "_outcome"] = "duplicate"
    different = idx[~same.to_numpy()]
    typed.loc[different, "_outcome"] = "rejected"
    label = (
        kind.columns[0].name
        if kind.key == ("code",) or kind.key == ("source", "code")
        else "+".join(key_cols)
    )
    for i in different:
        value = "/".join(str(typed.at[i, c]) for c in key_cols)
        extra_rejects.append(
            {
                "row": typed.at[i, ROW],
                "column": label,
                "reason_code": "key_repeated_different",
                "value": value,
                "limit": "",
            }
        )


def _existing(
    session: Session, kind: Kind, typed: pd.DataFrame, columns: list[str], source: str
) -> Iterator[pd.DataFrame]:
    """Existing database rows for the keys in the file, with the compared columns and their id.

    They come in parts of at most _EXISTING_CHUNK rows, so that comparing a re-export of a
    million complaints never holds a million database rows as Python objects at once.
    """
    table = kind.model.__table__
    key_cols = [c for c in kind.key if c != "source"]
    db_cols = [c for c in dict.fromkeys(["id", *key_cols, *columns]) if c in table.c]
    first = key_cols[0]
    values = pd.unique(typed[first].dropna())
    # Dates come back as text and are parsed in one vectorised step (see _comparable), which is
    # far cheaper than the driver layer building a datetime object per value.
    stmt = select(
        *[
            cast(table.c[c], String).label(c) if _value_kind(table, c) in ("date", "datetime") else table.c[c]
            for c in db_cols
        ]
    )
    if kind.key[0] == "source":
        stmt = stmt.where(table.c.source == source)
    first_assignment = attendees = None
    if kind.name == "reps":
        first_assignment = (
            pd.DataFrame(
                session.execute(
                    select(m.Assignment.rep_id, m.Assignment.supervisor_id, m.Assignment.start_on)
                ).all(),
                columns=["id", "supervisor_id", "start_on"],
            )
            .sort_values("start_on")
            .drop_duplicates("id")
        )[["id", "supervisor_id"]]
    if kind.name == "activities":
        codes = pd.DataFrame(
            session.execute(
                select(m.ActivityAttendee.activity_id, m.Rep.code).join(
                    m.Rep, m.Rep.id == m.ActivityAttendee.rep_id
                )
            ).all(),
            columns=["id", "code"],
        )
        attendees = codes.groupby("id")["code"].agg(lambda s: ";".join(sorted(s))).rename("rep_codes")

    def parts() -> Iterator[list]:
        if len(values) > 5 * _CHUNK:
            stored = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            if stored > 2 * len(values):
                # A big file into a much bigger table (a month of complaints into three years):
                # fetch only the rows whose key is in the file, through a temporary key table.
                keys = _key_table(session, table.c[first], values)
                stmt_keys = stmt.join(keys, table.c[first] == keys.c.k)
                result = session.execute(stmt_keys, execution_options={"yield_per": _EXISTING_CHUNK})
                yield from result.partitions()
                keys.drop(session.connection())  # (a rollback drops it too, on SQLite as well)
                return
            result = session.execute(stmt, execution_options={"yield_per": _EXISTING_CHUNK})
            yield from result.partitions()
            return
        for start in range(0, len(values), _CHUNK):
            chunk = [v.item() if hasattr(v, "item") else v for v in values[start : start + _CHUNK]]
            yield session.execute(stmt.where(table.c[first].in_(chunk))).all()

    for rows in parts():
        existing = _rows_frame(rows, db_cols)
        if not len(existing):
            continue
        if first_assignment is not None:
            existing = existing.merge(first_assignment, on="id", how="left")
        if attendees is not None:
            existing = existing.merge(attendees, left_on="id", right_index=True, how="left")
            existing["rep_codes"] = existing["rep_codes"].fillna("")
        yield existing


def _key_table(session: Session, column, values) -> Table:  # type: ignore[no-untyped-def]
    """A temporary one-column table holding `values`, filled with the driver's bulk path."""
    keys = Table(
        "tripod_import_keys",
        MetaData(),
        Column("k", column.type, primary_key=True),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",  # gone with the transaction, however it ends
    )
    conn = session.connection()
    keys.drop(conn, checkfirst=True)
    keys.create(conn)
    rows = [(v.item() if hasattr(v, "item") else v,) for v in values]
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy("COPY tripod_import_keys (k) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor = raw.cursor()
        try:
            cursor.executemany("INSERT INTO tripod_import_keys (k) VALUES (?)", rows)
        finally:
            cursor.close()
    return keys


def _rows_frame(rows: list, columns: list[str]) -> pd.DataFrame:
    """Database rows as a frame, built column by column through pyarrow.

    About three times faster than pandas inferring each column from Python objects, and text
    stays in Arrow.
    """
    if not rows:
        return pd.DataFrame(columns=columns)
    data: dict[str, object] = {}
    for name, values in zip(columns, zip(*rows)):
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            data[name] = pd.Series(values, dtype=object)
            continue
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            data[name] = pd.Series(array, dtype=pd.StringDtype("pyarrow"))
        elif name == HASH and array.null_count:
            # Not float64 with NaN, which would round a 64-bit hash.
            data[name] = pd.Series(array.to_pandas(types_mapper={array.type: pd.Int64Dtype()}.get))
        else:
            data[name] = array.to_pandas()
    return pd.DataFrame(data)


def _has_rows(session: Session, kind: Kind, source: str) -> bool:
    table = kind.model.__table__
    stmt = select(table.c.id)
    if kind.key[0] == "source":
        stmt = stmt.where(table.c.source == source)
    return session.execute(stmt.limit(1)).first() is not None


def _compare_with_database(
    session: Session, kind: Kind, typed: pd.DataFrame, columns: list[str], source: str
) -> None:
    """Mark each live row insert, update or duplicate against the stored row with the same key.

    Stored rows arrive in parts; each part is matched to the file's rows by key and compared
    column by column (vectorised), so only the current part is ever held in memory. Where the
    file carries a row hash (complaints), the stored rows' keys, ids and hashes are fetched
    first and only rows stored without a hash are compared column by column.
    """
    live = typed["_outcome"] == ""
    key_cols = [c for c in kind.key if c != "source"]
    typed["_id"] = pd.array([pd.NA] * len(typed), dtype="Int64")
    if not live.any():
        return
    if not _has_rows(session, kind, source):
        # The first upload of a source: nothing to compare with, so skip fetching by key.
        typed.loc[live, "_outcome"] = "insert"
        return
    table = kind.model.__table__
    positions = np.flatnonzero(live.to_numpy())
    whole = len(positions) == len(typed)

    def comparable(column: str) -> pd.Series:
        values = typed[column] if whole else typed[column].iloc[positions]
        return _comparable(values, _value_kind(table, column)).reset_index(drop=True)

    new_keys = _key_index([comparable(c) for c in key_cols])
    ids = np.full(len(positions), -1, dtype="int64")
    same = np.zeros(len(positions), dtype=bool)

    def stored_parts(
        among: np.ndarray | None, fetch: list[str]
    ) -> Iterator[tuple[np.ndarray, np.ndarray, pd.DataFrame]]:
        """(where in `positions` each matched stored row's key is, which stored rows matched, the part)."""
        keys = new_keys if among is None else new_keys[among]
        rows = typed.loc[live, key_cols] if among is None else typed.iloc[positions[among]][key_cols]
        for existing in _existing(session, kind, rows, fetch, source):
            stored_keys = _key_index([_comparable(existing[c], _value_kind(table, c)) for c in key_cols])
            at = keys.get_indexer(stored_keys)
            hit = at >= 0
            if hit.any():
                at = at[hit]
                yield (at if among is None else among[at]), hit, existing

    unhashed: np.ndarray | None = None
    if HASH in typed and HASH in table.c:
        new_hash = (typed[HASH] if whole else typed[HASH].iloc[positions]).to_numpy(dtype="int64")
        no_hash = np.zeros(len(positions), dtype=bool)
        for at, hit, existing in stored_parts(None, [HASH]):
            stored = existing[HASH].array[hit]
            known = ~np.asarray(pd.isna(stored), dtype=bool)
            ids[at] = existing["id"].to_numpy()[hit]
            same[at] = known & (np.asarray(pd.array(stored).fillna(0), dtype="int64") == new_hash[at])
            no_hash[at] = ~known
        unhashed = np.flatnonzero(no_hash)
    if unhashed is None or len(unhashed):
        new_values = {c: comparable(c) for c in columns}
        for at, hit, existing in stored_parts(unhashed, columns):
            equal = np.ones(len(at), dtype=bool)
            for c in columns:
                stored = _comparable(existing[c], _value_kind(table, c))
                equal &= _equal_at(new_values[c], at, stored, hit)
            ids[at] = existing["id"].to_numpy()[hit]
            same[at] = equal
    found = ids >= 0
    typed.loc[positions[found], "_id"] = ids[found]
    typed.loc[positions[found & same], "_outcome"] = "duplicate"
    typed.loc[positions[found & ~same], "_outcome"] = "update"
    typed.loc[positions[~found], "_outcome"] = "insert"


def _key_index(keys: list[pd.Series]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(keys[0])
    return pd.MultiIndex.from_arrays([k.to_numpy() for k in keys])


def _equal_at(new: pd.Series, at: np.ndarray, stored: pd.Series, hit: np.ndarray) -> np.ndarray:
    """new[at] == stored[hit], element by element (both already in their comparable form)."""
    if isinstance(new.dtype, pd.StringDtype) and isinstance(stored.dtype, pd.StringDtype):
        # Compared inside Arrow: no Python string object is made for a million descriptions.
        left = pa.array(new)
        if len(at) and at[-1] - at[0] + 1 == len(at) and (len(at) == 1 or (np.diff(at) == 1).all()):
            left = left.slice(int(at[0]), len(at))  # stored rows in file order: no copy needed
        else:
            left = left.take(pa.array(at))
        right = pa.array(stored)
        if not hit.all():
            right = right.filter(pa.array(hit))
        return pc.equal(left, right).to_numpy(zero_copy_only=False).astype(bool)
    return np.asarray(new.to_numpy()[at] == stored.to_numpy()[hit], dtype=bool)


def _outcome_table(typed: pd.DataFrame, reject_table: pd.DataFrame) -> pd.DataFrame:
    unmatched = typed.get("match_status", pd.Series("matched", index=typed.index)) == "unmatched"
    outcome = typed["_outcome"].map({"insert": "inserted", "update": "updated"}).fillna(typed["_outcome"])
    outcome = outcome.where(~(unmatched & outcome.isin(["inserted", "updated"])), "unmatched")
    table = pd.DataFrame({"row": typed[ROW].to_numpy(), "outcome": outcome.to_numpy()})
    table["column"] = ""
    table["reason_code"] = ""
    table["reason_en"] = ""
    table["reason_zh"] = ""
    if "unmatched_reason" in typed:
        reasons = typed["unmatched_reason"].fillna("")
        table.loc[outcome.to_numpy() == "unmatched", "reason_en"] = reasons[outcome == "unmatched"].to_numpy()
    if len(reject_table):
        by_row = reject_table.drop_duplicates("row").set_index("row")
        hit = table["row"].isin(by_row.index) & (table["outcome"] == "rejected")
        for i in table.index[hit]:
            r = by_row.loc[table.at[i, "row"]]
            fields = {"column": r["column"], "value": r["value"], "limit": r["limit"]}
            table.at[i, "column"] = r["column"]
            table.at[i, "reason_code"] = r["reason_code"]
            if isinstance(r.get("en"), str) and r.get("en"):
                table.at[i, "reason_en"], table.at[i, "reason_zh"] = r["en"], r["zh"]
            else:
                table.at[i, "reason_en"] = render(ROW_REASONS, r["reason_code"], "en", **fields)
                table.at[i, "reason_zh"] = render(ROW_REASONS, r["reason_code"], "zh", **fields)
    return table[OUTCOME_COLUMNS]


def _fill_result(result: ImportResult, plan: _Plan) -> None:
    counts = plan.outcomes["outcome"].value_counts()
    for name in OUTCOMES:
        setattr(result, name, int(counts.get(name, 0)))
    result.outcomes = plan.outcomes
    assert sum(result.counts()[k] for k in OUTCOMES) == result.rows_read


# --- writing ------------------------------------------------------------------------------


def _write(session: Session, kind: Kind, plan: _Plan, *, source: str, upload_id: int | None = None) -> None:
    typed = plan.frame
    table = kind.model.__table__
    columns = plan.write_columns
    is_insert = typed["_outcome"] == "insert"
    # A first upload inserts every row: no filtered copy of a million-row frame for that.
    inserts = typed if is_insert.all() else typed[is_insert]
    updates = typed[typed["_outcome"] == "update"]
    if len(inserts):
        insert_columns = columns + (["created_upload_id"] if "created_upload_id" in typed else [])
        bulk_insert(session, table.name, insert_columns, inserts[insert_columns])
    if len(updates):
        if kind.name == "complaints" and upload_id is not None:
            _keep_previous_values(session, table, columns, [int(i) for i in updates["_id"]], upload_id)
        params = [
            {"_id": int(row_id), **{c: _py(v) for c, v in zip(columns, values)}}
            for row_id, values in zip(updates["_id"], updates[columns].itertuples(index=False, name=None))
        ]
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        session.connection().execute(stmt, params)
    if kind.name == "reps":
        _sync_first_assignments(session, typed[typed["_outcome"].isin(["insert", "update"])])
    if kind.name == "assignments":
        _refresh_assignment_ends(
            session, set(typed.loc[typed["_outcome"].isin(["insert", "update"]), "rep_id"])
        )
    if kind.name == "activities":
        _sync_attendees(session, typed[typed["_outcome"].isin(["insert", "update"])])


def _keep_previous_values(
    session: Session, table: Table, columns: list[str], ids: list[int], upload_id: int
) -> None:
    """Record, in upload_change, the values of the rows an upload is about to update (for undo)."""
    records: list[tuple[int, int, str]] = []
    for start in range(0, len(ids), _CHUNK):
        stmt = select(table.c.id, *[table.c[c] for c in columns]).where(
            table.c.id.in_(ids[start : start + _CHUNK])
        )
        for row in session.execute(stmt):
            records.append((upload_id, row[0], previous_json(dict(zip(columns, row[1:])))))
    frame = pd.DataFrame(records, columns=["upload_id", "complaint_id", "previous_json"])
    bulk_insert(session, m.UploadChange.__table__.name, list(frame.columns), frame)


def previous_json(values: dict[str, object]) -> str:
    """A row's values as JSON (dates and datetimes in ISO form), as upload_change keeps them."""
    plain = {k: v.isoformat() if isinstance(v, date | datetime) else _py(v) for k, v in values.items()}
    return json.dumps(plain, ensure_ascii=False)


def previous_values(table: Table, text: str) -> dict[str, object]:
    """The values previous_json kept, typed again for the table's columns."""
    values: dict[str, object] = {}
    for name, value in json.loads(text).items():
        if name not in table.c:
            continue
        kind = _value_kind(table, name)
        if value is not None and kind == "datetime":
            value = datetime.fromisoformat(value)
        elif value is not None and kind == "date":
            value = date.fromisoformat(value)
        values[name] = value
    return values


def _py(value: object) -> object:
    """A plain Python value for a DBAPI driver (no numpy / pandas scalars, NA → None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def bulk_insert(session: Session, table_name: str, columns: list[str], frame: pd.DataFrame) -> None:
    """Insert a frame fast, inside the session's transaction: COPY on PostgreSQL, executemany on SQLite.

    Rows are converted and sent _WRITE_CHUNK at a time, so a million-row file never exists as a
    million Python tuples at once.
    """
    conn = session.connection()
    raw = conn.connection.driver_connection
    column_list = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        # CSV made by Arrow in C++, a block at a time: writing row by row through psycopg costs a
        # whole CPU core that the server needs to check keys and fill indexes.
        copy_sql = f'COPY "{table_name}" ({column_list}) FROM STDIN WITH (FORMAT csv)'
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for block in csv_blocks(frame[columns]):
                copy.write(block)
        return
    placeholders = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
    # A bigger page cache keeps the indexes being filled in memory (measured 18-27% faster on
    # a million rows); the connection gets its usual size back afterwards.
    cursor.execute(f"PRAGMA cache_size=-{_IMPORT_CACHE_KIB}")
    try:
        for rows in _prefetched(driver_rows(frame[columns])):
            cursor.executemany(f'INSERT INTO "{table_name}" ({column_list}) VALUES ({placeholders})', rows)
    finally:
        cursor.execute(f"PRAGMA cache_size={int(previous)}")
        cursor.close()


def _prefetched(chunks: Iterator[Iterator[tuple]]) -> Iterator[list[tuple]]:
    """Each chunk turned into tuples by a helper thread while the caller writes the one before.

    sqlite3 lets go of the GIL while SQLite works on a row, so building the next chunk's
    Python values overlaps with writing the current one instead of waiting for it.
    """
    lists = map(list, chunks)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, lists, None)
        while True:
            rows = pending.result()
            if rows is None:
                return
            pending = pool.submit(next, lists, None)
            yield rows


def driver_rows(frame: pd.DataFrame, chunk: int = _WRITE_CHUNK) -> Iterator[Iterator[tuple]]:
    """The frame as plain Python tuples for a DBAPI driver, `chunk` rows at a time.

    Missing values are None; dates and datetimes are text in the exact formats SQLAlchemy uses
    on SQLite ("YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS.ffffff"), which PostgreSQL's COPY reads too.
    """
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        yield zip(*[_driver_values(part[name]) for name in part.columns])


def csv_blocks(frame: pd.DataFrame, chunk: int = _WRITE_CHUNK) -> Iterator[bytes]:
    """The frame as CSV for PostgreSQL's COPY, `chunk` rows at a time (no header).

    Text is always quoted and a missing value is an empty unquoted field, which is how COPY's
    CSV format tells NULL from an empty string; datetimes are "YYYY-MM-DD HH:MM:SS.ffffff".
    """
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        arrays = [_arrow_column(part[name]) for name in part.columns]
        table = pa.Table.from_arrays(arrays, names=[str(name) for name in part.columns])
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, options)
        yield sink.getvalue().to_pybytes()


def _arrow_column(series: pd.Series) -> pa.Array:
    if pd.api.types.is_datetime64_any_dtype(series):
        return _datetime_arrow(series)
    try:
        array = pa.array(series, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not (
            pa.types.is_timestamp(array.type)
            or pa.types.is_time(array.type)
            or pa.types.is_decimal(array.type)
        ):
            return array
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    values = _driver_values(series)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _driver_values(series: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(series):
        return _datetime_text(series)
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return [_driver_value(v) for v in series.to_numpy(dtype=object, na_value=None)]
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_date(array.type):
        array = array.cast(pa.string())
    elif pa.types.is_timestamp(array.type) or pa.types.is_time(array.type) or pa.types.is_decimal(array.type):
        return [_driver_value(v) for v in series.to_numpy(dtype=object, na_value=None)]
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return _repeated_text(array)
    return array.to_pylist()


def _repeated_text(array: pa.Array) -> list:
    """Text as Python str, made once per distinct value when values repeat (categories, weeks ...)."""
    encoded = array.dictionary_encode()
    distinct = len(encoded.dictionary)
    if distinct * 4 > len(array):
        return array.to_pylist()
    values = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    return values[encoded.indices.fill_null(distinct).to_numpy()].tolist()


def _driver_value(value: object) -> object:
    if isinstance(value, datetime):
        return _py(value).strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    return _py(value)


@lru_cache(maxsize=1)
def _clock_faces() -> pa.Array:
    """ "HH:MM:SS" for every second of a day, looked up instead of formatted a million times."""
    seconds = np.arange(86_400)
    text = [
        f"{h:02d}:{mi:02d}:{se:02d}" for h, mi, se in zip(seconds // 3600, seconds // 60 % 60, seconds % 60)
    ]
    return pa.array(text)


def _datetime_text(series: pd.Series) -> list:
    """Datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" (None where missing)."""
    return _datetime_arrow(series).to_pylist()


def _datetime_arrow(series: pd.Series) -> pa.Array:
    """Datetimes as Arrow text "YYYY-MM-DD HH:MM:SS.ffffff" (null where missing), built from lookups."""
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    micros = series.dt.floor("us").to_numpy().astype("datetime64[us]")
    missing = np.isnat(micros)
    ticks = micros[~missing].view("int64")
    days, rest = np.divmod(ticks, 86_400_000_000)
    second, fraction = np.divmod(rest, 1_000_000)
    distinct_days, day_of_row = np.unique(days, return_inverse=True)
    day_text = pa.array(np.datetime_as_string(distinct_days.astype("datetime64[D]"), unit="D"))
    if fraction.any():
        fraction_text = pa.array(np.char.add(".", np.char.zfill(fraction.astype(str), 6)))
    else:
        fraction_text = pa.scalar(".000000")
    clock = pc.binary_join_element_wise(_clock_faces().take(pa.array(second)), fraction_text, "")
    text = pc.binary_join_element_wise(day_text.take(pa.array(day_of_row.ravel())), clock, " ")
    if not missing.any():
        return text
    rows = np.zeros(len(micros), dtype="int64")
    rows[~missing] = np.arange(len(ticks))
    return text.take(pa.array(rows, mask=missing))


def _sync_first_assignments(session: Session, reps: pd.DataFrame) -> None:
    """Each rep's first assignment follows reps.csv: that supervisor, from hired_on."""
    if not len(reps):
        return
    rep_ids = _code_map(session, m.Rep)
    ids = [rep_ids[code] for code in reps["code"]]
    firsts: dict[int, m.Assignment] = {}
    for start in range(0, len(ids), _CHUNK):
        # One query per chunk of reps, not one per rep: a file of 10,000 reps took 15 s.
        rows = session.execute(
            select(m.Assignment)
            .where(m.Assignment.rep_id.in_(ids[start : start + _CHUNK]))
            .order_by(m.Assignment.rep_id, m.Assignment.start_on)
        ).scalars()
        for row in rows:
            firsts.setdefault(row.rep_id, row)
    for rep_id, supervisor_id, hired_on in zip(ids, reps["supervisor_id"], reps["hired_on"]):
        first = firsts.get(rep_id)
        if first is None:
            session.add(m.Assignment(rep_id=rep_id, supervisor_id=int(supervisor_id), start_on=hired_on))
        else:
            first.supervisor_id = int(supervisor_id)
            first.start_on = hired_on
    session.flush()
    _refresh_assignment_ends(session, set(ids))


def _refresh_assignment_ends(session: Session, rep_ids: set) -> None:
    """end_on of each assignment = the start of the rep's next one (None for the latest)."""
    ids = [int(r) for r in rep_ids if r is not None and r is not pd.NA]
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(m.Assignment)
            .where(m.Assignment.rep_id.in_(ids[start : start + _CHUNK]))
            .order_by(m.Assignment.rep_id, m.Assignment.start_on)
        ).scalars()
        previous = None
        for row in rows:
            if previous is not None and previous.rep_id == row.rep_id:
                previous.end_on = row.start_on
            if previous is not None and previous.rep_id != row.rep_id:
                previous.end_on = None
            previous = row
        if previous is not None:
            previous.end_on = None
    session.flush()


def _sync_attendees(session: Session, activities: pd.DataFrame) -> None:
    """The attendees of each written activity become exactly those named in the file."""
    if not len(activities):
        return
    codes = activities["code"].tolist()
    activity_ids: dict[str, int] = {}
    table = m.ActivityAttendee.__table__
    # In chunks: PostgreSQL takes at most 65,535 parameters in one statement.
    for start in range(0, len(codes), _CHUNK):
        found = session.execute(
            select(m.Activity.code, m.Activity.id).where(m.Activity.code.in_(codes[start : start + _CHUNK]))
        ).all()
        activity_ids.update({code: id_ for code, id_ in found})
        ids = [id_ for _, id_ in found]
        session.connection().execute(table.delete().where(table.c.activity_id.in_(ids)))
    rep_ids = _code_map(session, m.Rep)
    pairs = [
        (activity_ids[code], rep_ids[rep])
        for code, reps in zip(activities["code"], activities["rep_codes"])
        for rep in (reps.split(";") if reps else [])
    ]
    if pairs:
        frame = pd.DataFrame(pairs, columns=["activity_id", "rep_id"])
        bulk_insert(session, table.name, ["activity_id", "rep_id"], frame)


# --- upload records -----------------------------------------------------------------------


def _upload_record(kind: Kind, meta: FileMeta, source: str, result: ImportResult, *, status: str) -> m.Upload:
    return m.Upload(
        kind=kind.name,
        source=source if kind.name == "complaints" else "",
        file_name=meta.file_name,
        file_hash=meta.file_hash,
        size_bytes=meta.size_bytes,
        encoding=meta.encoding,
        mapping_json=json.dumps(meta.mapping, ensure_ascii=False),
        username=meta.username,
        status=status,
        message=result.message("en"),
        **result.counts(),
    )


def _record_refusal(
    engine: Engine, kind: Kind, meta: FileMeta, source: str, result: ImportResult
) -> int | None:
    """Refused uploads are recorded too (in their own transaction), so the history is complete."""
    try:
        with write_session(engine) as session:
            upload = _upload_record(kind, meta, source, result, status="refused")
            session.add(upload)
            session.flush()
            return upload.id
    except (DatabaseBusyError, DBAPIError, *_driver_errors()) as exc:
        if isinstance(exc, DatabaseBusyError) or database_failure(exc):
            return None
        raise
