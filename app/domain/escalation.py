"""Escalation rules: functional (to a higher support line) and hierarchical (to a supervisor)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.domain.errors import ValidationError

LINES = (1, 2, 3)


def line_label(line: int) -> str:
    return {1: "1st line", 2: "2nd line", 3: "3rd line"}.get(line, f"line {line}")


def check_functional(
    current_line: int, target_group: str, target_line: int, reason: str | None
) -> str:
    """A functional escalation goes to a group on a higher line than the incident's, with a reason."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError("A reason is required to escalate", field="reason")
    if target_line <= current_line:
        raise ValidationError(
            f"{target_group} is {line_label(target_line)}; a functional escalation from "
            f"{line_label(current_line)} needs a group on a higher line (use Assign to move "
            "an incident within a line)",
            field="group",
        )
    return text


def check_hierarchical(reason: str | None, supervisor: str | None, group: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError("A reason is required to escalate to a supervisor", field="reason")
    if supervisor is None:
        raise ValidationError(
            f"The group {group or '(none)'} has no supervisor to escalate to; set one first",
            field="group",
        )
    return text


# -- automatic escalation: what an SLA policy does at each threshold of each clock ----------

CLOCKS = ("response", "resolution")
THRESHOLDS = (50, 75, 100)


class RuleAction(enum.StrEnum):
    """What a rule does when its clock passes its threshold."""

    NOTIFY_ASSIGNEE = "notify_assignee"
    NOTIFY_GROUP = "notify_group"
    NOTIFY_SUPERVISOR = "notify_supervisor"
    ESCALATE_FUNCTIONAL = "escalate_functional"
    ESCALATE_HIERARCHICAL = "escalate_hierarchical"
    FLAG = "flag"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]

    @property
    def notifies(self) -> bool:
        return self in (
            RuleAction.NOTIFY_ASSIGNEE,
            RuleAction.NOTIFY_GROUP,
            RuleAction.NOTIFY_SUPERVISOR,
        )


_ACTION_LABELS = {
    RuleAction.NOTIFY_ASSIGNEE: "notify the assignee",
    RuleAction.NOTIFY_GROUP: "notify the group",
    RuleAction.NOTIFY_SUPERVISOR: "notify the group's supervisor",
    RuleAction.ESCALATE_FUNCTIONAL: "escalate to the next line's group",
    RuleAction.ESCALATE_HIERARCHICAL: "escalate to the group's supervisor",
    RuleAction.FLAG: "raise a flag",
}
# the order a sweep does one threshold's actions in: the moves first, then who is told (so the
# new group is the one told)
ACTION_ORDER = tuple(RuleAction)[3:] + tuple(RuleAction)[:3]


@dataclass(frozen=True)
class EscalationRule:
    """At `threshold` percent of `clock`, do `action` (a functional escalation to `group_id`,
    or without one to the first group of the next line)."""

    clock: str
    threshold: int
    action: RuleAction
    group_id: int | None = None
    id: int | None = None

    def describe(self, group_name: str | None = None) -> str:
        """'At 75% of the resolution target: escalate to the next line's group (Network)'."""
        what = "breach of" if self.threshold >= 100 else f"{self.threshold}% of"
        text = f"At {what} the {self.clock} target: {self.action.label}"
        if self.action is RuleAction.ESCALATE_FUNCTIONAL and group_name:
            text += f" ({group_name})"
        return text


def check_rule(
    clock: str, threshold: int, action: str, group_id: int | None = None
) -> EscalationRule:
    """A rule as stored, or a ValidationError naming what is wrong."""
    if clock not in CLOCKS:
        raise ValidationError(f"Unknown clock {clock!r}: use response or resolution", field="clock")
    if threshold not in THRESHOLDS:
        raise ValidationError(
            f"A rule fires at 50, 75 or 100 percent of a target, not {threshold}", field="threshold"
        )
    try:
        act = RuleAction(action)
    except ValueError:
        known = ", ".join(a.value for a in RuleAction)
        raise ValidationError(
            f"Unknown rule action {action!r}: use one of {known}", field="action"
        ) from None
    if group_id is not None and act is not RuleAction.ESCALATE_FUNCTIONAL:
        raise ValidationError(
            f"Only a functional escalation goes to a group; '{act.label}' takes none", field="group"
        )
    return EscalationRule(clock, threshold, act, group_id)


def thresholds_passed(announced: int, reached: int) -> tuple[int, ...]:
    """The thresholds a clock passed since the last sweep: above `announced`, up to `reached`
    (a sweep that comes late fires the rules of every threshold in between, lowest first)."""
    return tuple(t for t in THRESHOLDS if announced < t <= reached)
