"""The command line's ways in: ``incidentdesk intake ...`` (alerts over HTTP, their rules, the
alerts seen) and, from ``app/cli.py``, ``incidentdesk import ...``.

    intake http --listen 127.0.0.1:PORT [--max-body BYTES]
    intake smtp --listen 127.0.0.1:PORT
    intake alerts [--all] [--json]
    intake rules list [--json] | export | load FILE | add NAME --match LABEL=REGEX ...
                 [--category C] [--service S] [--group G] [--impact N] [--urgency N]
                 [--resolve-code CODE] | remove NAME | default-group NAME

The listeners act as the desk's own user (``system``) unless ``--as`` names another; the rules
need an admin (``--as``). Every one goes through the services: the same rules, the same audit.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from app.db.config import ENV_INTAKE_TOKEN, intake_token
from app.domain import inbound
from app.domain.alerts import AlertRule, rules_from_json, rules_to_json
from app.domain.csv_import import CsvMapping
from app.domain.errors import ValidationError
from app.domain.wording import local_time, plural
from app.services import alerts as alert_service
from app.services.context import Actor, Desk


def listen_address(text: str) -> tuple[str, int]:
    """'127.0.0.1:8025' -> ('127.0.0.1', 8025); port 0 picks a free one."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT, such as 127.0.0.1:9095")
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the port {port!r} is not a number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 0 to 65535")
    return host.strip("[]"), number


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    intake = sub.add_parser("intake", help="alerts and mail from outside", parents=[plain])
    isub = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)

    http = isub.add_parser(
        "http",
        parents=[acting],
        help="accept Alertmanager webhooks (POST /alertmanager) and generic alerts (POST /alerts)",
        description=f"Needs a bearer token: ${ENV_INTAKE_TOKEN}, or [intake] token in "
        "incidentdesk.ini. Stops on Ctrl-C or SIGTERM.",
    )
    http.add_argument("--listen", type=listen_address, required=True, metavar="HOST:PORT")
    http.add_argument(
        "--max-body", type=int, default=1_000_000, metavar="BYTES", help="largest body accepted"
    )

    smtp = isub.add_parser(
        "smtp",
        parents=[acting],
        help="accept mail: a message logs an incident, a reply naming one comments on it",
        description="Point the site's mail server (or a client) at this address. Stops on "
        "Ctrl-C or SIGTERM.",
    )
    smtp.add_argument("--listen", type=listen_address, required=True, metavar="HOST:PORT")

    al = isub.add_parser("alerts", parents=[plain], help="the open alerts and their incidents")
    al.add_argument("--all", action="store_true", help="also the resolved ones")
    al.add_argument("--json", action="store_true")

    rules = isub.add_parser(
        "rules", parents=[plain], help="rules mapping alert labels to incidents"
    )
    rsub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", parents=[plain], help="the rules, in the order they are tried")
    ls.add_argument("--json", action="store_true")
    rsub.add_parser("export", parents=[plain], help="print the rules as a rules file (JSON)")
    load = rsub.add_parser("load", parents=[acting], help="replace every rule by a rules file's")
    load.add_argument("file", type=Path, metavar="FILE")
    add = rsub.add_parser("add", parents=[acting], help="add a rule, or replace one of that name")
    add.add_argument("name")
    add.add_argument(
        "--match",
        action="append",
        required=True,
        metavar="LABEL=REGEX",
        help="a label and the regular expression its value must match whole (repeat for more)",
    )
    add.add_argument("--category", metavar="C", help='such as "Hardware > Server"')
    add.add_argument("--service", metavar="S")
    add.add_argument("--group", metavar="G")
    add.add_argument("--impact", type=int, metavar="N")
    add.add_argument("--urgency", type=int, metavar="N")
    add.add_argument(
        "--resolve-code",
        metavar="CODE",
        help="a resolved alert resolves the incident with this code (else only a note)",
    )
    add.add_argument(
        "--position", type=int, default=None, metavar="N", help="order tried (default: last)"
    )
    rm = rsub.add_parser("remove", parents=[acting], help="remove a rule")
    rm.add_argument("name")
    dg = rsub.add_parser(
        "default-group", parents=[acting], help="the group alerts no rule routes land in"
    )
    dg.add_argument("group")


