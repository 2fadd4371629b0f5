"""The command line's lifecycle verbs: ``incidentdesk --as USER incident VERB NUMBER``.

Each verb calls the same use case as the desktop, so the same rule (app.domain.permissions)
answers on the same fresh row, and the same audit is written. A refusal is the rule's reason
on one line (``incidentdesk: error: ...``, exit 2); ``--json`` prints the new record.

    assign NUMBER (--to USER [--group G] | --group G) [--reason R]
    escalate NUMBER --group G --reason R
    escalate-supervisor NUMBER --reason R
    hold NUMBER --reason awaiting_caller|awaiting_vendor|awaiting_change|awaiting_problem
                [--comment C]
    resume NUMBER [--comment C]
    resolve NUMBER --code C --notes N [--close-tasks REASON]
    close NUMBER
    reopen NUMBER --reason R
    cancel NUMBER --reason R
    note NUMBER --text T [--caller-visible] [--minutes M]
    major NUMBER [--unmark]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app.domain.errors import ValidationError
from app.domain.lifecycle import HoldReason, ResolutionCode
from app.domain.records import AgentRecord, IncidentRecord, JournalKind
from app.services import incidents as service
from app.services import queries, users
from app.services.context import Actor, Desk

VERBS: dict[str, str] = {
    "assign": "assign to a person (--to) or route to a group (--group)",
    "escalate": "escalate to a group on a higher support line",
    "escalate-supervisor": "escalate to the incident's group's supervisor",
    "hold": "put on hold, with a reason",
    "resume": "take off hold: back to In Progress",
    "resolve": "resolve, with a resolution code and notes",
    "close": "close a resolved incident (the caller confirmed)",
    "reopen": "reopen a resolved incident (the caller rejected the fix)",
    "cancel": "cancel (duplicate, not an incident, logged in error)",
    "note": "add a work note, or a comment the caller sees",
    "major": "mark as a major incident (--unmark takes it back)",
}


def add_verbs(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:  # type: ignore[type-arg]
    """The verbs' parsers, under ``incident``."""

    def verb(name: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=VERBS[name], parents=parents)
        p.add_argument("number", metavar="INC0000001")
        p.add_argument("--json", action="store_true", help="print the new record as JSON")
        return p

    p = verb("assign")
    p.add_argument("--to", metavar="USER", help="the person (username) who works it")
    p.add_argument("--group", metavar="G", help="the group (by name)")
    p.add_argument("--reason", metavar="R")
    p = verb("escalate")
    p.add_argument("--group", metavar="G", required=True)
    p.add_argument("--reason", metavar="R", required=True)
    p = verb("escalate-supervisor")
    p.add_argument("--reason", metavar="R", required=True)
    p = verb("hold")
    p.add_argument("--reason", required=True, choices=[h.value for h in HoldReason])
    p.add_argument("--comment", metavar="C", help="to the caller (required when awaiting them)")
    p = verb("resume")
    p.add_argument("--comment", metavar="C")
    p = verb("resolve")
    p.add_argument("--code", required=True, choices=[c.value for c in ResolutionCode])
    p.add_argument("--notes", metavar="N", required=True)
    p.add_argument(
        "--close-tasks",
        metavar="REASON",
        help="close its open tasks (Closed incomplete) with this reason, in the same step",
    )
    verb("close")
    p = verb("reopen")
    p.add_argument("--reason", metavar="R", required=True)
    p = verb("cancel")
    p.add_argument("--reason", metavar="R", required=True)
    p = verb("note")
    p.add_argument("--text", metavar="T", required=True)
    p.add_argument("--caller-visible", action="store_true", help="a comment the caller sees")
    p.add_argument("--minutes", metavar="M", type=int, help="time worked on it, in minutes")
    p = verb("major")
    p.add_argument("--unmark", action="store_true", help="no longer a major incident")


def _group(desk: Desk, name: str) -> int:
    groups = queries.groups(desk)
    for g in groups:
        if g.name.lower() == name.strip().lower():
            return g.id
    known = ", ".join(g.name for g in groups) or "none yet"
    raise ValidationError(f"No group named {name!r} (groups: {known})", field="group")


def _person(desk: Desk, username: str) -> AgentRecord:
    key = username.strip().lower()
    for p in users.list_users(desk):
        if p.username == key and p.active:
            return p
    raise ValidationError(f"No active user named {username!r}", field="assignee")


def _assign(
    desk: Desk, actor: Actor, r: IncidentRecord, args: argparse.Namespace
) -> IncidentRecord:
    if not args.to and not args.group:
        raise ValidationError("Say where it goes: --to USER, --group G, or both", field="group")
    person = _person(desk, args.to) if args.to else None
    if args.group:
        group_id = _group(desk, args.group)
    elif person is not None and r.group_id in person.group_ids:
        group_id = r.group_id
    elif person is not None and len(person.group_ids) == 1:
        group_id = person.group_ids[0]
    else:
        assert person is not None
        names = " and ".join(person.group_names) or "no group"
        raise ValidationError(
            f"{person.full_name} works in {names}: say which group with --group", field="group"
        )
    return service.assign(
        desk,
        actor,
        r.id,
        None,
        group_id=group_id,
        assignee_id=person.id if person else None,
        reason=args.reason,
    )


def _note(desk: Desk, actor: Actor, r: IncidentRecord, args: argparse.Namespace) -> IncidentRecord:
    kind = JournalKind.COMMENT if args.caller_visible else JournalKind.WORK_NOTE
    minutes = args.minutes
    service.add_journal(
        desk, actor, r.id, kind.value, args.text, minutes * 60 if minutes is not None else None
    )
    return queries.get_incident(desk, r.id)


Verb = Callable[[Desk, Actor, IncidentRecord, argparse.Namespace], IncidentRecord]

_RUN: dict[str, Verb] = {
    "assign": _assign,
    "escalate": lambda d, a, r, x: service.escalate_functional(
        d, a, r.id, None, _group(d, x.group), x.reason
    ),
    "escalate-supervisor": lambda d, a, r, x: service.escalate_hierarchical(
        d, a, r.id, None, x.reason
    ),
    "hold": lambda d, a, r, x: service.hold(d, a, r.id, None, x.reason, x.comment),
    "resume": lambda d, a, r, x: service.resume(d, a, r.id, None, x.comment),
    "resolve": lambda d, a, r, x: service.resolve(
        d, a, r.id, None, x.code, x.notes, close_tasks=x.close_tasks
    ),
    "close": lambda d, a, r, x: service.close(d, a, r.id, None),
    "reopen": lambda d, a, r, x: service.reopen(d, a, r.id, None, x.reason),
    "cancel": lambda d, a, r, x: service.cancel(d, a, r.id, None, x.reason),
    "note": _note,
    "major": lambda d, a, r, x: service.mark_major(d, a, r.id, None, not x.unmark),
}


def run(desk: Desk, actor: Actor, args: argparse.Namespace) -> IncidentRecord:
    """Do the verb `args.incident_command` on `args.number`; the new record."""
    record = queries.get_incident(desk, args.number)
    return _RUN[args.incident_command](desk, actor, record, args)


def summary(r: IncidentRecord) -> str:
    """One line: where the incident is now."""
    hold = f" ({HoldReason(r.hold_reason).label})" if r.hold_reason else ""
    major = " · major incident" if r.major else ""
    owner = r.assignee_name or "unassigned"
    return (
        f"{r.number} is {r.state.label}{hold} · {r.group_name or 'no group'} "
        f"(line {r.support_line}) · {owner}{major}"
    )
