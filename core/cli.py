"""Command line: `python -m core.cli COMMAND ...` — the same core functions the pages use."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from core.db import init_db, make_engine
from core.i18n import LANGUAGES, cli_language, t

# Each command module registers itself here: name -> (configure parser, run). Kept as a plain
# table so a new command is one entry, not a new branch in main().
Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _configure_init(parser: argparse.ArgumentParser) -> None:
    parser.description = "Create the database, or upgrade it to the newest schema."


def _run_init(args: argparse.Namespace) -> int:
    engine = make_engine()
    revision = init_db(engine)
    print(
        t(
            "Database ready at schema revision {revision} ({url}).",
            language(args),
            revision=revision,
            url=engine.url.render_as_string(),
        )
    )
    return 0


def language(args: argparse.Namespace) -> str:
    """The language of a command's messages: its --lang, else TRIPOD_LANG or LANG, else English."""
    return cli_language(getattr(args, "lang", None))


def error(message: str, lang: str) -> str:
    """'error: …' / '错误：…' for stderr."""
    return t("error: {message}", lang, message=message)


def _add_language_option(parser: argparse.ArgumentParser) -> None:
    # Commands that define their own --lang (kpi, report, user ...) keep theirs.
    # A command with subcommands of its own (user) puts it on those.
    if any(
        "--lang" in a.option_strings or isinstance(a, argparse._SubParsersAction) for a in parser._actions
    ):
        return
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="language of messages (default: TRIPOD_LANG or LANG, else en)",
    )


def _commands() -> dict[str, Command]:
    commands: dict[str, Command] = {"init": (_configure_init, _run_init)}
    # Command modules are imported lazily so `init` stays fast and light.
    from core import cli_commands

    commands.update(cli_commands.COMMANDS)
    return commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="Tripod command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, run) in _commands().items():
        child = sub.add_parser(name)
        configure(child)
        _add_language_option(child)
        child.set_defaults(_run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args._run(args))


if __name__ == "__main__":
    sys.exit(main())
