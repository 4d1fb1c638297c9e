"""CLI commands `import`, `load` and `seed`: thin wrappers over core.importing.load."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli import error, language
from core.db import init_db, make_engine
from core.i18n import N_, t
from core.importing.engine import ImportRefused, ImportResult
from core.importing.kinds import LOAD_ORDER
from core.importing.load import import_path, load_folder, seed_demo
from core.importing.upload_cli import UPLOAD_COMMANDS, add_complaint_options, run_complaint_import

EXIT_REFUSED = 2
STATES = {"committed": N_("committed"), "dry run": N_("dry run"), "refused": N_("refused")}


def state_text(result: ImportResult, lang: str) -> str:
    state = "committed" if result.committed else ("dry run" if result.dry_run else "refused")
    return t(STATES[state], lang)


def print_rejected(result: ImportResult, lang: str) -> None:
    """The first 20 rejected rows on stderr, with the reason in the language."""
    rejected = result.outcomes[result.outcomes["outcome"] == "rejected"]
    for row in rejected.head(20).itertuples():
        reason = row.reason_zh if lang == "zh" and row.reason_zh else row.reason_en
        print(
            "  " + t("row {row}: {column}: {reason}", lang, row=row.row, column=row.column, reason=reason),
            file=sys.stderr,
        )
    if len(rejected) > 20:
        print("  " + t("... and {n} more rejected rows", lang, n=len(rejected) - 20), file=sys.stderr)


def _print_result(result: ImportResult, fmt: str, lang: str = "en") -> None:
    if fmt == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    counts = "  ".join(f"{k}={v}" for k, v in result.counts().items())
    print(f"{result.kind}: {counts}  [{state_text(result, lang)}]")
    if result.message_code:
        print(result.message(lang))
    print_rejected(result, lang)


def _configure_import(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Load one file: a canonical CSV (see docs/formats.md), or for complaints any export "
        "(CSV in any encoding, or XLSX) with its columns mapped."
    )
    parser.add_argument("kind", choices=LOAD_ORDER)
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--source", default="callcenter", help="system the complaint ids come from")
    parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    parser.add_argument(
        "--skip-rejected", action="store_true", help="write the valid rows even when some rows are rejected"
    )
    parser.add_argument("--user", default="cli", help="name recorded on the upload")
    add_complaint_options(parser)


def _run_import(args: argparse.Namespace) -> int:
    lang = language(args)
    if not args.file.exists():
        print(error(t("no such file: {path}", lang, path=args.file), lang), file=sys.stderr)
        return EXIT_REFUSED
    engine = make_engine()
    init_db(engine)
    if args.kind == "complaints":
        return run_complaint_import(engine, args)
    try:
        result = import_path(
            engine,
            args.kind,
            args.file,
            source=args.source,
            username=args.user,
            dry_run=args.dry_run,
            on_reject="skip" if args.skip_rejected else "refuse",
        )
    except ImportRefused as exc:
        if args.format == "json":
            print(
                json.dumps(
                    {"kind": args.kind, "committed": False, "message": exc.message(lang)}, ensure_ascii=False
                )
            )
        print(error(exc.message(lang), lang), file=sys.stderr)
        return EXIT_REFUSED
    _print_result(result, args.format, lang)
    return 0 if (result.committed or result.dry_run) else EXIT_REFUSED


def _configure_load(parser: argparse.ArgumentParser) -> None:
    parser.description = "Load every canonical file present in a folder, in dependency order."
    parser.add_argument("folder", type=Path)
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _run_folder(engine, folder: Path | None, fmt: str, lang: str = "en") -> int:  # type: ignore[no-untyped-def]
    def report(kind: str, step: int, total: int) -> None:
        if fmt == "text":
            print(f"[{step}/{total}] {kind} ...", flush=True)

    if folder is None:
        try:
            summary = seed_demo(engine, progress=report)
        except RuntimeError as exc:
            print(error(str(exc), lang), file=sys.stderr)
            return EXIT_REFUSED
        if fmt == "json":
            print(json.dumps(summary, ensure_ascii=False))
        else:
            print(t("Demo organisation loaded from {folder}.", lang, folder=summary["folder"]))
        return 0
    outcome = load_folder(engine, folder, username="cli", progress=report)
    if fmt == "json":
        print(
            json.dumps(
                {
                    "ok": outcome.ok,
                    "refused": outcome.refused,
                    "message": outcome.refusal,
                    "files": {k: r.to_dict() for k, r in outcome.results.items()},
                },
                ensure_ascii=False,
            )
        )
    else:
        for result in outcome.results.values():
            _print_result(result, "text", lang)
    if not outcome.ok:
        stopped = t("stopped at {kind}: {reason}", lang, kind=outcome.refused, reason=outcome.refusal)
        print(error(stopped, lang), file=sys.stderr)
        return EXIT_REFUSED
    if not outcome.results:
        print(error(t("no canonical files found in {folder}", lang, folder=folder), lang), file=sys.stderr)
        return EXIT_REFUSED
    return 0


def _run_load(args: argparse.Namespace) -> int:
    lang = language(args)
    if not args.folder.is_dir():
        print(error(t("not a folder: {path}", lang, path=args.folder), lang), file=sys.stderr)
        return EXIT_REFUSED
    engine = make_engine()
    init_db(engine)
    return _run_folder(engine, args.folder, args.format, lang)


def _configure_seed(parser: argparse.ArgumentParser) -> None:
    parser.description = "Load the demo organisation from seed_data/ (through the importer)."
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _run_seed(args: argparse.Namespace) -> int:
    engine = make_engine()
    init_db(engine)
    return _run_folder(engine, None, args.format, language(args))


IMPORT_COMMANDS = {
    "import": (_configure_import, _run_import),
    "load": (_configure_load, _run_load),
    "seed": (_configure_seed, _run_seed),
    **UPLOAD_COMMANDS,
}
