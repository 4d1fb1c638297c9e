"""Backup and restore of Tripod's database: SQLite's online backup with checks; pg_dump for PostgreSQL."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from core.i18n import N_, cli_language, t

EXIT_OK, EXIT_REFUSED = 0, 1
BEFORE_RESTORE = ".before-restore"


class OpsRefused(Exception):
    """A backup or restore that was not done; the message (English msgid) says why."""

    def __init__(self, msgid: str, **fields: object) -> None:
        self.msgid = msgid
        self.fields = fields
        super().__init__(msgid.format(**fields))

    def message(self, lang: str = "en") -> str:
        return t(self.msgid, lang, **self.fields)


@dataclass
class Copied:
    """What a backup or restore did."""

    path: Path
    size_bytes: int
    revision: str
    kept: Path | None = None  # the database as it was before a restore


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    """The database file behind a SQLite engine (refused for in-memory databases and other backends)."""
    if engine.dialect.name != "sqlite":
        raise OpsRefused(
            N_(
                "PostgreSQL is backed up with pg_dump and restored with pg_restore; see docs/operations.md:\n"
                "  {dump}\n  {restore}"
            ),
            dump=pg_dump_command(engine, "PATH"),
            restore=pg_restore_command(engine, "PATH"),
        )
    database = engine.url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        msgid = N_("This command needs a SQLite database file, not {database}.")
        raise OpsRefused(msgid, database=database or "memory")
    return Path(database)


def _read_only(path: Path | str) -> sqlite3.Connection:
    # A URI (percent-encoded by as_uri, so spaces and "#" in a path are safe) opened read-only.
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def _revision(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return ""
    return row[0] if row else ""


def _integrity(conn: sqlite3.Connection) -> str:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def known_revisions() -> tuple[list[str], str]:
    """Every schema revision this version of Tripod can run on (oldest first) and the newest."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.settings import PROJECT_ROOT

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    revisions = [r.revision for r in script.walk_revisions()][::-1]
    return revisions, script.get_current_head() or ""


