"""The `user` CLI command: add users, set passwords, disable/enable and list them (audited)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import unicodedata

from sqlalchemy import inspect

from core.auth import (
    Role,
    UserError,
    check_new_user,
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    role_label,
    set_password,
)
from core.cli import Command
from core.db import DatabaseBusyError, make_engine, read_session, write_session
from core.i18n import cli_language, t

EXIT_OK, EXIT_REFUSED, EXIT_NOT_INITIALISED = 0, 1, 3


def _default_lang() -> str:
    return cli_language()  # TRIPOD_LANG, then LANG (zh_CN.UTF-8 -> zh), else English


def configure_user(parser: argparse.ArgumentParser) -> None:
    parser.description = "Manage the people who sign in to Tripod."
    # Shared options go on every subcommand so they can follow it: `user add NAME --lang zh`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("zh", "en"), default=None, help="language of messages")
    common.add_argument(
        "--actor", default=None, help="who is making the change, for the audit trail (default: cli:$USER)"
    )
    sub = parser.add_subparsers(dest="user_command", required=True)

    add = sub.add_parser("add", help="create a user", parents=[common])
    add.add_argument("username")
    add.add_argument("--role", required=True, help="one of: " + ", ".join(r.value for r in Role))
    add.add_argument("--department", help="department code (managers)")
    add.add_argument("--supervisor", help="supervisor code (supervisor users)")
    add.add_argument("--display-name", default="")
    add.add_argument("--email", help="email that single sign-on maps to this user")
    _password_options(add, allow_none=True)

    setpw = sub.add_parser(
        "set-password", help="replace a password (also unlocks the account)", parents=[common]
    )
    setpw.add_argument("username")
    _password_options(setpw, allow_none=False)

    for name, text in (("disable", "stop a user from signing in"), ("enable", "allow a disabled user again")):
        child = sub.add_parser(name, help=text, parents=[common])
        child.add_argument("username")

    listing = sub.add_parser("list", help="list users", parents=[common])
    listing.add_argument("--format", choices=("table", "json"), default="table")


def _password_options(parser: argparse.ArgumentParser, *, allow_none: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    if allow_none:
        group.add_argument(
            "--no-password", action="store_true", help="no local password: single sign-on only"
        )


class _CliRefusal(Exception):
    """A refusal whose message is already in the user's language."""


def _read_password(args: argparse.Namespace, lang: str) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise _CliRefusal(t("No password was given.", lang))
        return password
    first = getpass.getpass("Password / 密码: ")
    second = getpass.getpass("Again / 再次输入: ")
    if first != second:
        raise _CliRefusal(t("The two passwords do not match.", lang))
    return first


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no USER variable and no passwd entry, e.g. in some containers
        return "unknown"


def run_user(args: argparse.Namespace) -> int:
    lang = args.lang or _default_lang()
    actor = args.actor or f"cli:{_os_user()}"
    engine = make_engine()
    try:
        if not inspect(engine).has_table("app_user"):
            print(
                t("The database is not initialised: run `python -m core.cli init` first.", lang),
                file=sys.stderr,
            )
            return EXIT_NOT_INITIALISED
        if args.user_command == "list":
            return _list(engine, args.format, lang)
        return _change(engine, args, actor, lang)
    except UserError as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_REFUSED
    except _CliRefusal as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except DatabaseBusyError:
        print(t("The database is busy; nothing was changed. Try again.", lang), file=sys.stderr)
        return EXIT_REFUSED
    finally:
        engine.dispose()


def _change(engine, args: argparse.Namespace, actor: str, lang: str) -> int:  # type: ignore[no-untyped-def]
    command = args.user_command
    if command == "add":
        # Refuse a bad role or placement before asking for a password twice.
        with read_session(engine) as session:
            check_new_user(session, args.username, args.role, args.department, args.supervisor, args.email)
        password = None if args.no_password else _read_password(args, lang)
        with write_session(engine) as session:
            user = create_user(
                session,
                args.username,
                args.role,
                password,
                department_code=args.department,
                supervisor_code=args.supervisor,
                display_name=args.display_name,
                email=args.email,
                actor=actor,
            )
            username, role = user.username, user.role
        print(t("Added user {username} ({role}).", lang, username=username, role=role_label(role, lang)))
        return EXIT_OK
    if command == "set-password":
        with read_session(engine) as session:
            get_user(session, args.username)  # an unknown user is refused before the prompt
        password = _read_password(args, lang)
        with write_session(engine) as session:
            username = set_password(session, args.username, password, actor=actor).username
        print(t("Password of {username} updated.", lang, username=username))
        return EXIT_OK
    change = disable_user if command == "disable" else enable_user
    with write_session(engine) as session:
        username = change(session, args.username, actor=actor).username
    if command == "disable":
        print(t("User {username} disabled.", lang, username=username))
    else:
        print(t("User {username} enabled.", lang, username=username))
    return EXIT_OK


def _list(engine, output: str, lang: str) -> int:  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        users = list_users(session)
    if output == "json":
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "role": u.role,
                "department": u.department_code,
                "supervisor": u.supervisor_code,
                "active": u.is_active,
                "locked_until_utc": u.locked_until_utc.isoformat() if u.locked_until_utc else None,
                "last_login_utc": u.last_login_at_utc.isoformat() if u.last_login_at_utc else None,
            }
            for u in users
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not users:
        print(t("No users yet.", lang))
        return EXIT_OK
    header = (
        t("Username", lang),
        t("Role", lang),
        t("Department", lang),
        t("Supervisor", lang),
        t("Active", lang),
        t("Last sign-in (UTC)", lang),
    )
    yes, no = t("yes", lang), t("no", lang)
    table = [header] + [
        (
            u.username,
            u.role,
            u.department_code or "-",
            u.supervisor_code or "-",
            yes if u.is_active else no,
            u.last_login_at_utc.strftime("%Y-%m-%d %H:%M") if u.last_login_at_utc else "-",
        )
        for u in users
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = (cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return EXIT_OK


def _width(cell: str) -> int:
    # Chinese characters take two terminal columns; counting them as one misaligns the table.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in cell)


USER_COMMANDS: dict[str, Command] = {"user": (configure_user, run_user)}
