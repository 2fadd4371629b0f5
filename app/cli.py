"""The command line: ``incidentdesk [--db URL] [COMMAND ...]``.

Without a command it starts the desktop application. Commands::

    incidentdesk db upgrade
    incidentdesk demo --incidents N [--seed S]
    incidentdesk users add USERNAME --name "Full Name" --role ROLE [--group G ...]
                                    [--email E] [--password-stdin] [--as ADMIN]
    incidentdesk users list [--json] | show USERNAME [--json]
    incidentdesk users edit|deactivate|activate|reset-password|delete USERNAME ... [--json] --as ADMIN
    incidentdesk groups|categories|services list [--all] [--json] | show NAME [--json]
    incidentdesk groups|categories|services add|edit|deactivate|activate|delete NAME ... --as ADMIN
    incidentdesk matrix show [--json] | preview FILE [--json] | apply FILE --reason R [--as ADMIN]
    incidentdesk calendars|policies list|show NAME [--json] | edit NAME ... [--preview] --as ADMIN
    incidentdesk policies rules NAME [--json] | set-rules NAME --rule C:T:ACTION[:GROUP]... --as ADMIN
    incidentdesk calendars due NAME --start T --response D --resolution D | month NAME YYYY-MM
    incidentdesk priorities list [--json] | color P COLOR --as ADMIN
    incidentdesk mail server [--host H --from A ...|--off] | outbox [--waiting] [--json] | send | retry
    incidentdesk incident new --title T [--description D] [--caller NAME-or-id] [--channel C]
                              [--category "Software > Email"] [--impact N] [--urgency N] [--json]
    incidentdesk incident show INC0000001 [--json]
    incidentdesk incident list [--state S ...] [--group NAME] [--limit N] [--json]
    incidentdesk incident VERB INC0000001 [options] [--json]
    incidentdesk intake http --listen 127.0.0.1:PORT
    incidentdesk intake smtp --listen 127.0.0.1:PORT
    incidentdesk import servicenow|bpi2013 FILE
    incidentdesk --as USER export csv [--view NAME] [--state S ...] [--group G] [--all] [-o FILE]
    incidentdesk intake alerts [--all] [--json]
    incidentdesk intake rules list|export|load FILE|add NAME --match L=RE ...|remove NAME|default-group G
    incidentdesk sla sweep
    incidentdesk escalate [--once]
    incidentdesk task add|list|start|assign|close ...
    incidentdesk package --db-url URL --out DIR [--name NAME] [--version V] [--timezone Z]
                         [--holiday-country CC]
    incidentdesk --self-test

The lifecycle verbs (``app/cli_lifecycle.py``): assign (``--to USER`` and/or ``--group G``),
escalate (``--group G --reason R``), escalate-supervisor (``--reason R``), hold (``--reason
awaiting_caller|awaiting_vendor|awaiting_change|awaiting_problem --comment C``), resume, resolve
(``--code C --notes N``), close, reopen (``--reason R``), cancel (``--reason R``), note (``--text
T [--caller-visible]``) and major (``--unmark``). Each calls the desktop's use case, so the same
rule answers; a refusal is its reason on one line.

The database comes from ``--db``, else ``INCIDENTDESK_DB``, else ``incidentdesk.ini`` in the user's
or the site's config folder, else the built-in SQLite file. Incident commands act as
``--as USERNAME`` (default: ``INCIDENTDESK_USER``).

Errors that are the user's or the environment's (wrong arguments, a bad address, a database that
cannot be reached, anything a service refuses) print ONE line ``incidentdesk: error: ...`` on
stderr and exit with 2. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from typing import Any, NoReturn, TextIO

from sqlalchemy import exc as sa_exc

from app import (
    cli_admin,
    cli_attachments,
    cli_intake,
    cli_lifecycle,
    cli_mail,
    cli_package,
    cli_problems,
    cli_reports,
    cli_sla,
    cli_tasks,
)
from app.db import schema as db_schema
from app.db.config import DatabaseConfig, listen_address, redact_url, resolve
from app.db.engine import make_engine, sqlite_path
from app.demo import FIRST_START_INCIDENTS as DEMO_ON_FIRST_START
from app.domain.errors import DeskError, ValidationError
from app.domain.lifecycle import State
from app.domain.records import Channel, QueueFilter
from app.domain.roles import Role
from app.domain.sla import ClockStatus, format_remaining
from app.domain.wording import local_time, plural
from app.services import defaults, queries, users
from app.services import incidents as incident_service
from app.services.callers import NewCaller
from app.services.context import Actor, Desk, environment_problem

PROG = "incidentdesk"
ENV_USER = "INCIDENTDESK_USER"
EXIT_ERROR = 2


class CliError(Exception):
    """A problem to report as one line and exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------------------
