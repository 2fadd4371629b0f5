"""Incident tasks: a piece of work one incident asks of another team (ServiceNow's incident
task), without handing the incident over.

A task is Open, then Work in progress, then Closed complete or Closed incomplete (the latter
with a note saying why). Who may work it: its group's members, its assignee, the people who
may edit its incident (they asked for it), and supervisors and admins. The incident cannot be
resolved while one of its tasks is open, unless the resolver closes them in the same step with
a reason and the site allows it (``CLOSE_ON_RESOLVE``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import IllegalTransition, PermissionDenied, ValidationError
from app.domain.roles import Role

MAX_TITLE = 300
MAX_NOTE = 4000

# the site setting (one JSON bool): may a resolver close the open tasks with the resolution?
# ServiceNow's property "com.snc.incident.incident_task.closure" does the same.
CLOSE_ON_RESOLVE = "tasks_close_on_resolve"
CLOSE_ON_RESOLVE_DEFAULT = True


def task_number(seq: int) -> str:
    """Human number of a task: TASK0001234."""
    return f"TASK{seq:07d}"


class TaskState(enum.StrEnum):
    OPEN = "open"
    WORK_IN_PROGRESS = "work_in_progress"
    CLOSED_COMPLETE = "closed_complete"
    CLOSED_INCOMPLETE = "closed_incomplete"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def closed(self) -> bool:
        return self in (TaskState.CLOSED_COMPLETE, TaskState.CLOSED_INCOMPLETE)


_LABELS = {
    TaskState.OPEN: "Open",
    TaskState.WORK_IN_PROGRESS: "Work in progress",
    TaskState.CLOSED_COMPLETE: "Closed complete",
    TaskState.CLOSED_INCOMPLETE: "Closed incomplete",
}


class TaskAction(enum.StrEnum):
    ASSIGN = "assign"
    START = "start"
    CLOSE_COMPLETE = "close_complete"
    CLOSE_INCOMPLETE = "close_incomplete"

    @property
    def doing(self) -> str:
        return {
            TaskAction.ASSIGN: "assign",
            TaskAction.START: "start work on",
            TaskAction.CLOSE_COMPLETE: "close",
            TaskAction.CLOSE_INCOMPLETE: "close",
        }[self]


@dataclass(frozen=True)
class TaskRecord:
    id: int
    number: str
    incident_id: int
    incident_number: str
    title: str
    description: str
    state: TaskState
    group_id: int | None
    group_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    due_at: datetime | None
    close_note: str | None
    time_worked_s: int
    created_at: datetime
    created_by: str | None
    closed_at: datetime | None
    version: int


@dataclass(frozen=True)
class TaskFacts:
    """What the rules read of a task (and of whether the actor may edit its incident)."""

    number: str
    state: TaskState
    group_id: int | None
    assignee_id: int | None
    requester: bool = False  # the actor may edit the incident the task belongs to


def clean_title(title: str | None) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise ValidationError(
            "A task needs a title: say what the other team should do", field="title"
        )
    if len(text) > MAX_TITLE:
        raise ValidationError(
            f"The task's title has {len(text)} characters; at most {MAX_TITLE}", field="title"
        )
    return text


def clean_note(note: str | None, *, required: bool, what: str) -> str | None:
    text = (note or "").strip()
    if not text:
        if required:
            raise ValidationError(f"Say why {what}: a note is required", field="note")
        return None
    if len(text) > MAX_NOTE:
        raise ValidationError(
            f"The note has {len(text)} characters; at most {MAX_NOTE}", field="note"
        )
    return text


def why_not(
    actor_id: int, role: Role, group_ids: Iterable[int], task: TaskFacts, action: TaskAction
) -> str | None:
    """The reason `actor` may not do `action` to `task`, or None."""
    if task.state.closed:
        return f"{task.number} is {task.state.label}: a closed task stays as it is"
    if action is TaskAction.START and task.state is not TaskState.OPEN:
        return f"{task.number} is {task.state.label} already"
    works_it = (
        role in (Role.SUPERVISOR, Role.ADMIN)
        or task.requester
        or (task.group_id is not None and task.group_id in set(group_ids))
        or (task.assignee_id is not None and task.assignee_id == actor_id)
    )
    if not works_it:
        return (
            f"Only {task.number}'s group, its assignee, the incident's own group or a "
            f"supervisor may {action.doing} it"
        )
    return None


def check(
    actor_id: int, role: Role, group_ids: Iterable[int], task: TaskFacts, action: TaskAction
) -> None:
    """Raise the refusal: IllegalTransition for the task's state, PermissionDenied for who."""
    reason = why_not(actor_id, role, group_ids, task, action)
    if reason is None:
        return
    by_state = task.state.closed or (
        action is TaskAction.START and task.state is not TaskState.OPEN
    )
    if by_state:
        raise IllegalTransition(task.state.label, action.value, [], message=reason)
    raise PermissionDenied(reason)


def open_tasks_refusal(incident_number: str, open_numbers: list[str]) -> str:
    """Why an incident with open tasks cannot be resolved, naming them."""
    names = ", ".join(open_numbers)
    many = len(open_numbers) > 1
    return (
        f"{incident_number} has {len(open_numbers)} open task{'s' if many else ''} ({names}): "
        f"close {'them' if many else 'it'} first, or close {'them' if many else 'it'} "
        "with the resolution, giving a reason"
    )
