"""The incident: the heart of the schema."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, and_, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

# Sort key of incidents with no running resolution clock (paused, stopped, or none):
# they come after every running clock of the same priority.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="phone")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    config_item_id: Mapped[int | None] = mapped_column(ForeignKey("config_items.id"))

    impact: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    matrix_version: Mapped[int] = mapped_column(ForeignKey("matrix_versions.id"))
    # a supervisor set the priority by hand (with a reason in the audit): the matrix does not
    # recompute it until impact or urgency change
    priority_overridden: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    state: Mapped[str] = mapped_column(String(20))
    # denormalised "still in a queue" flag: leads the queue index
    active: Mapped[bool] = mapped_column(Boolean)
    hold_reason: Mapped[str | None] = mapped_column(String(30))

    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    support_line: Mapped[int] = mapped_column(Integer, default=1)
    reassignment_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # ping-pong: how many times it went back to a group it had left (the services count it as
    # the group changes, from the incident's history of groups)
    group_returns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_to_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    # raised by an escalation rule (or a supervisor): someone should look at it
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), index=True)
    known_error_id: Mapped[int | None] = mapped_column(ForeignKey("known_errors.id"))
    # the change that fixed it (a reference in the change process: "CHG0030012"), and what
    # caused it: another incident, or a change. With the problem, these stay settable by an
    # admin after closure (app.domain.incident_rights.ADMIN_FIELDS).
    change_ref: Mapped[str | None] = mapped_column(String(40))
    caused_by_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    caused_by_change: Mapped[str | None] = mapped_column(String(40))

    # the SLA verdict the source of an import gave (ServiceNow's made_sla); None for the
    # desk's own incidents, whose clocks say it (sla_breached)
    made_sla: Mapped[bool | None] = mapped_column(Boolean)

    resolution_code: Mapped[str | None] = mapped_column(String(40))
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    close_reason: Mapped[str | None] = mapped_column(String(30))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    # SLA: clocks start at opened_at; the policy and pauses give the rest
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the instants the running resolution clock passes 50% and 75% ("breaching soon")
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # the last threshold (0, 50, 75, 100) the sweep announced for the resolution clock
    sla_stage: Mapped[int] = mapped_column(Integer, default=0)
    # the response clock's 50% and 75% instants while it runs (None once responded), and the
    # last of its thresholds the sweep announced
    response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # where the clocks of the current priority's targets start: None = opened_at (a policy with
    # retroactive start, or no priority change); the instant of the priority change otherwise
    sla_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # resolution_due, or NO_DUE when no clock runs: the queue's second sort key
    due_sort: Mapped[datetime] = mapped_column(UTCDateTime)

    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # optimistic locking: every UPDATE says "WHERE version = <the version read>"; the services
    # set the next version themselves, once per use case however many flushes it takes
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


# The queue: active incidents by priority, then resolution due, then id.
# Covering the filters the saved views use most.
Index(
    "ix_incidents_queue",
    Incident.active,
    Incident.priority,
    Incident.due_sort,
    Incident.id,
)
Index(
    "ix_incidents_group_queue",
    Incident.group_id,
    Incident.active,
    Incident.priority,
    Incident.due_sort,
    Incident.id,
)
Index(
    "ix_incidents_assignee_queue",
    Incident.assignee_id,
    Incident.active,
    Incident.priority,
    Incident.due_sort,
    Incident.id,
)
# the open incidents on a service (the Related tab, the major-incident warning while logging)
Index("ix_incidents_service", Incident.config_item_id, Incident.active, Incident.id)
Index("ix_incidents_state", Incident.state, Incident.priority, Incident.due_sort, Incident.id)
Index("ix_incidents_updated", Incident.updated_at, Incident.id)
Index("ix_incidents_at_risk", Incident.active, Incident.at_risk_at)
Index("ix_incidents_response_warn", Incident.active, Incident.response_warn_at)
# All incidents in queue order (the "all incidents" view; the open queue uses ix_incidents_queue).
Index("ix_incidents_priority", Incident.priority, Incident.due_sort, Incident.id)
# The open queue by other header sorts: an equality on `active` that also gives the order,
# so SQLite's planner needs no statistics to pick them (app/db/queue.py lists the index per sort).
Index("ix_incidents_active_updated", Incident.active, Incident.updated_at, Incident.id)
Index("ix_incidents_active_due", Incident.active, Incident.due_sort, Incident.id)
Index("ix_incidents_active_id", Incident.active, Incident.id)
# The priority matrix's preview and recompute: the open incidents of one cell whose priority is
# not the cell's, as a range (app/services/matrix.py).
Index(
    "ix_incidents_matrix",
    Incident.active,
    Incident.impact,
    Incident.urgency,
    Incident.priority,
    Incident.priority_overridden,
    Incident.id,
)
# The workload board (app.services.workload): every column its aggregate reads, grouped as it
# groups, so it never reads the table.
Index(
    "ix_incidents_workload",
    Incident.active,
    Incident.group_id,
    Incident.assignee_id,
    Incident.priority,
    Incident.state,
    Incident.at_risk_at,
    Incident.resolution_due,
    Incident.sla_breached,
    Incident.opened_at,
)
# The dashboard (app.services.dashboard): what it counts of the incidents opened in a period,
# and of those resolved in it, each read from its index alone.
Index(
    "ix_incidents_opened",
    Incident.opened_at,
    Incident.group_id,
    Incident.channel,
    Incident.category_id,
    Incident.priority,
    Incident.response_due,
    Incident.responded_at,
)
Index(
    "ix_incidents_resolved",
    Incident.resolved_at,
    Incident.group_id,
    Incident.priority,
    Incident.opened_at,
    Incident.sla_breached,
    Incident.support_line,
    Incident.resolution_due,
)
# The Ping-pong view and the queue's Ping-pong column: the open incidents that went back to a
# group they had left, in the order of that count.
Index("ix_incidents_ping_pong", Incident.active, Incident.group_returns, Incident.id)
# The reports (app.services.reports, migration 0020): the incidents by the group they are in
# now (reassignments, reopens), the resolved or closed ones by support line (push to front),
# and the resolution SLA's two parts, each a partial index of its incidents: the imports (their
# source's verdict, by opening) and the desk's own with a target (by resolution).
Index(
    "ix_incidents_by_group",
    Incident.group_id,
    Incident.opened_at,
    Incident.reassignment_count,
    Incident.reopen_count,
    Incident.resolved_at,
)
_FIRST_LINE = Incident.support_line <= 1
Index(
    "ix_incidents_first_line",
    Incident.state,
    Incident.priority,
    Incident.support_line,
    Incident.opened_at,
    Incident.group_id,
    sqlite_where=_FIRST_LINE,
    postgresql_where=_FIRST_LINE,
)
_SLA_SOURCE = Incident.made_sla.is_not(None)
Index(
    "ix_incidents_sla_source",
    Incident.priority,
    Incident.opened_at,
    Incident.group_id,
    Incident.made_sla,
    sqlite_where=_SLA_SOURCE,
    postgresql_where=_SLA_SOURCE,
)
_SLA_DESK = and_(Incident.made_sla.is_(None), Incident.resolution_due.is_not(None))
Index(
    "ix_incidents_sla_desk",
    Incident.priority,
    Incident.resolved_at,
    Incident.group_id,
    Incident.sla_breached,
    sqlite_where=_SLA_DESK,
    postgresql_where=_SLA_DESK,
)
