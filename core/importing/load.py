"""Canonical files in: one file, a folder in dependency order, and the demo organisation."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Engine, func, select

from core import models as m
from core.db import analyze, read_session, write_session
from core.importing.engine import (
    ROW,
    FileMeta,
    ImportRefused,
    ImportResult,
    import_frame,
    in_turn,
    refusing_database_failures,
    release_memory,
)
from core.importing.kinds import LOAD_ORDER, get_kind
from core.settings import PROJECT_ROOT, get_settings

DEMO_DIR = PROJECT_ROOT / "seed_data" / "demo"
Progress = Callable[[str, int, int], None]


def read_canonical_csv(data: bytes | Path) -> pd.DataFrame:
    """A canonical CSV (UTF-8, optional BOM) as text cells plus each row's spreadsheet row number.

    `data` is the file's bytes or its path. Well-formed files are parsed by pyarrow (about five
    times faster than pandas' parser on a million rows, and it reads quoted multi-line cells);
    anything pyarrow does not take as it is — a short or long row, a duplicate or empty header,
    text that is not UTF-8 — goes through pandas' parser, whose answers are the reference.
    """
    frame = _read_with_arrow(data)
    if frame is None:
        buffer = io.BytesIO(data if isinstance(data, bytes) else Path(data).read_bytes())
        try:
            frame = pd.read_csv(
                buffer, encoding="utf-8-sig", dtype=str, keep_default_na=False, skip_blank_lines=True
            )
        except UnicodeDecodeError as exc:
            raise ImportRefused("not_utf8", value=f"byte {exc.start}") from None
        except pd.errors.EmptyDataError:
            raise ImportRefused("empty") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[ROW] = range(2, len(frame) + 2)
    return frame


def _read_with_arrow(data: bytes | Path) -> pd.DataFrame | None:
    """The file read by pyarrow with every cell as text, or None when pandas must decide."""
    source = io.BytesIO(data) if isinstance(data, bytes) else Path(data)
    try:
        with source if isinstance(source, io.BytesIO) else source.open("rb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text), None)
            text.detach()
    except (UnicodeDecodeError, csv.Error):
        return None
    if not header or "" in header or len(set(header)) != len(header):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(data) if isinstance(data, bytes) else str(data),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    if table.column_names != header:
        return None
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas' read_csv(dtype=str) gives
    frame = table.to_pandas(types_mapper={pa.string(): text_dtype}.get)
    del table
    release_memory()  # the parser's block buffers
    return frame


def file_hash(data: bytes | Path) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    with Path(data).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def previous_upload(engine: Engine, kind: str, digest: str, source: str = "") -> m.Upload | None:
    """The committed, not undone, upload of exactly these bytes, if any."""
    with read_session(engine) as session:
        stmt = (
            select(m.Upload)
            .where(m.Upload.kind == kind, m.Upload.file_hash == digest, m.Upload.status == "committed")
            .order_by(m.Upload.id.desc())
        )
        if kind == "complaints":
            stmt = stmt.where(m.Upload.source == source)
        return session.execute(stmt.limit(1)).scalar_one_or_none()


def import_bytes(
    engine: Engine,
    kind: str,
    data: bytes,
    *,
    file_name: str = "",
    source: str = "callcenter",
    username: str = "",
    dry_run: bool = False,
    on_reject: str = "refuse",
    department_ids: frozenset[int] | None = None,
) -> ImportResult:
    """Import one canonical file given as bytes; the same bytes again are recognised at once.

    `department_ids` limits the rows to those departments (a department manager's upload).
    """
    return _import_file(
        engine, kind, data, len(data), file_name, source=source, username=username, dry_run=dry_run,
        on_reject=on_reject, department_ids=department_ids,
    )  # fmt: skip


def import_path(engine: Engine, kind: str, path: Path, **kwargs) -> ImportResult:
    """Import one canonical file from disk; it is hashed and parsed from the file, never held as bytes."""
    path = Path(path)
    return _import_file(engine, kind, path, path.stat().st_size, kwargs.pop("file_name", path.name), **kwargs)


def _import_file(
    engine: Engine,
    kind: str,
    data: bytes | Path,
    size: int,
    file_name: str,
    *,
    source: str = "callcenter",
    username: str = "",
    dry_run: bool = False,
    on_reject: str = "refuse",
    department_ids: frozenset[int] | None = None,
) -> ImportResult:
    get_kind(kind)
    digest = file_hash(data)
    with refusing_database_failures():
        earlier = None if dry_run else previous_upload(engine, kind, digest, source)
        if earlier is not None:
            return in_turn(
                engine, lambda: already_imported(engine, kind, earlier, file_name, username, source)
            )
    meta = FileMeta(
        file_name=file_name, file_hash=digest, size_bytes=size, encoding="utf-8", username=username
    )
    # The frame is handed over, not kept here, so its text can be freed once it is parsed.
    return import_frame(
        engine,
        kind,
        read_canonical_csv(data),
        source=source,
        meta=meta,
        dry_run=dry_run,
        on_reject=on_reject,
        department_ids=department_ids,
    )


def already_imported(
    engine: Engine, kind: str, earlier: m.Upload, file_name: str, username: str, source: str
) -> ImportResult:
    result = ImportResult(
        kind=kind,
        rows_read=earlier.rows_read,
        duplicate=earlier.rows_read - earlier.rejected,
        rejected=earlier.rejected,
        committed=True,
        message_code="already_imported",
        message_fields={"value": earlier.id, "limit": earlier.created_at_utc.strftime("%Y-%m-%d %H:%M UTC")},
    )
    with write_session(engine) as session:
        upload = m.Upload(
            kind=kind,
            source=source if kind == "complaints" else "",
            file_name=file_name,
            file_hash=earlier.file_hash,
            size_bytes=earlier.size_bytes,
            encoding=earlier.encoding,
            mapping_json=earlier.mapping_json,
            username=username,
            status="committed",
            message=result.message("en"),
            **result.counts(),
        )
        session.add(upload)
        session.flush()
        result.upload_id = upload.id
    return result


@dataclass
class FolderResult:
    """What loading a folder did: one result per file, in load order, and where it stopped."""

    results: dict[str, ImportResult]
    refused: str | None = None
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return self.refused is None and all(r.committed for r in self.results.values())


def load_folder(
    engine: Engine, folder: Path, *, username: str = "", progress: Progress | None = None
) -> FolderResult:
    """Load every canonical file present in `folder`, each kind after the kinds it refers to.

    Each file is its own transaction; loading stops at the first file that is refused, since
    the files after it may refer to its rows.
    """
    folder = Path(folder)
    present = [k for k in LOAD_ORDER if (folder / get_kind(k).file).exists()]
    outcome = FolderResult(results={})
    for step, kind in enumerate(present, start=1):
        if progress:
            progress(kind, step, len(present))
        try:
            result = import_path(engine, kind, folder / get_kind(kind).file, username=username)
        except ImportRefused as exc:
            outcome.refused, outcome.refusal = kind, exc.message("en")
            return outcome
        outcome.results[kind] = result
        if not result.committed:
            outcome.refused, outcome.refusal = kind, result.message("en")
            return outcome
    if any(r.inserted or r.updated for r in outcome.results.values()):
        analyze(engine)
    return outcome


def demo_source_folder(today: date | None = None) -> Path:
    """The committed demo set, or a freshly generated one when the committed set is stale.

    The demo must always show data in the last complete week, so when the committed files were
    generated more than `demo_max_age_days` before `today`, the same deterministic generator
    writes a set for today under ./data/ (never over the committed files).
    """
    today = today or date.today()
    manifest = json.loads((DEMO_DIR / "manifest.json").read_text(encoding="utf-8"))
    generated_for = date.fromisoformat(manifest["today"])
    if (today - generated_for).days <= get_settings().demo_max_age_days:
        return DEMO_DIR
    target = PROJECT_ROOT / "data" / f"demo-{today.isoformat()}"
    if not (target / "manifest.json").exists():
        from seed_data.generate import generate

        generate(target, today=today, scale=manifest.get("scale", 1), seed=manifest.get("seed", 7))
    return target


def seed_demo(engine: Engine, *, progress: Progress | None = None, today: date | None = None) -> dict:
    """Load the demo organisation through the importer (the same path as `load`)."""
    folder = demo_source_folder(today)
    outcome = load_folder(engine, folder, username="demo", progress=progress)
    if not outcome.ok:
        raise RuntimeError(f"Loading the demo organisation stopped at {outcome.refused}: {outcome.refusal}")
    return {
        "folder": str(folder),
        "loaded_at": datetime.now().isoformat(timespec="seconds"),
        "files": {kind: r.counts() for kind, r in outcome.results.items()},
    }


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (for the overview page and the demo's documented counts)."""
    counts = {}
    with read_session(engine) as session:
        for table in m.SQLModel.metadata.sorted_tables:
            counts[table.name] = session.execute(select(func.count()).select_from(table)).scalar_one()
    return counts
