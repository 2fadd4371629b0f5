"""The command line's problem verbs: ``incidentdesk --as USER problems VERB ...`` (what the
Problems window does; the same services, rules and audit).

    problems list [--state S ...] [--open] [--known-errors] [--json]
    problems show PRB0000001 [--json]
    problems new --title T [--description D] [--group G] [--incident INC ...]
                 [--root-cause R] [--workaround W] [--known-error] [--json]
    problems edit PRB0000001 [--title T] [--description D] [--group G] [--root-cause R]
                 [--workaround W] [--known-error yes|no] [--json]
    problems link PRB0000001 INC0000001 ... [--unlink] [--json]
    problems state PRB0000001 STATE [--reason R] [--json]
    problems resolve PRB0000001 [--fix F] [--resolve-incidents] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from datetime import date, datetime, tzinfo
from typing import Any

from app.domain.errors import ValidationError
from app.domain.problems import ProblemRecord, ProblemState, plural
from app.domain.wording import local_time
from app.services import problems, queries
from app.services.context import Actor, Desk
from app.services.problems import ProblemEdit

NOUN = "problems"
VERBS: dict[str, str] = {
    "list": "problem records, newest first",
    "show": "one problem: its fields and incidents",
    "new": "record a problem (from incidents with --incident)",
    "edit": "change a problem's fields, its known-error flag",
    "link": "link incidents to a problem (--unlink takes them off)",
    "state": "move a problem: new, assessed, root_cause_analysis, fix_in_progress, closed",
    "resolve": "resolve a problem with its fix; --resolve-incidents resolves its open incidents",
}


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    noun = sub.add_parser(NOUN, help="problem records and known errors", parents=[plain])
    verbs = noun.add_subparsers(dest="problems_command", metavar="ACTION", required=True)

    def verb(name: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = verbs.add_parser(name, help=VERBS[name], parents=[acting])
        p.add_argument("--json", action="store_true", help="print the problem(s) as JSON")
        return p

    p = verb("list")
    p.add_argument(
        "--state", action="append", default=[], metavar="S", help="repeatable (new, assessed, ...)"
    )
    p.add_argument("--open", action="store_true", help="only problems not resolved or closed")
    p.add_argument("--known-errors", action="store_true", help="only known errors")
    p = verb("show")
    p.add_argument("number", metavar="PRB0000001")
    p = verb("new")
    p.add_argument("--title", metavar="T")
    p.add_argument("--description", metavar="D", default="")
    p.add_argument("--group", metavar="G", help="the owner group (by name)")
    p.add_argument(
        "--incident", action="append", default=[], metavar="INC", help="repeatable: link these"
    )
    p.add_argument("--root-cause", metavar="R")
    p.add_argument("--workaround", metavar="W")
    p.add_argument("--known-error", action="store_true", help="a known error (needs --workaround)")
    p = verb("edit")
    p.add_argument("number", metavar="PRB0000001")
    p.add_argument("--title", metavar="T")
    p.add_argument("--description", metavar="D")
    p.add_argument("--group", metavar="G")
    p.add_argument("--root-cause", metavar="R")
    p.add_argument("--workaround", metavar="W")
    p.add_argument("--known-error", choices=["yes", "no"])
    p = verb("link")
    p.add_argument("number", metavar="PRB0000001")
    p.add_argument("incidents", metavar="INC", nargs="+")
    p.add_argument("--unlink", action="store_true", help="take the incidents off the problem")
    p = verb("state")
    p.add_argument("number", metavar="PRB0000001")
    p.add_argument("state", metavar="STATE")
    p.add_argument("--reason", metavar="R")
    p = verb("resolve")
    p.add_argument("number", metavar="PRB0000001")
    p.add_argument("--fix", metavar="F", help="how it was fixed (else its workaround)")
    p.add_argument(
        "--resolve-incidents",
        action="store_true",
        help='resolve its open incidents too ("Resolved by problem", the fix in the notes)',
    )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, ProblemRecord):
            out["state_label"] = value.state.label
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _group(desk: Desk, name: str) -> int:
    groups = queries.groups(desk)
    for g in groups:
        if g.name.lower() == name.strip().lower():
            return g.id
    known = ", ".join(g.name for g in groups) or "none yet"
    raise ValidationError(f"No group named {name!r} (groups: {known})", field="group")


def _incidents(desk: Desk, numbers: list[str]) -> list[int]:
    return [queries.get_incident(desk, n).id for n in numbers]


def _when(value: datetime | None, zone: tzinfo) -> str:
    return local_time(value, zone) if value is not None else "-"


def _show(rec: ProblemRecord, zone: tzinfo) -> None:
    print(f"{rec.number}  {rec.title}")
    fields = [
        ("State", rec.state.label),
        ("Known error", "yes" if rec.known_error else "no"),
        ("Owner group", rec.group_name or "-"),
        ("Created", f"{_when(rec.created_at, zone)} by {rec.created_by or '-'}"),
        ("Updated", _when(rec.updated_at, zone)),
    ]
    if rec.resolved_at:
        fields.append(("Resolved", _when(rec.resolved_at, zone)))
    if rec.closed_at:
        fields.append(("Closed", _when(rec.closed_at, zone)))
    for label, value in fields:
        print(f"  {label + ':':<13}{value}")
    for label, text in (
        ("Description", rec.description),
        ("Root cause", rec.root_cause),
        ("Workaround", rec.workaround),
        ("Fix", rec.fix),
    ):
        if text:
            print(f"{label}:")
            for line in text.splitlines():
                print(f"  {line}")
    print(f"Incidents ({len(rec.incidents)}, {len(rec.open_incidents)} open):")
    for i in rec.incidents:
        print(f"  {i.number}  {i.state_label:<12} P{i.priority}  {i.group_name or '-'}  {i.title}")
    if not rec.incidents:
        print("  (none)")


def run(args: argparse.Namespace, desk: Desk, actor: Actor) -> int:
    verb = args.problems_command
    zone = desk.zone
    if verb == "list":
        states = [ProblemState.parse(s) for s in args.state]
        rows = problems.list_problems(
            desk, states=states, open_only=args.open, known_errors_only=args.known_errors
        )
        if args.json:
            _print_json([{**_plain(r), "state_label": r.state.label} for r in rows])
            return 0
        if not rows:
            print("(none)")
            return 0
        header = ("NUMBER", "STATE", "KE", "GROUP", "INCIDENTS", "TITLE")
        table = [
            (
                r.number,
                r.state.label,
                "yes" if r.known_error else "",
                r.group_name or "-",
                f"{r.incidents} ({r.open_incidents} open)",
                r.title,
            )
            for r in rows
        ]
        widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(header)]
        for line in (header, *table):
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        return 0
    if verb == "show":
        rec = problems.get_problem(desk, args.number)
    elif verb == "new":
        group_id = _group(desk, args.group) if args.group else None
        if args.incident:
            rec = problems.create_from_incidents(
                desk,
                actor,
                _incidents(desk, args.incident),
                title=args.title,
                description=args.description,
                group_id=group_id,
            )
            if args.root_cause or args.workaround or args.known_error:
                rec = problems.update_problem(
                    desk,
                    actor,
                    rec.id,
                    rec.version,
                    ProblemEdit(
                        root_cause=args.root_cause,
                        workaround=args.workaround,
                        known_error=True if args.known_error else None,
                    ),
                )
        else:
            if not (args.title or "").strip():
                raise ValidationError("Say what the problem is: --title T (or --incident INC)")
            pid = problems.add_problem(
                desk,
                actor,
                args.title,
                description=args.description,
                group_id=group_id,
                root_cause=args.root_cause,
                workaround=args.workaround,
                known_error=args.known_error,
            )
            rec = problems.get_problem(desk, pid)
    elif verb == "edit":
        rec = problems.update_problem(
            desk,
            actor,
            args.number,
            None,
            ProblemEdit(
                title=args.title,
                description=args.description,
                root_cause=args.root_cause,
                workaround=args.workaround,
                known_error=None if args.known_error is None else args.known_error == "yes",
                group_id=_group(desk, args.group) if args.group else None,
            ),
        )
    elif verb == "link":
        ids = _incidents(desk, args.incidents)
        if args.unlink:
            rec = problems.unlink_incidents(desk, actor, args.number, ids)
        else:
            rec = problems.link_incidents(desk, actor, args.number, ids)
    elif verb == "state":
        rec = problems.move_problem(
            desk, actor, args.number, None, ProblemState.parse(args.state), reason=args.reason
        )
    elif verb == "resolve":
        done = problems.resolve_problem(
            desk, actor, args.number, None, args.fix, resolve_incidents=args.resolve_incidents
        )
        if args.json:
            _print_json(_plain(done))
            return 0
        print(f"{done.problem.number} is Resolved.")
        if args.resolve_incidents:
            print(
                f"Resolved by problem: {plural(len(done.resolved), 'incident')}"
                + (f" ({', '.join(done.resolved)})" if done.resolved else "")
            )
            for number, why in done.refused:
                print(f"Left open: {number}: {why}")
        elif done.problem.open_incidents:
            n = len(done.problem.open_incidents)
            print(
                f"{plural(n, 'open incident')} still linked; "
                "--resolve-incidents resolves them with it"
            )
        return 0
    else:  # pragma: no cover - argparse refuses others
        raise AssertionError(verb)
    if args.json:
        _print_json(_plain(rec))
    else:
        _show(rec, zone)
    return 0