def needs_actor(args: argparse.Namespace) -> bool:
    return args.intake_command == "rules" and args.rules_command in (
        "load",
        "add",
        "remove",
        "default-group",
    )


def run(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    if args.intake_command == "http":
        return _http(args, desk, actor or desk.system())
    if args.intake_command == "smtp":
        return _smtp(args, desk, actor or desk.system())
    if args.intake_command == "alerts":
        return _alerts(args, desk)
    return _rules(args, desk, actor)


def _http(args: argparse.Namespace, desk: Desk, actor: Actor) -> int:
    from app.intake.http import IntakeServer

    found = intake_token()
    if found is None:
        raise ValidationError(
            f"The intake needs a token: set {ENV_INTAKE_TOKEN} or [intake] token in incidentdesk.ini"
        )
    token, source = found
    host, port = args.listen
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        server = IntakeServer((host, port), desk, actor, token, max_body=args.max_body)
    except OSError as exc:
        raise ValidationError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(
        f"Intake listening on http://{host}:{server.port} (POST /alertmanager, POST /alerts; "
        f"token from {source}), acting as {actor.username}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("Intake stopped.", file=sys.stderr)
    return 0


def _smtp(args: argparse.Namespace, desk: Desk, actor: Actor) -> int:
    from app.intake.smtp import MailServer, message_limit
    from app.services.attachments import limit_mb

    host, port = args.listen
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    largest = message_limit(int(limit_mb(desk) * 1024 * 1024))  # the admin's, at start
    server = MailServer(desk, actor, host, port, max_message=largest)
    try:
        server.bind()
    except OSError as exc:
        raise ValidationError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(
        f"Mail intake listening on smtp://{host}:{server.port}, acting as {actor.username}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("Mail intake stopped.", file=sys.stderr)
    return 0


def _alerts(args: argparse.Namespace, desk: Desk) -> int:
    rows = alert_service.alerts(desk, open_only=not args.all)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "fingerprint": r.fingerprint,
                        "name": r.name,
                        "incident": r.incident_number,
                        "times_seen": r.times_seen,
                        "first_seen": r.first_seen.isoformat(),
                        "last_seen": r.last_seen.isoformat(),
                        "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
                        "open": r.open,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    zone = desk.zone
    for r in rows:
        state = (
            "open"
            if r.open
            else ("resolved " + local_time(r.resolved_at, zone) if r.resolved_at else "closed")
        )
        print(
            f"{r.incident_number or '-'}\t{r.name}\tseen {plural(r.times_seen, 'time')}, "
            f"last {local_time(r.last_seen, zone)}\t{state}"
        )
    print(plural(len(rows), "alert"), file=sys.stderr)
    return 0


def _parse_matchers(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        label, sep, regex = item.partition("=")
        if not sep or not label.strip():
            raise ValidationError(
                f"--match {item!r}: expected LABEL=REGEX, such as severity=critical"
            )
        out[label.strip()] = regex
    return out


def _rules(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    command = args.rules_command
    if command in ("list", "export"):
        rules = alert_service.list_rules(desk)
        if command == "export" or args.json:
            print(json.dumps(rules_to_json(rules), indent=2, ensure_ascii=False))
            return 0
        for r in rules:
            match = ", ".join(f"{k}=~{v}" for k, v in r.matchers.items())
            to = ", ".join(
                f"{k} {v}"
                for k, v in (
                    ("category", r.category),
                    ("service", r.service),
                    ("group", r.group),
                    ("impact", r.impact),
                    ("urgency", r.urgency),
                    ("resolves with", r.resolve_code),
                )
                if v is not None
            )
            print(f"{r.position}\t{r.name}\t{match}\t{to or 'levels from severity'}")
        print(plural(len(rules), "rule"), file=sys.stderr)
        return 0
    assert actor is not None, "needs_actor"
    if command == "load":
        try:
            data = inbound.loads(args.file.read_text("utf-8"))
        except OSError as exc:
            raise ValidationError(f"Cannot read {args.file}: {exc.strerror or exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(f"{args.file}: not a JSON rules file ({exc})") from exc
        n = alert_service.replace_rules(desk, actor, rules_from_json(data, str(args.file)))
        print(f"Loaded {plural(n, 'rule')} from {args.file}.")
        return 0
    if command == "add":
        position = args.position
        if position is None:
            position = max((r.position for r in alert_service.list_rules(desk)), default=-1) + 1
        alert_service.save_rule(
            desk,
            actor,
            AlertRule(
                name=args.name,
                matchers=_parse_matchers(args.match),
                category=args.category,
                service=args.service,
                group=args.group,
                impact=args.impact,
                urgency=args.urgency,
                resolve_code=args.resolve_code,
                position=position,
            ),
        )
        print(f"Saved the rule {args.name!r}.")
        return 0
    if command == "remove":
        alert_service.remove_rule(desk, actor, args.name)
        print(f"Removed the rule {args.name!r}.")
        return 0
    alert_service.set_default_group(desk, actor, args.group)
    print(f"Alerts without a rule now land in {args.group}.")
    return 0


# -- imports ----------------------------------------------------------------------------------


def add_import(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    acting: argparse.ArgumentParser,
) -> None:
    imp = sub.add_parser("import", help="incidents from another tool's log", parents=[acting])
    isub = imp.add_subparsers(dest="import_command", metavar="SOURCE", required=True)
    for name, what in (
        ("servicenow", "a ServiceNow incident audit export (CSV, or .csv.gz)"),
        ("bpi2013", "the BPI Challenge 2013 incident log (CSV, or .csv.gz)"),
        ("csv", "any CSV of incidents, by a column mapping (README: Generic CSV import)"),
    ):
        p = isub.add_parser(name, parents=[acting], help=what)
        p.add_argument("file", type=Path, metavar="FILE")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        if name == "csv":
            p.add_argument(
                "--mapping",
                type=Path,
                metavar="MAPPING.json",
                help="which column is which field; kept in the database for the next file with "
                "the same columns (default: the one kept, else guessed from the column names)",
            )


def _csv_mapping(args: argparse.Namespace, desk: Desk, actor: Actor, text: str) -> CsvMapping:
    """--mapping (then kept for the next run), else the kept one, else the guess (said)."""
    from app.domain.csv_import import FIELDS, header_of, parse_mapping
    from app.services import imports as import_service

    header = header_of(text)
    if args.mapping is not None:
        try:
            mapping_text = args.mapping.read_text("utf-8")
        except OSError as exc:
            raise ValidationError(f"Cannot read {args.mapping}: {exc.strerror or exc}") from exc
        mapping = parse_mapping(mapping_text, str(args.mapping))
        mapping.check(header)
        import_service.save_mapping(desk, actor, header, mapping)
        return mapping
    mapping, saved = import_service.mapping_for(desk, header)
    how = "the mapping kept from the last import of these columns" if saved else "guessed"
    said = ", ".join(f"{c} -> {f}" for c, f in mapping.columns.items()) or "nothing"
    print(f"Columns {how}: {said}", file=sys.stderr)
    try:
        mapping.check(header)
    except ValidationError as exc:
        raise ValidationError(
            f'{exc} Write a mapping file (JSON: {{"columns": {{"COLUMN": "FIELD"}}}}; '
            f"fields: {', '.join(FIELDS)}) and give it with --mapping."
        ) from None
    return mapping


def run_import(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    import time

    from tqdm import tqdm

    from app.services import imports as import_service

    who = actor or desk.system()
    started = time.perf_counter()
    text = import_service.read_text(args.file)
    mapping = None
    if args.import_command == "csv":
        mapping = _csv_mapping(args, desk, who, text)
    log = import_service.read_log(args.import_command, text, desk.zone, mapping)
    for p in log.problems:
        print(f"{args.file}:{p.line}: {p.reason}", file=sys.stderr)
    steps = sum(len(i.steps) for i in log.incidents)
    with tqdm(
        total=steps,
        unit="row",
        desc=f"import {args.import_command}",
        file=sys.stderr,
        disable=args.no_progress or None,
        leave=True,
    ) as bar:
        result = import_service.import_incidents(desk, who, log.incidents, progress=bar.update)
    for p in result.problems:
        print(f"{args.file}:{p.line}: {p.reason}", file=sys.stderr)
    problems = sorted([*log.problems, *result.problems], key=lambda p: p.line)
    report = import_service.write_report(args.file, problems)
    seconds = max(time.perf_counter() - started, 1e-9)
    print(
        f"{plural(log.rows, 'row')}, {plural(result.incidents, 'incident')} imported"
        f" ({result.skipped:,} already there), {plural(len(problems), 'problem')} found"
        + (f" (listed in {report})" if problems else "")
        + f", {log.rows / seconds:,.0f} rows/s"
    )
    return 0


# -- export -----------------------------------------------------------------------------------


def add_export(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    acting: argparse.ArgumentParser,
) -> None:
    exp = sub.add_parser("export", help="incidents out", parents=[acting])
    esub = exp.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    p = esub.add_parser(
        "csv",
        parents=[acting],
        help="a queue view as CSV: its rows, in its order, in the words the queue shows",
    )
    p.add_argument(
        "--view", metavar="NAME", help="a built-in or saved view, by name (default: the open queue)"
    )
    p.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="S",
        help="only this state (repeat for more)",
    )
    p.add_argument("--group", metavar="G", help="only this group")
    p.add_argument("--all", action="store_true", help="closed and cancelled ones too")
    p.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write here (default: standard output)"
    )


def run_export(args: argparse.Namespace, desk: Desk, actor: Actor) -> int:
    import dataclasses

    from app.domain.lifecycle import State
    from app.domain.records import QueueFilter
    from app.services import queries, saved_views
    from app.services.export import export_queue_csv

    sort, descending = "priority", False
    if args.view:
        views = [*saved_views.builtin_views(actor), *saved_views.list_views(desk, actor)]
        found = [v for v in views if v.name.lower() == args.view.strip().lower()]
        if not found:
            names = ", ".join(v.name for v in views)
            raise ValidationError(f"No view named {args.view!r} (views: {names})")
        flt, sort, descending = found[0].flt, found[0].sort, found[0].descending
    else:
        flt = QueueFilter()
    if args.state:
        try:
            states = tuple(State(s.strip().lower().replace(" ", "_")) for s in args.state)
        except ValueError:
            known = ", ".join(s.value for s in State)
            raise ValidationError(f"Unknown state in {args.state} (states: {known})") from None
        flt = dataclasses.replace(flt, states=states, active_only=False)
    if args.all:
        flt = dataclasses.replace(flt, active_only=False)
    if args.group:
        groups = [g for g in queries.groups(desk) if g.name.lower() == args.group.strip().lower()]
        if not groups:
            raise ValidationError(f"No group named {args.group!r}")
        flt = dataclasses.replace(flt, group_ids=(groups[0].id,))
    if args.output is None:
        n = export_queue_csv(desk, flt, sys.stdout, sort=sort, descending=descending)
    else:
        try:
            with args.output.open("w", newline="", encoding="utf-8") as f:
                n = export_queue_csv(desk, flt, f, sort=sort, descending=descending)
        except OSError as exc:
            raise ValidationError(f"Cannot write {args.output}: {exc.strerror or exc}") from exc
    print(
        f"{plural(n, 'incident')} exported" + (f" to {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 0