def backup_sqlite(engine: Engine, target: Path | str) -> Copied:
    """Copy the live database with SQLite's online backup, then check the copy's integrity.

    The copy is a consistent snapshot even while the app writes (WAL): the backup reads one
    transaction's view of the file. It is written next to the target and renamed into place
    only once `PRAGMA integrity_check` says ok, so a failed backup never leaves a file that
    looks like a good one.
    """
    source = sqlite_path(engine)
    if not source.exists():
        raise OpsRefused(N_("There is no database at {path} to back up."), path=source)
    folder = str(target).endswith(os.sep) or Path(target).is_dir()
    target = Path(target)
    if folder:
        target = target / f"tripod-{datetime.now():%Y%m%d-%H%M%S}.db"
    if target.exists():
        raise OpsRefused(N_("{path} already exists; choose a new file name."), path=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = _read_only(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # One self-contained file: no -wal beside it that a copy by hand could forget.
            dst.execute("PRAGMA journal_mode=DELETE")
            verdict, revision = _integrity(dst), _revision(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise OpsRefused(
            N_("The copy failed its integrity check ({detail}); nothing was kept."), detail=verdict
        )
    os.replace(partial, target)
    return Copied(target, target.stat().st_size, revision)


def check_backup(path: Path) -> str:
    """The schema revision of a backup file, after checking that it is whole and Tripod's."""
    path = Path(path)
    if not path.is_file():
        raise OpsRefused(N_("There is no file at {path}."), path=path)
    try:
        conn = _read_only(path)
        try:
            verdict = _integrity(conn)
            revision = _revision(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise OpsRefused(N_("{path} is not a SQLite database ({detail})."), path=path, detail=exc) from None
    if verdict != "ok":
        raise OpsRefused(N_("{path} failed its integrity check ({detail})."), path=path, detail=verdict)
    if not revision:
        raise OpsRefused(N_("{path} is not a Tripod database (it has no schema revision)."), path=path)
    revisions, head = known_revisions()
    if revision not in revisions:
        raise OpsRefused(
            N_(
                "{path} has schema revision {revision}, which this version of Tripod does not know "
                "(newest known: {head}). Restore it with the Tripod version that wrote it."
            ),
            path=path,
            revision=revision,
            head=head,
        )
    return revision


def restore_sqlite(engine: Engine, source: Path) -> Copied:
    """Replace the database's content with a checked backup; the current content is kept beside it.

    Both copies go through SQLite's backup API, which takes the database's locks like any
    writer, so an app server that is still running sees either the old or the new content,
    never a mix (its open pages are re-read).
    """
    revision = check_backup(source)
    live = sqlite_path(engine)
    kept: Path | None = None
    live.parent.mkdir(parents=True, exist_ok=True)
    if live.exists():
        kept = live.with_name(live.name + BEFORE_RESTORE)
        kept.unlink(missing_ok=True)
        current = _read_only(live)
        try:
            saved = sqlite3.connect(kept)
            try:
                current.backup(saved)
                saved.execute("PRAGMA journal_mode=DELETE")
            finally:
                saved.close()
        finally:
            current.close()
    src = _read_only(Path(source))
    try:
        dst = sqlite3.connect(live, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            verdict = _integrity(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != "ok":
        raise OpsRefused(N_("The restored database failed its integrity check ({detail})."), detail=verdict)
    return Copied(live, live.stat().st_size, revision, kept)


# --- PostgreSQL --------------------------------------------------------------------------------


def _libpq_url(engine: Engine) -> str:
    url = make_url(engine.url.render_as_string(hide_password=True)).set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def pg_dump_command(engine: Engine, path: str) -> str:
    return f"pg_dump --format=custom --no-owner --file {path} '{_libpq_url(engine)}'"


def pg_restore_command(engine: Engine, path: str) -> str:
    return f"pg_restore --clean --if-exists --no-owner --dbname '{_libpq_url(engine)}' {path}"


# --- command line ------------------------------------------------------------------------------


def _default_lang() -> str:
    return cli_language()  # TRIPOD_LANG, then LANG (zh_CN.UTF-8 -> zh), else English


def _configure_backup(parser: argparse.ArgumentParser) -> None:
    parser.description = "Copy the SQLite database (online) and check the copy; PostgreSQL: use pg_dump."
    parser.add_argument(
        "path", help="the backup file to write, or a folder (existing, or ending in /) for a dated file"
    )
    parser.add_argument("--lang", choices=("zh", "en"), default=None)


def _configure_restore(parser: argparse.ArgumentParser) -> None:
    parser.description = "Replace the SQLite database with a checked backup; PostgreSQL: use pg_restore."
    parser.add_argument("path", type=Path, help="a backup written by `backup`")
    parser.add_argument("--lang", choices=("zh", "en"), default=None)


def _run_backup(args: argparse.Namespace) -> int:
    from core.db import make_engine

    lang = args.lang or _default_lang()
    try:
        done = backup_sqlite(make_engine(), args.path)
    except OpsRefused as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_REFUSED
    size = f"{done.size_bytes / 1024 / 1024:.1f}"
    print(
        t(
            "Backup written to {path} ({size} MB, schema revision {revision}, integrity ok).",
            lang,
            path=done.path,
            size=size,
            revision=done.revision or "—",
        )
    )
    return EXIT_OK


def _run_restore(args: argparse.Namespace) -> int:
    from core.db import make_engine

    lang = args.lang or _default_lang()
    try:
        done = restore_sqlite(make_engine(), args.path)
    except OpsRefused as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_REFUSED
    message = t("Restored {source} into {path} (schema revision {revision}).", lang, source=args.path,
                path=done.path, revision=done.revision)  # fmt: skip
    print(message)
    if done.kept is not None:
        print(t("The database as it was before is kept at {path}.", lang, path=done.kept))
    _, head = known_revisions()
    if done.revision != head:
        print(t("Run `python -m core.cli init` to bring it to the newest schema ({head}).", lang, head=head))
    return EXIT_OK


OPS_COMMANDS = {"backup": (_configure_backup, _run_backup), "restore": (_configure_restore, _run_restore)}
