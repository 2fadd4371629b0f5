"""The SLA sweep: announce each clock (response and resolution) crossing 50%, 75% and 100%
exactly once.

Any workstation (or a scheduled `incidentdesk sla sweep`) may run it; the guarded
UPDATE lets exactly one of them announce a crossing. Each announcement is a system
journal entry and a change_log row ("sla_50", "sla_75", "sla_100" for the resolution clock,
"response_50", ... for the response clock), which the desktops turn into notifications.
A clock that has passed several thresholds since the last sweep is announced once, at the
highest; the SLA policy's escalation rules of every threshold passed fire in the same transaction
(app.services.escalation_rules), each once.

Whoever holds the escalation lease runs it (app.services.escalation: the desktops, or
`incidentdesk escalate --once` from a scheduler); running it twice at once is harmless all the
same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, select, update

from app.db.changes import append_change
from app.domain.escalation import EscalationRule
from app.domain.mail_out import Delivery
from app.domain.records import JournalKind
from app.domain.sla import Threshold
from app.models import Group, Incident, JournalEntry
from app.services import escalation_rules
from app.services.context import Actor, Desk
from app.services.escalation_rules import Fired
from app.services.incidents import auto_close_resolved
from app.services.policies import PolicyBook, policy_book

RESPONSE = "response"
RESOLUTION = "resolution"


@dataclass(frozen=True)
class ThresholdCrossed:
    incident_id: int
    number: str
    threshold: Threshold
    group_id: int | None
    group_name: str | None
    assignee_id: int | None
    clock: str = RESOLUTION  # RESOLUTION or RESPONSE


@dataclass(frozen=True)
class _Clock:
    """Where one clock's thresholds are stored, and how their crossing is told."""

    name: str
    stage: Any  # the column of the last announced threshold
    instants: tuple[tuple[Threshold, Any], ...]  # highest first: (threshold, its instant column)
    running: tuple[Any, ...]  # conditions under which the clock runs
    kind: str  # change-log kind prefix: "sla_75", "response_75"
    messages: dict[Threshold, str]


_CLOCKS = (
    _Clock(
        RESPONSE,
        Incident.response_stage,
        (
            (Threshold.BREACHED, Incident.response_due),
            (Threshold.AT_RISK, Incident.response_at_risk_at),
            (Threshold.WARNING, Incident.response_warn_at),
        ),
        (Incident.active, Incident.responded_at.is_(None)),
        "response",
        {
            Threshold.WARNING: "Response warning: half of the response target has elapsed",
            Threshold.AT_RISK: "Response at risk: 75% of the response target has elapsed",
            Threshold.BREACHED: "Response breached: nobody took the incident in time",
        },
    ),
    _Clock(
        RESOLUTION,
        Incident.sla_stage,
        (
            (Threshold.BREACHED, Incident.resolution_due),
            (Threshold.AT_RISK, Incident.at_risk_at),
            (Threshold.WARNING, Incident.warn_at),
        ),
        (Incident.active, Incident.sla_paused.is_(False)),
        "sla",
        {
            Threshold.WARNING: "SLA warning: half of the resolution target has elapsed",
            Threshold.AT_RISK: "SLA at risk: 75% of the resolution target has elapsed",
            Threshold.BREACHED: "SLA breached: the resolution target has passed",
        },
    ),
)


def change_kind(clock: str, threshold: Threshold) -> str:
    """The change-log kind of an announcement: "sla_75" (resolution), "response_100"..."""
    prefix = next(c.kind for c in _CLOCKS if c.name == clock)
    return f"{prefix}_{threshold.value}"


@dataclass(frozen=True)
class SweepResult:
    crossed: list[ThresholdCrossed]
    fired: list[Fired]  # what the escalation rules did
    closed: list[str]  # the numbers auto-closed
    mail: Delivery = field(default_factory=Delivery)  # the mail to callers sent in the round (app.services.outbox)


def sweep(desk: Desk, *, auto_close: bool = True) -> list[ThresholdCrossed]:
    """Announce the thresholds crossed since the last sweep (and fire their rules), response
    clocks first, then resolution clocks; close what is due to close."""
    return sweep_all(desk, auto_close=auto_close).crossed


def sweep_all(desk: Desk, *, auto_close: bool = True) -> SweepResult:
    """`sweep`, with what the rules did and what closed."""
    now = desk.now()
    system = desk.system()
    book = policy_book(desk)
    with desk.read() as conn:
        rules = escalation_rules.rules_by_policy(conn)
    crossed: list[ThresholdCrossed] = []
    fired: list[Fired] = []
    for clock in _CLOCKS:
        crossed += _sweep_clock(desk, clock, now, system, book, rules, fired)
    closed = auto_close_resolved(desk) if auto_close else []
    return SweepResult(crossed, fired, closed)


def _sweep_clock(
    desk: Desk,
    clock: _Clock,
    now: datetime,
    system: Actor,
    book: PolicyBook,
    rules: dict[int, tuple[EscalationRule, ...]],
    fired: list[Fired],
) -> list[ThresholdCrossed]:
    system_id = system.id
    crossed: list[ThresholdCrossed] = []
    with desk.read() as conn:
        rows = conn.execute(
            select(
                Incident.id,
                Incident.number,
                Incident.group_id,
                Group.name,
                Incident.assignee_id,
                Incident.sla_policy_id,
                clock.stage.label("stage"),
                *(col.label(f"at_{t.value}") for t, col in clock.instants),
            )
            .outerjoin(Group, Group.id == Incident.group_id)
            .where(
                *clock.running,
                or_(*(and_(clock.stage < t.value, col <= now) for t, col in clock.instants)),
            )
        ).all()
    for row in rows:
        reached, column = next(
            (t, col)
            for t, col in clock.instants
            if getattr(row, f"at_{t.value}") is not None and getattr(row, f"at_{t.value}") <= now
        )
        if reached.value <= row.stage:
            continue
        with desk.write() as s:
            values: dict[str, object] = {clock.stage.key: reached.value}
            if clock.name == RESOLUTION:
                values["sla_breached"] = reached is Threshold.BREACHED
            won = cast(
                CursorResult[Any],
                s.execute(
                    update(Incident)
                    .where(
                        # re-checked here: the row may have been resolved, paused, taken or
                        # re-prioritised since it was read
                        Incident.id == row.id,
                        clock.stage < reached.value,
                        *clock.running,
                        column <= now,
                    )
                    # derived fields: no version bump, so nobody's edit conflicts with the sweep
                    .values(**values)
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
            if not won:
                continue
            s.add(
                JournalEntry(
                    incident_id=row.id,
                    kind=JournalKind.SYSTEM.value,
                    body=clock.messages[reached],
                    author_id=system_id,
                    created_at=now,
                )
            )
            append_change(s, "incident", row.id, f"{clock.kind}_{reached.value}", system_id)
            fired += escalation_rules.fire(
                s,
                desk,
                book,
                rules,
                system,
                row.id,
                row.sla_policy_id,
                clock.name,
                int(row.stage),
                reached.value,
                now,
            )
        crossed.append(
            ThresholdCrossed(
                row.id, row.number, reached, row.group_id, row.name, row.assignee_id, clock.name
            )
        )
    return crossed
