"""Automatic assignment: how an incident routed to a group gets its assignee.

A group chooses manual (nobody is named: someone takes it), round robin (the next available
member after the one who got the last, in a fixed order) or least loaded (the available member
with the lightest open work, each open incident weighted by its priority). Only members who are
active and have marked themselves available are chosen; with none, nobody is named.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from app.domain.errors import ValidationError


class AssignmentMode(enum.StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"

    @property
    def label(self) -> str:
        return {"manual": "Manual", "round_robin": "Round robin", "least_loaded": "Least loaded"}[
            self.value
        ]


def check_mode(value: str) -> AssignmentMode:
    try:
        return AssignmentMode(value)
    except ValueError:
        known = ", ".join(m.value for m in AssignmentMode)
        raise ValidationError(
            f"Unknown assignment {value!r}: use one of {known}", field="assignment"
        ) from None


def priority_weight(priority: int) -> int:
    """What one open incident weighs in a member's load: P1 5, P2 4, P3 3, P4 2, P5 (and
    lower) 1."""
    return max(1, 6 - priority)


def next_in_turn(members: Sequence[int], last: int | None) -> int | None:
    """Round robin: the first of `members` (in their fixed order) after `last`, wrapping;
    the first when `last` is not among them."""
    if not members:
        return None
    ordered = sorted(members)
    after = [m for m in ordered if last is not None and m > last]
    return after[0] if after else ordered[0]


def least_loaded(loads: Mapping[int, int]) -> int | None:
    """The member with the lightest load (ties: the lowest id, so the answer is stable)."""
    if not loads:
        return None
    return min(loads, key=lambda m: (loads[m], m))


def describe(mode: AssignmentMode, group: str, load: int | None = None) -> str:
    """The audit's reason: 'Automatic assignment: least loaded in Network (load 7)'."""
    text = f"Automatic assignment: {mode.label.lower()} in {group}"
    if mode is AssignmentMode.LEAST_LOADED and load is not None:
        text += f" (load {load})"
    return text
