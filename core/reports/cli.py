"""The `report` command: write one week's report (XLSX or PDF) to a file, for a scheduled job."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from core.auth import NOTHING, Scope, UserError, get_user, scope_for
from core.db import make_engine, read_session
from core.i18n import normalise_language, t
from core.periods import PeriodError, last_complete_week, normalise_week
from core.settings import get_settings

EVERYTHING = Scope(department_ids=None, supervisor_ids=None)
FORMATS = ("xlsx", "pdf")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the weekly report of one ISO week as Excel or PDF: one department's, or the "
        "company's over every department (docs/operations.md, 'Weekly report')."
    )
    parser.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    parser.add_argument("--department", metavar="CODE", help="one department's code (default: the company)")
    parser.add_argument("--format", choices=FORMATS, default="pdf", dest="fmt")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report")
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="file to write, or a folder for the default name "
        "tripod-weekly-<week>-<department>.<format> (default: the current folder)",
    )
    parser.add_argument(
        "--as-user",
        metavar="USERNAME",
        help="limit the report to what this Tripod user may see (default: everything)",
    )
    parser.add_argument(
        "--no-charts", action="store_true", help="leave the PDF's charts out (no browser needed)"
    )


def _target(out: str | None, week: str, department: str | None, fmt: str) -> Path:
    from core.reports import report_filename

    name = report_filename(week, department, fmt)
    if not out:
        return Path.cwd() / name
    path = Path(out)
    folder = path.is_dir() or out.endswith(("/", os.sep))
    return path / name if folder else path


def _write_atomically(path: Path, data: bytes) -> None:
    # A job that picks the file up (mail, a shared folder) never sees half a report.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    # Imported here so that every other command keeps working if the report stack cannot load.
    from core.reports import ReportError, build_report

    lang = normalise_language(args.lang)
    try:
        week = (
            normalise_week(args.week)
            if args.week
            else last_complete_week(datetime.now(get_settings().tz).date())
        )
    except PeriodError as exc:
        print(exc.text(lang), file=sys.stderr)
        return 2
    engine = make_engine()
    try:
        with read_session(engine) as session:
            scope = EVERYTHING
            if args.as_user:
                user = get_user(session, args.as_user)
                scope = scope_for(user) if user.is_active else NOTHING
            data = build_report(
                session,
                week,
                department_code=args.department,
                lang=lang,
                scope=scope,
                fmt=args.fmt,
                charts=not args.no_charts,
            )
    except ReportError as exc:
        print(exc.text(lang), file=sys.stderr)
        return 2
    except UserError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    path = _target(args.out, week, args.department, args.fmt)
    _write_atomically(path, data)
    print(t("Wrote {path} ({size} bytes).", lang, path=path, size=len(data)))
    return 0


REPORT_COMMANDS = {"report": (configure, run)}
