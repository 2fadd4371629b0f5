"""What each SLA policy does by itself at 50%, 75% and 100% of each clock (response,
resolution): notify the assignee, the group or its supervisor, escalate functionally to the next
line's group, escalate hierarchically, raise a flag.

The SLA sweep fires the rules in the transaction in which it claims a threshold crossing (its
guarded UPDATE lets one sweeper win it). Each action is claimed again by its own key in
``escalation_fired`` (incident, clock, threshold, action), so it happens once even when a
priority change takes a clock back under a threshold and the sweep announces it again. Actions
that change the incident go through the use cases' mechanism (the rules' answer for the system
user, the SLA recomputed, one audit row per field with the rule as the reason, the change feed);
a notification is a change-feed entry ("tell_group_resolution_75") that the desktops turn into a
notice for the people it names (app.services.notifications).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import DeskError, NotFound, ValidationError
from app.domain.escalation import (
    ACTION_ORDER,
    CLOCKS,
    THRESHOLDS,
    EscalationRule,
    RuleAction,
    check_functional,
    check_hierarchical,
    check_rule,
    thresholds_passed,
)
from app.domain.incident_rights import IncidentAction
from app.domain.records import JournalKind
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.models import Agent, EscalationFired, EscalationRuleRow, Group, Incident, SlaPolicyRow
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    NothingChanged,
    apply_change,
    get_group,
    load_locked,
    write_journal,
)
from app.services.incidents.routing import reassign
from app.services.policies import PolicyBook, bump_configuration_revision

RULES_FIELD = "escalation rules"  # the admin audit's field for a policy's rules
TELL = "tell"  # change-log kinds: tell_<who>_<clock>_<threshold>
_WHO = {
    RuleAction.NOTIFY_ASSIGNEE: "assignee",
    RuleAction.NOTIFY_GROUP: "group",
    RuleAction.NOTIFY_SUPERVISOR: "supervisor",
}


def tell_kind(action: RuleAction, clock: str, threshold: int) -> str:
    """The change-log kind of a rule's notification: "tell_group_resolution_75" (30 at most)."""
    return f"{TELL}_{_WHO[action]}_{clock}_{threshold}"


def parse_tell(kind: str) -> tuple[str, str, int] | None:
    """("group", "resolution", 75) of "tell_group_resolution_75"; None for any other kind."""
    parts = kind.split("_")
    if (
        len(parts) != 4
        or parts[0] != TELL
        or parts[1] not in _WHO.values()
        or parts[2] not in CLOCKS
    ):
        return None
    if not parts[3].isdigit() or int(parts[3]) not in THRESHOLDS:
        return None
    return parts[1], parts[2], int(parts[3])


@dataclass(frozen=True)
class Fired:
    """One action a sweep did (or was refused) for one incident."""

    incident_id: int
    number: str
    rule: EscalationRule
    outcome: str


# -- the rules, as an admin sets them ------------------------------------------------------


def _rule(row: Any) -> EscalationRule:
    return EscalationRule(row.clock, row.threshold, RuleAction(row.action), row.group_id, row.id)


def rules_by_policy(conn: Connection | Session) -> dict[int, tuple[EscalationRule, ...]]:
    """Every policy's rules, lowest threshold first, moves before notifications."""
    out: dict[int, list[EscalationRule]] = {}
    r = EscalationRuleRow
    for row in conn.execute(select(r.id, r.policy_id, r.clock, r.threshold, r.action, r.group_id)):
        out.setdefault(row.policy_id, []).append(_rule(row))
    return {pid: tuple(sorted(rules, key=_order)) for pid, rules in out.items()}


def _order(rule: EscalationRule) -> tuple[int, int, int]:
    return (rule.threshold, CLOCKS.index(rule.clock), ACTION_ORDER.index(rule.action))


def all_rules(desk: Desk) -> dict[int, tuple[EscalationRule, ...]]:
    """Every policy's rules (a policy without any is absent)."""
    with desk.read() as conn:
        return rules_by_policy(conn)


def list_rules(desk: Desk, policy_id: int) -> list[EscalationRule]:
    with desk.read() as conn:
        if (
            conn.execute(select(SlaPolicyRow.id).where(SlaPolicyRow.id == policy_id)).first()
            is None
        ):
            raise NotFound(f"No SLA policy with id {policy_id}")
        return list(rules_by_policy(conn).get(policy_id, ()))


