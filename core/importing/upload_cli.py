"""CLI for uploads: `import complaints FILE` with a mapping, `uploads` (the history) and `undo UPLOAD_ID`."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import Engine

from core.cli import error, language
from core.db import init_db, make_engine, read_session, write_session
from core.i18n import t
from core.importing.mapping import FIELDS
from core.importing.upload import (
    REFUSALS,
    UploadOutcome,
    UploadRefused,
    import_complaint_upload,
    list_uploads,
    undo_upload,
)

EXIT_REFUSED = 2
COUNT_NAMES = ("rows_read", "inserted", "updated", "duplicate", "unmatched", "rejected")


def add_complaint_options(parser: argparse.ArgumentParser) -> None:
    """Options of `import` that only complaint exports take."""
    group = parser.add_argument_group("complaint exports")
    choose = group.add_mutually_exclusive_group()
    choose.add_argument("--profile", help="apply a saved mapping profile by name")
    choose.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help=f"map a file column (by its header text) to a field; fields: {', '.join(FIELDS)}",
    )
    group.add_argument("--encoding", help="read a CSV in this encoding instead of detecting it")
    group.add_argument("--sheet", help="the XLSX sheet to read (default: the first)")
    order = group.add_mutually_exclusive_group()
    order.add_argument("--day-first", dest="day_first", action="store_const", const=True, default=None)
    order.add_argument("--month-first", dest="day_first", action="store_const", const=False)


def _parse_map(items: list[str]) -> dict[str, str] | None:
    if not items:
        return None
    mapping = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            raise SystemExit(f"error: --map takes FIELD=COLUMN, not {item!r}")
        mapping[field.strip()] = column.strip()
    return mapping


def run_complaint_import(engine: Engine, args: argparse.Namespace) -> int:
    lang = language(args)
    mapping = _parse_map(args.map)
    try:
        outcome = import_complaint_upload(
            engine,
            args.file.read_bytes(),
            args.file.name,
            mapping=mapping,
            profile=args.profile,
            encoding=args.encoding,
            sheet=args.sheet,
            day_first=args.day_first,
            source=args.source,
            username=args.user,
            dry_run=args.dry_run,
            on_reject="skip" if args.skip_rejected else "refuse",
        )
    except REFUSALS as exc:
        message = exc.message(lang)
        if args.format == "json":
            print(
                json.dumps({"kind": "complaints", "committed": False, "message": message}, ensure_ascii=False)
            )
        print(error(message, lang), file=sys.stderr)
        if isinstance(exc, UploadRefused) and exc.code == "mapping_incomplete":
            hint = t(
                "Map them with --map FIELD=COLUMN (for example --map id=工单号 --map received_at=受理时间), "
                "or apply a saved mapping with --profile NAME.",
                lang,
            )
            print(hint, file=sys.stderr)
        return EXIT_REFUSED
    _print_outcome(outcome, args.format, lang)
    return 0 if (outcome.committed or outcome.result.dry_run) else EXIT_REFUSED


def _print_outcome(outcome: UploadOutcome, fmt: str, lang: str = "en") -> None:
    from core.importing.cli import print_rejected, state_text

    prepared = outcome.prepared
    if fmt == "json":
        extra = {}
        if prepared is not None:
            extra = {"encoding": prepared.encoding, "sheet": prepared.sheet, "mapping": prepared.mapping}
        print(json.dumps({**outcome.to_dict(), **extra}, ensure_ascii=False))
        return
    result = outcome.result
    state = state_text(result, lang)
    upload = "  " + t("upload #{id}", lang, id=result.upload_id) if result.upload_id else ""
    print(f"complaints: {'  '.join(f'{k}={v}' for k, v in result.counts().items())}  [{state}]{upload}")
    if prepared is not None:
        how = prepared.encoding or f"sheet “{prepared.sheet}”"
        mapped = ", ".join(f"{field}={column}" for field, column in prepared.mapping.items())
        profile = f" (profile “{outcome.profile}”)" if outcome.profile else ""
        print(f"read as {how}; mapping{profile}: {mapped}")
    if result.message_code:
        print(result.message(lang))
    print_rejected(result, lang)


# --- uploads and undo ---------------------------------------------------------------------


def _configure_uploads(parser: argparse.ArgumentParser) -> None:
    parser.description = "List the uploads, newest first: who, when, file, counts and status."
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--limit", type=int, default=50)


def _run_uploads(args: argparse.Namespace) -> int:
    engine = make_engine()
    init_db(engine)
    with read_session(engine) as session:
        history = list_uploads(session, limit=args.limit)
    if args.format == "json":
        records = history.astype(object).where(history.notna(), None).to_dict("records")
        print(json.dumps(records, ensure_ascii=False, default=str))
        return 0
    if history.empty:
        print(t("No uploads yet.", language(args)))
        return 0
    for row in history.itertuples():
        when = row.created_at.strftime("%Y-%m-%d %H:%M") if row.created_at is not None else "—"
        counts = " ".join(f"{name}={getattr(row, name)}" for name in COUNT_NAMES)
        undone = f" by {row.undone_by}" if row.status == "undone" else ""
        who = row.username or "—"
        print(f"#{row.id}  {when}  {who}  {row.kind}  {row.file_name}  {counts}  [{row.status}{undone}]")
    return 0


def _configure_undo(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Undo a complaint upload: the complaints it inserted are deleted, the ones it updated get their "
        "previous values back, and the upload stays in the history marked undone. Refused when a later "
        "upload changed one of its complaints (undo that one first)."
    )
    parser.add_argument("upload_id", type=int)
    parser.add_argument("--user", default="cli", help="name recorded as the one who undid it")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _run_undo(args: argparse.Namespace) -> int:
    engine = make_engine()
    init_db(engine)
    try:
        # Whoever runs the command line administers the installation.
        with write_session(engine) as session:
            undone = undo_upload(session, args.upload_id, username=args.user, role="admin")
    except UploadRefused as exc:
        lang = language(args)
        print(error(exc.message(lang), lang), file=sys.stderr)
        return EXIT_REFUSED
    if args.format == "json":
        print(
            json.dumps(
                {"upload_id": undone.upload_id, "deleted": undone.deleted, "restored": undone.restored}
            )
        )
    else:
        print(
            t(
                "Upload #{id} undone: {deleted} complaint(s) deleted, {restored} updated complaint(s) "
                "restored to their previous values.",
                language(args),
                id=undone.upload_id,
                deleted=undone.deleted,
                restored=undone.restored,
            )
        )
    return 0


UPLOAD_COMMANDS = {
    "uploads": (_configure_uploads, _run_uploads),
    "undo": (_configure_undo, _run_undo),
}
