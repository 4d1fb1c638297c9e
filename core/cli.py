"""Command line: `python -m core.cli COMMAND ...` — the same core functions the pages use."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from core.db import init_db, make_engine

# Each command module registers itself here: name -> (configure parser, run). Kept as a plain
# table so a new command is one entry, not a new branch in main().
Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _configure_init(parser: argparse.ArgumentParser) -> None:
    parser.description = "Create the database, or upgrade it to the newest schema."


def _run_init(args: argparse.Namespace) -> int:
    engine = make_engine()
    revision = init_db(engine)
    print(f"database ready at schema revision {revision} ({engine.url.render_as_string()})")
    return 0


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
        child.set_defaults(_run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args._run(args))


if __name__ == "__main__":
    sys.exit(main())
