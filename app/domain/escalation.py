"""Escalation rules: functional (to a higher support line) and hierarchical (to a supervisor)."""

from __future__ import annotations

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