# the parser


def _common(*, with_actor: bool) -> _Parser:
    """Options accepted after a command as well as before it (``--db``, ``--as``)."""
    p = _Parser(add_help=False)
    p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    if with_actor:
        p.add_argument(
            "--as",
            dest="actor",
            metavar="USERNAME",
            default=argparse.SUPPRESS,
            help=f"act as this user (default: ${ENV_USER})",
        )
    return p


def build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Incident Desk: IT incident management. Without a command, starts the "
        "desktop application.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database: sqlite:///path/file.sqlite3, a file path, or "
        "postgresql://user@host/dbname (default: $INCIDENTDESK_DB, then incidentdesk.ini, "
        "then the built-in SQLite file)",
    )
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        default=None,
        help=f"the user a command acts as (default: ${ENV_USER})",
    )
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help=f"on a database without incidents: set it up and load {DEMO_ON_FIRST_START} demo "
        "incidents before the application starts",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation: offscreen, on a temporary database, open the main "
        "window, log and resolve an incident; exit 0 when it works",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    plain = _common(with_actor=False)
    acting = _common(with_actor=True)

    db = sub.add_parser("db", help="database schema", parents=[plain])
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser(
        "upgrade", help="create or migrate the schema to this release", parents=[plain]
    )
    roles = db_sub.add_parser(
        "roles",
        help="PostgreSQL: set up or repair the group roles, grants and users' login roles",
        parents=[plain],
    )
    roles.add_argument(
        "--prefix", help="of the role names (default: as before, else the database's name)"
    )

    demo = sub.add_parser("demo", help="load realistic demo data", parents=[plain])
    demo.add_argument("--incidents", type=_count, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")

    us = sub.add_parser("users", help="agents and their roles", parents=[plain])
    us_sub = us.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = us_sub.add_parser(
        "add",
        help="add a user (the first admin of a new desk needs no --as)",
        parents=[acting],
    )
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--group", action="append", default=[], metavar="G", help="repeatable")
    add.add_argument("--email")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else prompt when on a terminal)",
    )
    add.add_argument("--json", action="store_true")
    lst = us_sub.add_parser("list", help="list users", parents=[plain])
    lst.add_argument("--json", action="store_true")
    ushow = us_sub.add_parser("show", help="one user, with their admin history", parents=[plain])
    ushow.add_argument("username")
    ushow.add_argument("--json", action="store_true")
    cli_admin.add_user_verbs(us_sub, acting)

    inc = sub.add_parser("incident", help="log, show, list and work incidents", parents=[plain])
    inc_sub = inc.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    new = inc_sub.add_parser("new", help="log an incident", parents=[acting])
    new.add_argument("--title", required=True)
    new.add_argument("--description", default="")
    new.add_argument("--caller", metavar="NAME-or-id")
    new.add_argument("--caller-email", metavar="ADDRESS", help="a new caller's e-mail address")
    new.add_argument("--channel", default=Channel.PHONE.value, choices=[c.value for c in Channel])
    new.add_argument("--category", metavar='"Software > Email"')
    new.add_argument("--impact", type=int, metavar="N", help="default: the category's, else 3")
    new.add_argument("--urgency", type=int, metavar="N", help="default: the category's, else 3")
    new.add_argument("--json", action="store_true")
    show = inc_sub.add_parser(
        "show", help="one incident: fields, clocks, journal, history", parents=[acting]
    )
    show.add_argument("number", metavar="INC0000001")
    show.add_argument("--json", action="store_true")
    ls = inc_sub.add_parser("list", help="the queue (open incidents by default)", parents=[acting])
    ls.add_argument(
        "--state",
        action="append",
        default=[],
        choices=[s.value for s in State],
        help="repeatable; without it: every open state",
    )
    ls.add_argument("--group", metavar="NAME")
    ls.add_argument("--limit", type=_count, default=50, metavar="N")
    ls.add_argument("--json", action="store_true")
    cli_lifecycle.add_verbs(inc_sub, [acting])
    task = sub.add_parser(
        "task", help="incident tasks: work asked of another group", parents=[plain]
    )
    task_sub = task.add_subparsers(dest="task_command", metavar="ACTION", required=True)
    cli_tasks.add_verbs(task_sub, [acting])
    sla = sub.add_parser("sla", help="SLA clocks", parents=[plain])
    sla_sub = sla.add_subparsers(dest="sla_command", required=True, metavar="COMMAND")
    sla_sub.add_parser(
        "sweep",
        parents=[plain],
        help="announce SLA thresholds crossed (50/75/100%%) and auto-close resolved incidents; "
        "for a scheduler (the desktops also run it every minute)",
    )
    cli_intake.add_commands(sub, plain, acting)
    cli_intake.add_import(sub, acting)
    cli_intake.add_export(sub, acting)
    esc = sub.add_parser(
        "escalate",
        parents=[plain],
        help="the desk's own round: SLA thresholds and their escalation rules, auto-close; "
        "run by whichever desktop or command holds the escalation lease",
    )
    esc.add_argument(
        "--once",
        action="store_true",
        help="one round and exit (for cron or a systemd timer); without it, a round every "
        "15 seconds until interrupted",
    )
    cli_admin.add_commands(sub, plain, acting)
    cli_admin.add_catalog_commands(sub, plain, acting)
    cli_sla.add_commands(sub, plain, acting)
    cli_package.add_parser(sub, plain)
    cli_problems.add_commands(sub, plain, acting)
    cli_mail.add_commands(sub, plain, acting)
    cli_attachments.add_commands(sub, plain, acting)
    cli_reports.add_command(sub, plain)
    return parser


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


