"""Logging a new incident (from a form, the command line, an e-mail or an alert)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.affected import affected_list
from app.domain.catalog import starting_levels
from app.domain.errors import (
    ValidationError,
)
from app.domain.lifecycle import (
    State,
    check_resolve,
)
from app.domain.mail_out import Notice
from app.domain.records import Channel, IncidentRecord, JournalKind, incident_number
from app.domain.roles import Permission
from app.models import (
    NO_DUE,
    AuditEntry,
    Caller,
    Category,
    ConfigItem,
    Incident,
    KnownError,
    Problem,
)
from app.services.assignment import AUDIT_BY, auto_assign
from app.services.callers import NewCaller, caller_for
from app.services.context import Actor, Desk
from app.services.incident_records import load_record
from app.services.incidents.affected import check_items, write_others
from app.services.incidents.mutation import (
    MAX_TITLE,
    agent_in_group,
    apply_sla,
    audit_entry,
    check_exists,
    require_active,
    routable_group,
    write_journal,
)
from app.services.outbox import queue_notice
from app.services.policies import fresh_policy_book, policy_book


@dataclass(frozen=True)
class NewIncident:
    """What a form, an e-mail or an alert hands in to log an incident."""

    title: str
    description: str = ""
    caller_id: int | None = None
    # a caller not known yet: added in the same transaction (or the one with this e-mail)
    new_caller: NewCaller | str | None = None
    channel: str = Channel.PHONE.value
    category_id: int | None = None
    config_item_id: int | None = None  # the primary service or CI
    also_affects: tuple[int, ...] = ()  # the others it affects, in order
    # None: the category's default, else level 3 (app.domain.catalog.starting_levels)
    impact: int | None = None
    urgency: int | None = None
    group_id: int | None = None  # None: the category's default group, else the agent's first
    assignee_id: int | None = None
    parent_id: int | None = None
    parent_reason: str | None = None  # why it was linked (the major incident on its service)
    known_error_id: int | None = None
    problem_id: int | None = None
    major: bool = False
    # first-contact fix: resolve in the same step
    resolution_code: str | None = None
    resolution_notes: str | None = None
    opened_at: datetime | None = None  # imports; default now


# --------------------------------------------------------------------------------------
# logging


def log_incident(desk: Desk, actor: Actor, new: NewIncident) -> IncidentRecord:
    """Log an incident; with a resolution code it is resolved in the same step."""
    now = desk.now()
    with desk.write() as session:
        inc = log_in_session(desk, session, actor, new, now)
        queue_notice(session, inc, Notice.LOGGED, now)
        return load_record(session.connection(), inc.id, policy_book(desk), now)


def log_in_session(
    desk: Desk, session: Session, actor: Actor, new: NewIncident, now: datetime
) -> Incident:
    """`log_incident` inside the caller's transaction (intake logs an incident and claims its
    alert or mail in one commit); the same rules, audit, journal and change feed."""
    actor.require(Permission.LOG)
    title = " ".join(new.title.split())
    if not title:
        raise ValidationError("A title is required", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(
            f"The title has {len(title)} characters; at most {MAX_TITLE}", field="title"
        )
    try:
        channel = Channel(new.channel)
    except ValueError:
        raise ValidationError(
            f"Unknown channel {new.channel!r}; use one of: {', '.join(c.value for c in Channel)}",
            field="channel",
        ) from None
    if new.impact is not None and new.urgency is not None:  # bad levels: before any write
        policy_book(desk).matrix.priority(new.impact, new.urgency)
    first_contact = new.resolution_code is not None
    if first_contact:
        code, notes = check_resolve(State.NEW, new.resolution_code, new.resolution_notes)
    opened = new.opened_at or now
    require_active(session, actor)
    book = fresh_policy_book(desk, session)
    matrix = book.matrix
    category = session.get(Category, new.category_id) if new.category_id is not None else None
    if new.category_id is not None and category is None:
        raise ValidationError(f"No category with id {new.category_id}", field="category")
    impact, urgency = starting_levels(
        new.impact,
        new.urgency,
        category.default_impact if category is not None else None,
        category.default_urgency if category is not None else None,
        matrix.impacts,
        matrix.urgencies,
    )
    priority = matrix.priority(impact, urgency)
    caller_id = new.caller_id
    if new.new_caller is not None:
        if caller_id is not None:
            raise ValidationError("Give a caller or a new caller, not both", field="caller")
        caller_id = caller_for(session, actor.id, new.new_caller)
    check_exists(session, Caller, caller_id, "caller", "caller")
    primary, others = affected_list(new.config_item_id, new.also_affects)
    check_exists(session, ConfigItem, primary, "service", "service")
    check_items(session, others, ())
    check_exists(session, Incident, new.parent_id, "parent", "incident")
    check_exists(session, KnownError, new.known_error_id, "known_error", "known error")
    check_exists(session, Problem, new.problem_id, "problem", "problem")
    group_id = new.group_id
    if category is not None and group_id is None:
        group_id = category.default_group_id
    if group_id is None and actor.group_ids:
        group_id = actor.group_ids[0]
    line = routable_group(session, group_id).line if group_id is not None else 1
    if new.assignee_id is not None:
        agent_in_group(session, new.assignee_id, group_id)
    inc = Incident(
        number=f"~{uuid.uuid4().hex[:18]}",  # replaced by INC<id> below
        title=title,
        description=new.description.strip(),
        caller_id=caller_id,
        channel=channel.value,
        category_id=new.category_id,
        config_item_id=primary,
        impact=impact,
        urgency=urgency,
        priority=priority,
        matrix_version=matrix.version,
        state=State.IN_PROGRESS.value if new.assignee_id else State.NEW.value,
        active=True,
        group_id=group_id,
        assignee_id=new.assignee_id,
        support_line=line,
        parent_id=new.parent_id,
        known_error_id=new.known_error_id,
        problem_id=new.problem_id,
        major=new.major,
        sla_policy_id=book.default_policy_id,
        opened_at=opened,
        responded_at=opened if new.assignee_id else None,
        due_sort=NO_DUE,
        opened_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(inc)
    session.flush()
    inc.number = incident_number(inc.id)
    if others:
        write_others(session, inc, others, actor, now)
    how = f"Logged by {actor.full_name} via {channel.label.lower()}"
    if first_contact:
        inc.state = State.RESOLVED.value
        inc.active = False
        inc.resolution_code = code.value
        inc.resolution_notes = notes
        inc.resolved_at = now
        inc.resolved_by_id = actor.id
        inc.responded_at = inc.responded_at or now
        how += f"; resolved on first contact ({code.label})"
    picked = (
        None if first_contact else auto_assign(session, inc, now, lock=desk.dialect == "postgresql")
    )
    apply_sla(session, inc, book, now)
    assigned = None
    if picked is not None:  # the desk's, with the rule: after the "created" row
        by, why = session.info.pop(AUDIT_BY)["assignee_id"]
        assigned = AuditEntry(
            incident_id=inc.id,
            field="assignee_id",
            old_value=None,
            new_value=str(picked.agent_id),
            agent_id=by,
            at=now,
            reason=why,
            incident_version=1,
        )
    session.add(
        AuditEntry(
            incident_id=inc.id,
            field="created",
            old_value=None,
            new_value=inc.number,
            agent_id=actor.id,
            at=now,
            incident_version=1,
        )
    )
    write_journal(session, inc, JournalKind.SYSTEM, how, actor, now)
    session.flush()
    if new.parent_id is not None:
        link_child(session, inc, new.parent_id, actor, now, new.parent_reason)
    if assigned is not None:
        session.add(assigned)
        session.flush()
    append_change(session, "incident", inc.id, "created", actor.id)
    session.flush()
    return inc


def link_child(
    session: Session,
    inc: Incident,
    parent_id: int,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> None:
    """The new incident `inc` logged as a child of `parent_id`: a line in the history of each
    ("Parent incident — → INC..." on the child, "Child incident — → INC..." on the parent),
    and the parent's windows told (its list of children grew)."""
    session.add(
        AuditEntry(
            incident_id=inc.id,
            field="parent_id",
            old_value=None,
            new_value=str(parent_id),
            agent_id=actor.id,
            at=now,
            reason=reason,
            incident_version=1,
        )
    )
    parent = session.get(Incident, parent_id)
    assert parent is not None, "checked before the insert"
    audit_entry(session, parent, actor, now, "child", None, str(inc.id), reason)
    session.flush()
    append_change(session, "incident", parent.id, "child", actor.id)
