"""The resolve rule of incident tasks, inside the resolution's transaction (and the pieces the
task use cases in ``app.services.tasks`` share with it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain import tasks as rules
from app.domain.errors import ValidationError
from app.domain.tasks import TaskState
from app.models import Incident, IncidentTask, Setting
from app.services.context import Actor
from app.services.incidents.mutation import audit_entry

MAX_TIME_S = 7 * 24 * 3600  # a week on one task or entry: more is a typo


def audit_task(
    session: Session,
    inc: Incident,
    actor: Actor,
    now: datetime,
    old: str | None,
    new: str,
    reason: str | None = None,
) -> None:
    audit_entry(session, inc, actor, now, "task", old, new, reason)


def state_text(task: IncidentTask) -> str:
    return f"{task.number} · {TaskState(task.state).label}"


def close_task_row(
    task: IncidentTask, actor: Actor, now: datetime, *, complete: bool, note: str | None
) -> None:
    task.state = (TaskState.CLOSED_COMPLETE if complete else TaskState.CLOSED_INCOMPLETE).value
    task.close_note = note
    task.closed_at = now
    task.closed_by_id = actor.id


def close_on_resolve_allowed(session: Session) -> bool:
    value = session.execute(
        select(Setting.value).where(Setting.key == rules.CLOSE_ON_RESOLVE)
    ).scalar()
    return rules.CLOSE_ON_RESOLVE_DEFAULT if value is None else bool(value)


def settle_open_tasks(
    session: Session, inc: Incident, actor: Actor, now: datetime, reason: str | None
) -> list[str]:
    """Inside the resolution's transaction: refuse while a task is open, naming them, unless
    `reason` is given and the site lets a resolver close them (Closed incomplete, the reason
    as their note). Returns the numbers closed."""
    open_tasks = list(
        session.scalars(
            select(IncidentTask)
            .where(
                IncidentTask.incident_id == inc.id,
                IncidentTask.state.in_([TaskState.OPEN.value, TaskState.WORK_IN_PROGRESS.value]),
            )
            .order_by(IncidentTask.id)
        )
    )
    if not open_tasks:
        return []
    numbers = [t.number for t in open_tasks]
    why = (reason or "").strip()
    if not why:
        raise ValidationError(rules.open_tasks_refusal(inc.number, numbers), field="tasks")
    if not close_on_resolve_allowed(session):
        raise ValidationError(
            f"{inc.number} has open tasks ({', '.join(numbers)}) and this desk does not let a "
            "resolution close them (setting 'Close open tasks when resolving'): close them first",
            field="tasks",
        )
    for task in open_tasks:
        before = state_text(task)
        close_task_row(task, actor, now, complete=False, note=why)
        task.version += 1
        task.updated_at = now
        audit_task(session, inc, actor, now, before, state_text(task), why)
        session.flush()
        append_change(session, "task", task.id, "closed", actor.id)
    return numbers


def clean_time(seconds: int | None) -> int:
    """Time worked, in seconds: 0 when not said; never negative, never more than a week."""
    if seconds is None:
        return 0
    if seconds < 0 or seconds > MAX_TIME_S:
        raise ValidationError(
            f"Time worked must be between 0 and {MAX_TIME_S // 3600} hours", field="time_worked"
        )
    return int(seconds)