# --------------------------------------------------------------------------------------
# entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help, --version
            return int(exit_.code or 0)
        return _dispatch(args)
    except CliError as exc:
        return _fail(str(exc))
    except DeskError as exc:
        return _fail(str(exc))
    except sa_exc.SQLAlchemyError as exc:
        problem = environment_problem(exc)
        if problem is None:
            raise
        return _fail(str(problem))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `incidentdesk incident list | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _fail(message: str) -> int:
    line = " ".join(message.split())
    print(f"{PROG}: error: {line}", file=sys.stderr)
    return EXIT_ERROR


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if args.self_test:
        from app.self_test import run_self_test

        return run_self_test()
    if command is None:
        return _gui(args)
    if command == "db":
        return _db_roles(args) if args.db_command == "roles" else _db_upgrade(args)
    if command == "demo":
        return _demo(args)
    if command == "users":
        if args.users_command in cli_admin.USER_VERBS:
            return _admin_users(args)
        if args.users_command == "show":
            with _desk(args) as desk:
                return cli_admin.show_user(args, desk)
        return _users_add(args) if args.users_command == "add" else _users_list(args)
    if command == "sla":
        return _sla_sweep(args)
    if command == "intake":
        return _intake(args)
    if command == "import":
        return _import(args)
    if command == "export":
        return _export(args)
    if command == "escalate":
        return _escalate(args)
    if command == "matrix":
        return _matrix(args)
    if command in cli_admin.CATALOG:
        return _catalog(args)
    if command in cli_sla.NOUNS:
        return _sla_admin(args)
    if command in cli_mail.NOUNS:
        return _mail(args)
    if command in cli_attachments.NOUNS:
        name = _actor_name(args, required=cli_attachments.needs_actor(args))
        with _desk(args) as desk:
            return cli_attachments.run(args, desk, _actor(desk, name))
    if command == "package":
        try:
            return cli_package.run(args)
        except cli_package.PackageError as exc:
            raise CliError(str(exc)) from exc
    if command == "task":
        return _task(args)
    if command == cli_problems.NOUN:
        return _problems(args)
    if command == cli_reports.NOUN:
        with _desk(args) as desk:
            return cli_reports.run(args, desk)
    if command == "incident":
        handlers: dict[str, Callable[[argparse.Namespace], int]] = {
            "new": _incident_new,
            "show": _incident_show,
            "list": _incident_list,
        }
        return handlers.get(args.incident_command, _incident_verb)(args)
    raise AssertionError(f"unhandled command {command!r}")


# --------------------------------------------------------------------------------------
# the database


def _config(args: argparse.Namespace) -> DatabaseConfig:
    return resolve(args.db)


def _where(config: DatabaseConfig) -> str:
    return f"{redact_url(config.url)} (from {config.source})"


@contextmanager
def _desk(args: argparse.Namespace, *, schema: bool = True) -> Iterator[Desk]:
    """The desk on the configured database; with `schema`, refuse one that needs an upgrade
    (and do not create a SQLite file that is not there: a mistyped path is an error)."""
    config = _config(args)
    path = sqlite_path(config.url)
    if schema and path is not None and not path.exists():
        raise CliError(
            f"No database at {path} (from {config.source}); '{PROG} db upgrade' creates one"
        )
    listen = listen_address()  # the escalation lease's session, when queries go through a pooler
    try:
        engine = make_engine(config.url)
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise CliError(f"Cannot open the database {_where(config)}: {exc}") from exc
    try:
        try:
            if schema and not db_schema.is_current(engine):
                from app.db import migrate  # Alembic only when the schema is not this release's

                migrate.check_not_newer(engine)
                raise CliError(
                    f"The database {_where(config)} is not set up for this release: "
                    f"run '{PROG} db upgrade'"
                )
        except sa_exc.SQLAlchemyError as exc:
            problem = environment_problem(exc)
            if problem is None:
                raise
            raise CliError(f"{problem} Database: {_where(config)}") from exc
        yield Desk(engine, listen_url=listen[0] if listen else None)
    finally:
        engine.dispose()


def _actor_name(args: argparse.Namespace, *, required: bool = True) -> str | None:
    """Who acts: --as, else INCIDENTDESK_USER; checked before the database is opened."""
    name = (getattr(args, "actor", None) or os.environ.get(ENV_USER, "")).strip().lower()
    if not name and required:
        raise CliError(f"say who acts: --as USERNAME or set {ENV_USER}")
    return name or None


def _actor(desk: Desk, name: str | None) -> Actor | None:
    return desk.actor(name) if name else None


def _require_actor(desk: Desk, name: str | None) -> Actor:
    actor = _actor(desk, name)
    assert actor is not None, "checked by _actor_name"
    return actor


def _db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args)
    with _desk(args, schema=False) as desk:
        revision = defaults.upgrade_database(desk.engine)
    print(f"Database {_where(config)} is at schema {revision}.")
    return 0


def _db_roles(args: argparse.Namespace) -> int:
    from app.services import db_roles

    config = _config(args)
    with _desk(args) as desk:
        if desk.dialect != "postgresql":
            raise CliError(f"{db_roles.SQLITE_CANNOT} (database: {_where(config)})")
        report = db_roles.setup_roles(desk, args.prefix)
    print(f"Database {_where(config)}: roles with the prefix {report.prefix}.")
    for role, group in report.groups.items():
        print(f"  {role:<11} {group}")
    print(f"  {len(report.users)} user login role(s) in step: {', '.join(report.users) or 'none'}")
    return 0


def _progress_printer(stream: TextIO) -> Callable[[int, int], None]:
    tty = stream.isatty()
    last = [-1]

    def show(done: int, total: int) -> None:
        if tty:
            stream.write(f"\rdemo: {done:,}/{total:,} incidents")
            if done >= total:
                stream.write("\n")
            stream.flush()
            return
        tenth = done * 10 // max(total, 1)
        if tenth != last[0]:
            last[0] = tenth
            print(f"demo: {done:,}/{total:,} incidents", file=stream, flush=True)

    return show


def _demo(args: argparse.Namespace) -> int:
    from app.demo.loader import load_demo

    with _desk(args, schema=False) as desk:
        defaults.upgrade_database(desk.engine)
        summary = load_demo(
            desk, args.incidents, seed=args.seed, progress=_progress_printer(sys.stderr)
        )
    print(
        f"Loaded {summary.incidents:,} demo incidents ({summary.open:,} open) "
        f"{summary.first_number}..{summary.last_number} in {summary.seconds:.1f} s."
        if summary.incidents
        else "Loaded the demo reference data (no incidents)."
    )
    return 0


def _gui(args: argparse.Namespace) -> int:
    """The desktop client; it migrates the database, and with --demo-if-empty fills it."""
    config = _config(args)
    try:
        import PySide6.QtWidgets  # noqa: F401  (fail here, with a clear line, if Qt cannot load)

        from app.main import run_gui
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] == "PySide6":
            raise CliError("Qt for Python (PySide6) is not installed: run 'make setup'") from exc
        if ".so" in str(exc) or ".dll" in str(exc):  # a system library Qt needs, e.g. libGL.so.1
            raise CliError(
                f"Qt cannot start: {exc}. Install the libraries it needs (scripts/setup.sh does)"
            ) from exc
        raise
    first_run = (
        config.source == "built-in"
        and not args.demo_if_empty
        and (path := sqlite_path(config.url)) is not None
        and not path.exists()
    )  # nothing configured, no local database yet: the connection wizard asks
    return int(run_gui(config, demo_if_empty=args.demo_if_empty, first_run=first_run) or 0)


def _intake(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=cli_intake.needs_actor(args))
    with _desk(args) as desk:
        return cli_intake.run(args, desk, _actor(desk, name))


def _admin_users(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    password = _read_password(args) if getattr(args, "password_stdin", False) else None
    with _desk(args) as desk:
        return cli_admin.run_users(args, desk, _require_actor(desk, name), password)


def _catalog(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=cli_admin.catalog_needs_actor(args))
    with _desk(args) as desk:
        return cli_admin.run_catalog(args, desk, _actor(desk, name))


def _sla_admin(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=cli_sla.needs_actor(args))
    with _desk(args) as desk:
        return cli_sla.run(args, desk, _actor(desk, name))


def _mail(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=cli_mail.needs_actor(args))
    with _desk(args) as desk:
        return cli_mail.run(args, desk, _actor(desk, name))


def _matrix(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=cli_admin.needs_actor(args))
    with _desk(args) as desk:
        return cli_admin.run(args, desk, _actor(desk, name))


def _import(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=False)
    with _desk(args) as desk:
        return cli_intake.run_import(args, desk, _actor(desk, name))


def _export(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    with _desk(args) as desk:
        return cli_intake.run_export(args, desk, _require_actor(desk, name))


def _sla_sweep(args: argparse.Namespace) -> int:
    from app.services.sla_sweep import sweep

    with _desk(args) as desk:
        crossed = sweep(desk)
    for c in crossed:
        print(f"{c.number}\t{c.clock} {int(c.threshold)}%\t{c.group_name or '-'}")
    print(f"{plural(len(crossed), 'threshold')} announced", file=sys.stderr)
    return 0


def _escalate(args: argparse.Namespace) -> int:
    """Take the escalation lease and do a round (or a round every TICK_S seconds)."""
    import time

    from app.services import escalation

    with _desk(args) as desk:
        lease = escalation.Lease(desk)
        try:
            while True:
                result = escalation.tick(desk, lease)
                if result is None:
                    held = escalation.holder_of(desk)
                    who = f" ({held.holder})" if held else ""
                    print(
                        f"Another runner holds the escalation lease{who}: nothing done.",
                        file=sys.stderr,
                    )
                else:
                    for f in result.fired:
                        print(f"{f.number}\t{f.rule.describe()}\t{f.outcome}")
                    for number in result.closed:
                        print(f"{number}\tclosed automatically")
                    print(
                        f"{plural(len(result.crossed), 'threshold')} crossed, "
                        f"{plural(len(result.fired), 'rule action')}, "
                        f"{plural(len(result.closed), 'incident')} closed"
                        + (
                            f", {plural(result.mail.sent, 'mail')} to callers sent"
                            + (f" ({result.mail.problem})" if result.mail.problem else "")
                            if result.mail.tried
                            else ""
                        ),
                        file=sys.stderr,
                    )
                if args.once:
                    return 0
                time.sleep(escalation.TICK_S)
        finally:
            lease.release()


# --------------------------------------------------------------------------------------
# users


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        text = sys.stdin.read()
        password = text[:-1] if text.endswith("\n") else text
        password = password.rstrip("\r")
        if not password:
            raise CliError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(f"Password for {args.username} (empty: none): ")
    if not first:
        return None
    if getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ")
    return first


def _users_add(args: argparse.Namespace) -> int:
    name = _actor_name(args, required=False)
    password = _read_password(args)
    with _desk(args) as desk:
        actor = _actor(desk, name)
        record = users.add_user(
            desk,
            actor,
            args.username,
            args.name,
            args.role,
            groups=args.group,
            password=password,
            email=args.email,
        )
    groups = ", ".join(record.group_names) or "no group"
    if args.json:
        _print_json(_plain(record))
    else:
        print(f"Added {record.username} ({record.full_name}, {record.role}; {groups}).")
    if password is None:
        print(
            f"{record.username} has no password yet and cannot sign in; "
            "add one with --password-stdin",
            file=sys.stderr,
        )
    return 0


def _users_list(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        people = users.list_users(desk)
    if args.json:
        _print_json([_plain(p) for p in people])
        return 0
    rows = [
        (p.username, p.full_name, p.role, ", ".join(p.group_names), "" if p.active else "inactive")
        for p in people
    ]
    _table(("USERNAME", "NAME", "ROLE", "GROUPS", ""), rows)
    return 0


# --------------------------------------------------------------------------------------
# incidents


def _find_caller(desk: Desk, actor: Actor, text: str) -> tuple[int | None, str | None]:
    """(caller id, None) for an id, an exact or unique-prefix name; (None, name) for an
    unknown name, which is added with the incident (in the same transaction)."""
    key = text.strip()
    if key.isdigit():
        return queries.caller(desk, int(key)).id, None
    found = queries.find_callers(desk, key, limit=20)
    exact = [c for c in found if c.name.lower() == key.lower() or c.display.lower() == key.lower()]
    if len(exact) == 1:
        return exact[0].id, None
    candidates = exact or found
    if len(candidates) == 1:
        return candidates[0].id, None
    if candidates:
        names = "; ".join(f"{c.display} (id {c.id})" for c in candidates[:5])
        more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        raise ValidationError(f"The caller {key!r} is ambiguous: {names}{more}; give the id")
    return None, key


def _find_category(desk: Desk, text: str) -> int:
    key = " > ".join(part.strip().lower() for part in text.split(">"))
    cats = queries.categories(desk)
    if key.isdigit():
        for c in cats:
            if c.id == int(key):
                return c.id
    matches = [c for c in cats if c.path.lower() == key] or [
        c for c in cats if c.name.lower() == key
    ]
    if len(matches) == 1:
        return matches[0].id
    known = ", ".join(c.path for c in cats[:12]) or "none yet"
    if matches:
        raise ValidationError(
            f"The category {text!r} is ambiguous: {', '.join(c.path for c in matches)}"
        )
    raise ValidationError(f"No category {text!r} (categories: {known})")


def _find_group(desk: Desk, name: str) -> int:
    for g in queries.groups(desk):
        if g.name.lower() == name.strip().lower():
            return g.id
    known = ", ".join(g.name for g in queries.groups(desk)) or "none yet"
    raise ValidationError(f"No group named {name!r} (groups: {known})")


def _incident_new(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    with _desk(args) as desk:
        actor = _require_actor(desk, name)
        caller_id, new_caller = (None, None)
        if args.caller:
            caller_id, new_caller = _find_caller(desk, actor, args.caller)
        if args.caller_email and not new_caller:
            raise CliError("--caller-email is for a new caller (--caller names one not known yet)")
        new: NewCaller | str | None = new_caller
        if new_caller and args.caller_email:
            new = NewCaller(new_caller, email=args.caller_email)
        category_id = _find_category(desk, args.category) if args.category else None
        record = incident_service.log_incident(
            desk,
            actor,
            incident_service.NewIncident(
                title=args.title,
                description=args.description,
                caller_id=caller_id,
                new_caller=new,
                channel=args.channel,
                category_id=category_id,
                impact=args.impact,
                urgency=args.urgency,
            ),
        )
        zone = desk.zone
    if args.json:
        _print_json(_plain(record))
        return 0
    if new_caller:
        print(f"New caller {record.caller_name} added.", file=sys.stderr)
    targets = ""
    if record.response and record.resolution:
        targets = (
            f"; respond by {_when(record.response_due, zone)}, "
            f"resolve by {_when(record.resolution_due, zone)}"
        )
    print(
        f"Logged {record.number}: {record.title} [{record.priority_label}, "
        f"{record.group_name or 'no group'}{targets}]"
    )
    return 0


def _incident_show(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    with _desk(args) as desk:
        _require_actor(desk, name)
        record = queries.get_incident(desk, args.number)
        notes = queries.journal(desk, record.id)
        changes = queries.history(desk, record.id)
        held = queries.pauses(desk, record.id)
        zone = desk.zone
    if args.json:
        data = _plain(record)
        data["journal"] = [_plain(j) for j in notes]
        data["history"] = [_plain(h) for h in changes]
        data["pauses"] = [_plain(p) for p in held]
        _print_json(data)
        return 0
    r = record
    print(f"{r.number}  {r.title}")
    fields = [
        (
            "State",
            r.state.label + (f" ({r.hold_reason.replace('_', ' ')})" if r.hold_reason else ""),
        ),
        ("Priority", f"{r.priority_label} (impact {r.impact}, urgency {r.urgency})"),
        ("Caller", r.caller_name or "-"),
        (
            "Channel",
            Channel(r.channel).label if r.channel in {c.value for c in Channel} else r.channel,
        ),
        ("Category", r.category_path or "-"),
        ("Service", r.service_name or "-"),
        ("Group", f"{r.group_name or '-'} (line {r.support_line})"),
        ("Assignee", r.assignee_name or "-"),
        ("Opened", f"{_when(r.opened_at, zone)} by {r.opened_by or '-'}"),
        ("Response", _clock(r.response, r.response_due, zone)),
        ("Resolution", _clock(r.resolution, r.resolution_due, zone)),
    ]
    if r.major:
        fields.append(("Major", "yes"))
    if r.reassignment_count or r.reopen_count:
        fields.append(("Moves", f"reassigned {r.reassignment_count}x, reopened {r.reopen_count}x"))
    if r.parent_number:
        fields.append(("Parent", r.parent_number))
    if r.problem_number:
        fields.append(("Problem", r.problem_number))
    if r.change_ref:
        fields.append(("Change", r.change_ref))
    if r.caused_by_number or r.caused_by_change:
        fields.append(("Caused by", r.caused_by_number or r.caused_by_change or ""))
    if r.resolution_code:
        fields.append(
            (
                "Resolved",
                f"{_when(r.resolved_at, zone)} by {r.resolved_by or '-'}: "
                f"{r.resolution_code.replace('_', ' ')}",
            )
        )
        fields.append(("Notes", r.resolution_notes or ""))
    if r.closed_at:
        why = r.close_reason or r.cancel_reason or ""
        fields.append(
            ("Closed", f"{_when(r.closed_at, zone)} by {r.closed_by or '-'} {why}".rstrip())
        )
    fields.append(("Version", str(r.version)))
    for name, value in fields:
        print(f"  {name:<11} {value}")
    if r.description:
        print("\nDescription")
        for line in r.description.splitlines():
            print(f"  {line}")
    print("\nJournal")
    for j in notes:
        print(f"  {_when(j.created_at, zone)}  {j.kind.label:<9} {j.author or '-'}: {j.body}")
    if not notes:
        print("  (empty)")
    print("\nHistory")
    for h in changes:
        if h.field == "created":
            what = f"created as {h.new}"
        else:  # in words: "Group: Service Desk -> Network", names and levels, never ids
            what = f"{h.label or h.field}: {h.old_text or '-'} -> {h.new_text or '-'}"
        reason = f" ({h.reason})" if h.reason else ""
        print(f"  {_when(h.at, zone)}  {h.by or '-'}: {what}{reason}")
    if not changes:
        print("  (empty)")
    return 0


def _incident_verb(args: argparse.Namespace) -> int:
    """A lifecycle verb (assign, hold, resolve...): the new record, or the refusal's reason."""
    name = _actor_name(args)
    with _desk(args) as desk:
        actor = _require_actor(desk, name)
        record = cli_lifecycle.run(desk, actor, args)
    if args.json:
        _print_json(_plain(record))
    else:
        print(cli_lifecycle.summary(record))
    return 0


def _task(args: argparse.Namespace) -> int:
    """A task verb (add, list, start, assign, close): the tasks as a table, or as JSON."""
    name = _actor_name(args)
    with _desk(args) as desk:
        actor = _require_actor(desk, name)
        found = cli_tasks.run(desk, actor, args)
        zone = desk.zone
    if getattr(args, "json", False):
        _print_json([_plain(t) for t in found])
    else:
        _table(cli_tasks.HEADER, cli_tasks.rows(found, zone))
    return 0


def _problems(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    with _desk(args) as desk:
        return cli_problems.run(args, desk, _require_actor(desk, name))


def _incident_list(args: argparse.Namespace) -> int:
    name = _actor_name(args)
    with _desk(args) as desk:
        _require_actor(desk, name)
        states = tuple(State(s) for s in args.state)
        group_ids = (_find_group(desk, args.group),) if args.group else ()
        flt = QueueFilter(
            states=states,
            active_only=not states,
            group_ids=group_ids,
        )
        page = queries.queue_page(desk, flt, limit=args.limit)
        zone = desk.zone
    if args.json:
        _print_json([_plain(row) for row in page.rows])
        return 0
    rows = [
        (
            q.number,
            str(q.priority),
            q.state.label,
            "paused" if q.sla_paused else _when(q.resolution_due, zone),
            q.group_name or "-",
            q.assignee_name or "-",
            q.title,
        )
        for q in page.rows
    ]
    _table(("NUMBER", "P", "STATE", "DUE", "GROUP", "ASSIGNEE", "TITLE"), rows)
    if page.next_cursor is not None:
        print(f"(first {len(page.rows)}; more with --limit)", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------
# output


def _when(value: datetime | None, zone: tzinfo) -> str:
    """An instant as people at the site read it (the site's zone, never the machine's)."""
    return local_time(value, zone) if value is not None else "-"


def _clock(status: ClockStatus | None, due: datetime | None, zone: tzinfo) -> str:
    if status is None:
        return "no SLA target"
    if status.stopped:
        verdict = "breached" if status.breached else "met"
        return f"{verdict} ({status.percent:.0f}% of target; due {_when(due, zone)})"
    if status.paused:
        return f"paused at {status.percent:.0f}% ({format_remaining(status.remaining_s)} left)"
    level = status.threshold.name.lower().replace("_", " ")
    return (
        f"due {_when(due, zone)}, {format_remaining(status.remaining_s)} left "
        f"({status.percent:.0f}%, {level})"
    )


def _plain(value: Any) -> Any:
    """A JSON-ready copy: dataclasses as dicts, datetimes as ISO strings, enums as values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if not rows:
        print("(none)")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    widths[-1] = 0  # the last column runs free

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    print(line(header))
    for r in rows:
        print(line(r))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