def set_rules(
    desk: Desk,
    actor: Actor,
    policy_id: int,
    rules: Sequence[EscalationRule],
    reason: str | None = None,
) -> list[EscalationRule]:
    """Replace a policy's rules (an admin's change, in the admin audit with `reason`)."""
    actor.require(Permission.CONFIGURE)
    checked = [check_rule(r.clock, r.threshold, r.action.value, r.group_id) for r in rules]
    keys = [(r.clock, r.threshold, r.action) for r in checked]
    if len(set(keys)) != len(keys):
        raise ValidationError(
            "A rule is listed twice (same clock, threshold and action)", field="rules"
        )
    with desk.write() as session:
        policy = session.get(SlaPolicyRow, policy_id)
        if policy is None:
            raise NotFound(f"No SLA policy with id {policy_id}")
        for r in checked:
            if r.group_id is not None:
                get_group(session, r.group_id)
        old = rules_by_policy(session).get(policy_id, ())
        session.execute(delete(EscalationRuleRow).where(EscalationRuleRow.policy_id == policy_id))
        for r in checked:
            session.add(
                EscalationRuleRow(
                    policy_id=policy_id,
                    clock=r.clock,
                    threshold=r.threshold,
                    action=r.action.value,
                    group_id=r.group_id,
                )
            )
        session.flush()
        names = _group_names(session)
        before = "; ".join(r.describe(names.get(r.group_id or 0)) for r in old) or None
        new = rules_by_policy(session).get(policy_id, ())
        after = "; ".join(r.describe(names.get(r.group_id or 0)) for r in new) or None
        if before != after:
            record_changes(
                session,
                actor,
                "policy",
                policy_id,
                policy.name,
                [FieldDiff(RULES_FIELD, before, after)],
                desk.now(),
                reason,
            )
            bump_configuration_revision(session)
            append_change(session, "policy", policy_id, "updated", actor.id)
    desk.invalidate()
    return list(new)


def _group_names(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(select(Group.id, Group.name))}


# -- firing --------------------------------------------------------------------------------


