"""Turning rows into the frozen records services hand out (one query per incident)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Connection, Row, Select, bindparam, select
from sqlalchemy.orm import aliased

from app.domain.errors import NotFound
from app.domain.lifecycle import State
from app.domain.records import IncidentRecord
from app.domain.sla import ClockStatus, Pause, clock_starts, clock_status
from app.models import Agent, Caller, Category, ConfigItem, Group, Incident, Problem, SlaPause
from app.services.policies import PolicyBook

_assignee = aliased(Agent, name="assignee")
_resolver = aliased(Agent, name="resolver")
_closer = aliased(Agent, name="closer")
_opener = aliased(Agent, name="opener")
_parent_cat = aliased(Category, name="parent_cat")
_parent = aliased(Incident, name="parent_incident")
_cause = aliased(Incident, name="cause_incident")


@cache
def _incident_select() -> Select[Any]:
    """An incident's columns and the names its record shows, by id (`:incident_id`): built once,
    read with Core (a row, not an ORM object: the record is all that is wanted of it)."""
    return (
        select(
            *Incident.__table__.columns,
            Caller.name.label("caller_name"),
            Category.name.label("category_name"),
            _parent_cat.name.label("parent_category_name"),
            ConfigItem.name.label("service_name"),
            Group.name.label("group_name"),
            _assignee.full_name.label("assignee_name"),
            _resolver.full_name.label("resolved_by"),
            _closer.full_name.label("closed_by"),
            _opener.full_name.label("opened_by"),
            _parent.number.label("parent_number"),
            _parent.state.label("parent_state"),
            Problem.number.label("problem_number"),
            _cause.number.label("caused_by_number"),
        )
        .outerjoin(Caller, Caller.id == Incident.caller_id)
        .outerjoin(Category, Category.id == Incident.category_id)
        .outerjoin(_parent_cat, _parent_cat.id == Category.parent_id)
        .outerjoin(ConfigItem, ConfigItem.id == Incident.config_item_id)
        .outerjoin(Group, Group.id == Incident.group_id)
        .outerjoin(_assignee, _assignee.id == Incident.assignee_id)
        .outerjoin(_resolver, _resolver.id == Incident.resolved_by_id)
        .outerjoin(_closer, _closer.id == Incident.closed_by_id)
        .outerjoin(_opener, _opener.id == Incident.opened_by_id)
        .outerjoin(_parent, _parent.id == Incident.parent_id)
        .outerjoin(Problem, Problem.id == Incident.problem_id)
        .outerjoin(_cause, _cause.id == Incident.caused_by_id)
        .where(Incident.id == bindparam("incident_id"))
    )


@cache
def _pauses_select() -> Select[Any]:
    return (
        select(SlaPause.started_at, SlaPause.ended_at)
        .where(SlaPause.incident_id == bindparam("incident_id"))
        .order_by(SlaPause.started_at)
    )


def pauses_of(conn: Connection, incident_id: int) -> list[Pause]:
    rows = conn.execute(_pauses_select(), {"incident_id": incident_id}).all()
    return [Pause(r.started_at, r.ended_at) for r in rows]


class ClockFields(Protocol):
    """What the clocks are computed from: an Incident, or its row."""

    sla_policy_id: int | None
    priority: int
    state: str
    opened_at: datetime
    sla_started_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


def clocks(
    inc: ClockFields, pauses: list[Pause], book: PolicyBook, now: datetime
) -> tuple[ClockStatus | None, ClockStatus | None]:
    """The response and resolution clocks of `inc` at `now`."""
    found = book.target(inc.sla_policy_id, inc.priority)
    if found is None:
        return None, None
    target, cal = found
    response_start, start = clock_starts(inc.opened_at, inc.sla_started_at, inc.responded_at)
    response = clock_status(
        start=response_start,
        target_s=target.response_s,
        calendar=cal,
        now=now,
        stop=inc.responded_at or inc.resolved_at or inc.closed_at,
    )
    stop = None
    if not State(inc.state).active:
        stop = inc.resolved_at or inc.closed_at or now
    resolution = clock_status(
        start=start,
        target_s=target.resolution_s,
        calendar=cal,
        now=now,
        pauses=pauses,
        stop=stop,
    )
    return response, resolution


def _record(row: Row[Any], book: PolicyBook, pauses: list[Pause], now: datetime) -> IncidentRecord:
    inc = row  # the incident's columns, by their names, and the names joined to them
    path = None
    if row.category_name:
        path = (
            f"{row.parent_category_name} > {row.category_name}"
            if row.parent_category_name
            else row.category_name
        )
    label = book.priority_label(inc.priority, inc.matrix_version)
    response, resolution = clocks(inc, pauses, book, now)
    return IncidentRecord(
        id=inc.id,
        number=inc.number,
        title=inc.title,
        description=inc.description,
        caller_id=inc.caller_id,
        caller_name=row.caller_name,
        channel=inc.channel,
        category_id=inc.category_id,
        category_path=path,
        service_id=inc.config_item_id,
        service_name=row.service_name,
        impact=inc.impact,
        urgency=inc.urgency,
        priority=inc.priority,
        priority_label=label,
        matrix_version=inc.matrix_version,
        state=State(inc.state),
        hold_reason=inc.hold_reason,
        group_id=inc.group_id,
        group_name=row.group_name,
        support_line=inc.support_line,
        assignee_id=inc.assignee_id,
        assignee_name=row.assignee_name,
        reassignment_count=inc.reassignment_count,
        reopen_count=inc.reopen_count,
        parent_id=inc.parent_id,
        parent_number=row.parent_number,
        major=inc.major,
        problem_id=inc.problem_id,
        problem_number=row.problem_number,
        known_error_id=inc.known_error_id,
        change_ref=inc.change_ref,
        caused_by_id=inc.caused_by_id,
        caused_by_number=row.caused_by_number,
        caused_by_change=inc.caused_by_change,
        priority_overridden=inc.priority_overridden,
        parent_state=State(row.parent_state) if row.parent_state else None,
        resolution_code=inc.resolution_code,
        resolution_notes=inc.resolution_notes,
        resolved_at=inc.resolved_at,
        resolved_by=row.resolved_by,
        closed_at=inc.closed_at,
        closed_by=row.closed_by,
        close_reason=inc.close_reason,
        cancel_reason=inc.cancel_reason,
        opened_at=inc.opened_at,
        responded_at=inc.responded_at,
        response_due=inc.response_due,
        resolution_due=inc.resolution_due,
        sla_paused=inc.sla_paused,
        sla_breached=inc.sla_breached,
        escalated_to_supervisor=inc.escalated_to_supervisor,
        version=inc.version,
        created_at=inc.created_at,
        updated_at=inc.updated_at,
        opened_by=row.opened_by,
        response=response,
        resolution=resolution,
    )


def load_record(
    conn: Connection,
    incident_id: int,
    book: PolicyBook,
    now: datetime,
    pauses: list[Pause] | None = None,
) -> IncidentRecord:
    """The record of an incident as `conn` sees it now; `pauses`: its SLA pauses when the caller
    has just read them in the same transaction (a change: `mutation.apply_sla`)."""
    row = conn.execute(_incident_select(), {"incident_id": incident_id}).first()
    if row is None:
        raise NotFound(f"No incident with id {incident_id}")
    return _record(row, book, pauses if pauses is not None else pauses_of(conn, incident_id), now)


def find_id(conn: Connection, number_or_id: str | int) -> int:
    """Incident id from 'INC0001234', '1234' or an int."""
    if isinstance(number_or_id, int):
        found = conn.execute(select(Incident.id).where(Incident.id == number_or_id)).scalar()
    else:
        text = number_or_id.strip().upper()
        found = conn.execute(select(Incident.id).where(Incident.number == text)).scalar()
        if found is None and text.isdigit():
            found = conn.execute(
                select(Incident.id).where(Incident.number == f"INC{int(text):07d}")
            ).scalar()
    if found is None:
        raise NotFound(f"No incident {number_or_id}")
    return int(found)
