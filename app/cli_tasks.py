"""The command line's task verbs: ``incidentdesk --as USER task VERB ...``.

    add INC0000001 --title T --group G [--to USER] [--due YYYY-MM-DD[THH:MM]] [--description D]
    list [INC0000001] [--group G] [--all]
    start TASK0000001
    assign TASK0000001 --group G [--to USER] [--reason R]
    close TASK0000001 [--incomplete] [--note N] [--minutes M]

Each calls the desktop's use case (app.services.tasks): the same rules, audit and change feed.
"""

from __future__ import annotations

import argparse
from datetime import datetime, time, tzinfo

from app.domain.errors import ValidationError
from app.domain.tasks import TaskRecord
from app.domain.wording import local_time
from app.services import queries, tasks, users
from app.services.context import Actor, Desk

VERBS: dict[str, str] = {
    "add": "ask a group for a piece of work on an incident",
    "list": "the tasks of an incident, or of a group (open ones unless --all)",
    "start": "start work on a task (Work in progress)",
    "assign": "route a task to a group, and name its assignee",
    "close": "close a task: complete, or --incomplete with a note",
}


def add_verbs(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:  # type: ignore[type-arg]
    def verb(name: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=VERBS[name], parents=parents)
        p.add_argument("--json", action="store_true", help="print the tasks as JSON")
        return p

    p = verb("add")
    p.add_argument("number", metavar="INC0000001")
    p.add_argument("--title", metavar="T", required=True)
    p.add_argument("--group", metavar="G", required=True, help="the group asked (by name)")
    p.add_argument("--to", metavar="USER", help="a member of that group who does it")
    p.add_argument("--due", metavar="WHEN", help="YYYY-MM-DD (end of day) or YYYY-MM-DDTHH:MM")
    p.add_argument("--description", metavar="D", default="")
    p = verb("list")
    p.add_argument("number", metavar="INC0000001", nargs="?")
    p.add_argument("--group", metavar="G", help="the tasks of this group")
    p.add_argument("--all", action="store_true", help="closed tasks too")
    p = verb("start")
    p.add_argument("task", metavar="TASK0000001")
    p = verb("assign")
    p.add_argument("task", metavar="TASK0000001")
    p.add_argument("--group", metavar="G", required=True)
    p.add_argument("--to", metavar="USER")
    p.add_argument("--reason", metavar="R")
    p = verb("close")
    p.add_argument("task", metavar="TASK0000001")
    p.add_argument("--incomplete", action="store_true", help="not done: --note says why")
    p.add_argument("--note", metavar="N")
    p.add_argument("--minutes", metavar="M", type=int, help="time worked on it, in minutes")


def _group(desk: Desk, name: str) -> int:
    groups = queries.groups(desk)
    for g in groups:
        if g.name.lower() == name.strip().lower():
            return g.id
    known = ", ".join(g.name for g in groups) or "none yet"
    raise ValidationError(f"No group named {name!r} (groups: {known})", field="group")


def _person(desk: Desk, username: str) -> int:
    key = username.strip().lower()
    for p in users.list_users(desk):
        if p.username == key and p.active:
            return p.id
    raise ValidationError(f"No active user named {username!r}", field="assignee")


def parse_due(text: str, zone: tzinfo) -> datetime:
    """'2026-03-03' (the end of that day at the site) or '2026-03-03T14:00' (site time)."""
    try:
        if "T" in text or " " in text:
            local = datetime.fromisoformat(text.strip())
        else:
            local = datetime.combine(datetime.fromisoformat(text.strip()).date(), time(23, 59))
    except ValueError:
        raise ValidationError(
            f"--due {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", field="due"
        ) from None
    return local.replace(tzinfo=zone) if local.tzinfo is None else local


def run(desk: Desk, actor: Actor, args: argparse.Namespace) -> list[TaskRecord]:
    """Do the verb `args.task_command`; the tasks to print."""
    verb = args.task_command
    if verb == "add":
        incident = queries.get_incident(desk, args.number)
        return [
            tasks.add_task(
                desk,
                actor,
                incident.id,
                args.title,
                group_id=_group(desk, args.group),
                assignee_id=_person(desk, args.to) if args.to else None,
                due_at=parse_due(args.due, desk.zone) if args.due else None,
                description=args.description,
            )
        ]
    if verb == "list":
        if args.number:
            found = tasks.incident_tasks(desk, queries.get_incident(desk, args.number).id)
            return [t for t in found if args.all or not t.state.closed]
        group_ids = [_group(desk, args.group)] if args.group else list(actor.group_ids)
        return tasks.group_tasks(desk, group_ids, open_only=not args.all)
    task = tasks.get_task(desk, args.task)
    if verb == "start":
        return [tasks.start_task(desk, actor, task.id, None)]
    if verb == "assign":
        return [
            tasks.assign_task(
                desk,
                actor,
                task.id,
                None,
                group_id=_group(desk, args.group),
                assignee_id=_person(desk, args.to) if args.to else None,
                reason=args.reason,
            )
        ]
    assert verb == "close"
    minutes = args.minutes
    return [
        tasks.close_task(
            desk,
            actor,
            task.id,
            None,
            complete=not args.incomplete,
            note=args.note,
            time_worked_s=minutes * 60 if minutes is not None else None,
        )
    ]


def rows(found: list[TaskRecord], zone: tzinfo) -> list[tuple[str, ...]]:
    return [
        (
            t.number,
            t.incident_number,
            t.state.label,
            t.group_name or "-",
            t.assignee_name or "unassigned",
            local_time(t.due_at, zone) if t.due_at else "-",
            t.title,
        )
        for t in found
    ]


HEADER = ("Task", "Incident", "State", "Group", "Assignee", "Due", "Title")