def _claim(session: Session, incident_id: int, rule: EscalationRule, now: datetime) -> bool:
    """Take the action's key; False when some sweep took it before (this one does nothing)."""
    values = {
        "incident_id": incident_id,
        "clock": rule.clock,
        "threshold": rule.threshold,
        "action": rule.action.value,
        "rule_id": rule.id,
        "at": now,
        "outcome": "claimed",
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(EscalationFired).values(values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg's rowcount of an INSERT here is -1
    return session.execute(stmt.returning(EscalationFired.incident_id)).first() is not None


def _record_outcome(session: Session, incident_id: int, rule: EscalationRule, outcome: str) -> None:
    session.execute(
        update(EscalationFired)
        .where(
            EscalationFired.incident_id == incident_id,
            EscalationFired.clock == rule.clock,
            EscalationFired.threshold == rule.threshold,
            EscalationFired.action == rule.action.value,
        )
        .values(outcome=outcome[:500])
        .execution_options(synchronize_session=False)
    )


def fire(
    session: Session,
    desk: Desk,
    book: PolicyBook,
    rules: Mapping[int, Sequence[EscalationRule]],
    system: Actor,
    incident_id: int,
    policy_id: int | None,
    clock: str,
    announced: int,
    reached: int,
    now: datetime,
) -> list[Fired]:
    """Do the rules of `clock`'s thresholds passed since `announced` (up to `reached`), each
    once, in the caller's transaction (the sweep's, which has just claimed the crossing)."""
    pid = policy_id if policy_id is not None else book.default_policy_id
    passed = thresholds_passed(announced, reached)
    todo = [r for r in rules.get(pid or 0, ()) if r.clock == clock and r.threshold in passed]
    if not todo:
        return []
    claimed = [r for r in todo if _claim(session, incident_id, r, now)]
    if not claimed:
        return []
    policy = book.policy_names.get(pid or 0, "the SLA policy")
    inc = load_locked(session, incident_id, desk)
    out: list[Fired] = []
    for rule in claimed:
        outcome = _do(session, book, system, inc, rule, policy, now)
        _record_outcome(session, incident_id, rule, outcome)
        out.append(Fired(incident_id, inc.number, rule, outcome))
    return out


def _do(
    session: Session,
    book: PolicyBook,
    system: Actor,
    inc: Incident,
    rule: EscalationRule,
    policy: str,
    now: datetime,
) -> str:
    """One action on the locked incident; what was done, or why not, in words."""
    if rule.action.notifies:
        told = _told(session, inc, rule.action)
        if told is None:
            return f"Nobody to {rule.action.label.removeprefix('notify ')}"
        append_change(
            session,
            "incident",
            inc.id,
            tell_kind(rule.action, rule.clock, rule.threshold),
            system.id,
        )
        return f"Told {told}"
    reason = f"Escalation rule of {policy}: {rule.describe()}"
    done: list[str] = []

    def escalate(s: Session, i: Incident, at: datetime) -> str | None:
        group = _next_group(s, i, rule)
        check_functional(i.support_line, group.name, group.line, reason)
        reassign(s, i, group.id, None, at)
        done.append(f"Escalated to {group.name} (line {group.line})")
        write_journal(s, i, JournalKind.SYSTEM, f"{done[-1]} by the desk. {reason}", system, at)
        return reason

    def to_supervisor(s: Session, i: Incident, at: datetime) -> str | None:
        group = s.get(Group, i.group_id) if i.group_id else None
        boss = s.get(Agent, group.supervisor_id) if group and group.supervisor_id else None
        check_hierarchical(reason, boss.full_name if boss else None, group.name if group else None)
        assert boss is not None
        i.escalated_to_supervisor = True
        done.append(f"Escalated to supervisor {boss.full_name}")
        write_journal(s, i, JournalKind.SYSTEM, f"{done[-1]} by the desk. {reason}", system, at)
        return reason

    def flag(s: Session, i: Incident, at: datetime) -> str | None:
        if i.flagged:
            raise NothingChanged
        i.flagged = True
        done.append("Flagged")
        write_journal(s, i, JournalKind.SYSTEM, f"Flagged by the desk. {reason}", system, at)
        return reason

    change, action, kind = {
        RuleAction.ESCALATE_FUNCTIONAL: (escalate, IncidentAction.ESCALATE, "escalated"),
        RuleAction.ESCALATE_HIERARCHICAL: (
            to_supervisor,
            IncidentAction.ESCALATE_TO_SUPERVISOR,
            "escalated_to_supervisor",
        ),
        RuleAction.FLAG: (flag, IncidentAction.EDIT, "updated"),
    }[rule.action]
    version = inc.version
    try:
        apply_change(session, book, system, inc, change, now, action=action, kind=kind)
    except NothingChanged:
        inc.version = version
        return "Nothing to do: it was so already"
    except DeskError as exc:  # refused before anything changed: the rule is done, in words
        inc.version = version
        return f"Refused: {exc}"
    return done[-1] if done else "Done"


def _next_group(session: Session, inc: Incident, rule: EscalationRule) -> Group:
    if rule.group_id is not None:
        return get_group(session, rule.group_id)
    line = inc.support_line + 1
    group = session.scalars(
        select(Group).where(Group.line == line).order_by(Group.name).limit(1)
    ).first()
    if group is None:
        raise ValidationError(f"No group on line {line} to escalate to", field="group")
    return group


def _told(session: Session, inc: Incident, action: RuleAction) -> str | None:
    """Who a notification reaches, by name (None: nobody)."""
    if action is RuleAction.NOTIFY_ASSIGNEE:
        agent = session.get(Agent, inc.assignee_id) if inc.assignee_id else None
        return agent.full_name if agent else None
    group = session.get(Group, inc.group_id) if inc.group_id else None
    if group is None:
        return None
    if action is RuleAction.NOTIFY_GROUP:
        return group.name
    boss = session.get(Agent, group.supervisor_id) if group.supervisor_id else None
    return f"{boss.full_name} (supervisor of {group.name})" if boss else None


def fired_of(desk: Desk, incident_id: int) -> list[tuple[str, int, str, str, datetime]]:
    """(clock, threshold, action, outcome, at) of what the rules did to one incident."""
    with desk.read() as conn:
        rows = conn.execute(
            select(
                EscalationFired.clock,
                EscalationFired.threshold,
                EscalationFired.action,
                EscalationFired.outcome,
                EscalationFired.at,
            )
            .where(EscalationFired.incident_id == incident_id)
            .order_by(EscalationFired.at, EscalationFired.threshold)
        ).all()
    return [(r.clock, r.threshold, r.action, r.outcome, r.at) for r in rows]
