"""SLA policies, as an admin changes them: response and resolution targets per priority, the
calendar they are measured on (and a calendar per priority, such as 24x7 for P1), the business
days after which a resolved incident closes by itself, and retroactive start.

A save validates everything before it writes (targets for every priority of the current
matrix, calendars that exist), then in one transaction: the policy and its targets, one admin
audit row per changed field, a "policy" entry in the change feed and the configuration
revision. Incidents keep the due times they have until they are recomputed on purpose.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import NotFound, ValidationError
from app.domain.roles import Permission
from app.domain.sla_config import (
    PolicyRecord,
    PolicySpec,
    TargetRecord,
    check_policy,
    policy_diff,
)
from app.models import BusinessCalendarRow, SlaPolicyRow, SlaTargetRow
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.policies import bump_configuration_revision, fresh_policy_book


def _record(session: Session, row: SlaPolicyRow, names: dict[int, str]) -> PolicyRecord:
    targets = session.scalars(
        select(SlaTargetRow).where(SlaTargetRow.policy_id == row.id).order_by(SlaTargetRow.priority)
    ).all()
    return PolicyRecord(
        id=row.id,
        name=row.name,
        calendar_id=row.calendar_id,
        calendar_name=names.get(row.calendar_id, ""),
        active=bool(row.active),
        auto_close_days=row.auto_close_days,
        retroactive_start=bool(row.retroactive_start),
        targets=tuple(
            TargetRecord(
                priority=t.priority,
                response_s=t.response_s,
                resolution_s=t.resolution_s,
                calendar_id=t.calendar_override_id,
                calendar_name=names.get(t.calendar_override_id or row.calendar_id, ""),
            )
            for t in targets
        ),
    )


def _calendar_names(session: Session) -> dict[int, str]:
    return {
        int(i): str(n)
        for i, n in session.execute(select(BusinessCalendarRow.id, BusinessCalendarRow.name))
    }


def policies(desk: Desk) -> list[PolicyRecord]:
    with desk.query() as session:
        names = _calendar_names(session)
        rows = session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.id)).all()
        return [_record(session, r, names) for r in rows]


def policy(desk: Desk, policy_id: int) -> PolicyRecord:
    with desk.query() as session:
        row = session.get(SlaPolicyRow, policy_id)
        if row is None:
            raise NotFound(f"No SLA policy with id {policy_id}")
        return _record(session, row, _calendar_names(session))


def save_policy(
    desk: Desk,
    actor: Actor,
    spec: PolicySpec,
    policy_id: int | None = None,
    *,
    reason: str | None = None,
) -> PolicyRecord:
    """Create an SLA policy (`policy_id` None) or change one; returns it as saved.

    Bad input raises ValidationError naming what is wrong; nothing is written."""
    actor.require(Permission.CONFIGURE)
    now = desk.now()
    with desk.write() as session:
        names = _calendar_names(session)
        priorities = fresh_policy_book(desk, session).matrix.priorities
        checked = check_policy(spec, priorities, names)
        row = None
        before = None
        if policy_id is not None:
            row = session.get(SlaPolicyRow, policy_id, with_for_update=True)
            if row is None:
                raise NotFound(f"No SLA policy with id {policy_id}")
            before = _record(session, row, names).spec()
        taken = session.scalar(
            select(SlaPolicyRow.id).where(
                SlaPolicyRow.name == checked.name, SlaPolicyRow.id != (policy_id or -1)
            )
        )
        if taken is not None:
            raise ValidationError(
                f"An SLA policy named {checked.name!r} exists already", field="name"
            )
        if not checked.active:
            others = session.scalar(
                select(SlaPolicyRow.id).where(
                    SlaPolicyRow.active, SlaPolicyRow.id != (policy_id or -1)
                )
            )
            if others is None:
                raise ValidationError(
                    "The desk needs one active SLA policy (new incidents get it); "
                    "activate another before deactivating this one",
                    field="active",
                )
        diffs = policy_diff(before, checked, names)
        if row is None:
            row = SlaPolicyRow()
            session.add(row)
        row.name = checked.name
        row.calendar_id = checked.calendar_id
        row.active = checked.active
        row.auto_close_days = checked.auto_close_days
        row.retroactive_start = checked.retroactive_start
        session.flush()
        session.execute(delete(SlaTargetRow).where(SlaTargetRow.policy_id == row.id))
        for priority, target in checked.targets.items():
            session.add(
                SlaTargetRow(
                    policy_id=row.id,
                    priority=priority,
                    response_s=target.response_s,
                    resolution_s=target.resolution_s,
                    calendar_override_id=target.calendar_id,
                )
            )
        session.flush()
        if diffs:
            record_changes(session, actor, "policy", row.id, checked.name, diffs, now, reason)
            append_change(
                session, "policy", row.id, "created" if before is None else "updated", actor.id
            )
            bump_configuration_revision(session)
        saved = _record(session, row, names)
    desk.invalidate()
    return saved


def set_retroactive_start(
    desk: Desk, actor: Actor, policy_id: int, retroactive: bool, *, reason: str | None = None
) -> PolicyRecord:
    """Turn one policy's retroactive start on or off (everything else as it is)."""
    current = policy(desk, policy_id).spec()
    spec = PolicySpec(
        current.name,
        current.calendar_id,
        current.targets,
        current.auto_close_days,
        retroactive,
        current.active,
    )
    return save_policy(desk, actor, spec, policy_id, reason=reason)
