"""States, moves and their guards, as DESIGN.md's table gives them."""

from __future__ import annotations

import pytest

from app.domain.errors import IllegalTransition, ValidationError
from app.domain.lifecycle import (
    TRANSITIONS,
    Action,
    HoldReason,
    ResolutionCode,
    State,
    allowed_actions,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
    next_state,
)


def test_the_table_of_moves_is_the_design_table() -> None:
    """Which action leaves each state, and where each one leads (not only which states
    can be reached: swapping where two actions lead must fail here)."""
    moves = {s: dict(TRANSITIONS[s]) for s in State}
    assert moves == {
        State.NEW: {
            Action.START: State.IN_PROGRESS,
            Action.RESOLVE: State.RESOLVED,  # first-contact fix
            Action.CANCEL: State.CANCELLED,
        },
        State.IN_PROGRESS: {
            Action.HOLD: State.ON_HOLD,
            Action.RESOLVE: State.RESOLVED,
            Action.CANCEL: State.CANCELLED,
        },
        State.ON_HOLD: {Action.RESUME: State.IN_PROGRESS},
        State.RESOLVED: {Action.CLOSE: State.CLOSED, Action.REOPEN: State.IN_PROGRESS},
        State.CLOSED: {},
        State.CANCELLED: {},
    }
    for state, leaves in moves.items():
        assert allowed_actions(state) == tuple(leaves)
        for action, to in leaves.items():
            assert next_state(state, action) is to


def test_an_illegal_move_names_the_state_and_the_allowed_moves() -> None:
    with pytest.raises(IllegalTransition) as err:
        next_state(State.ON_HOLD, Action.RESOLVE)
    assert str(err.value) == "Cannot resolve an incident that is On Hold; allowed from On Hold: resume"
    assert err.value.allowed == ("resume",)


def test_a_final_state_says_nothing_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match=r"Closed; allowed from Closed: none"):
        next_state(State.CLOSED, Action.REOPEN)
    assert allowed_actions(State.CANCELLED) == ()


def test_active_and_final_flags() -> None:
    assert [s for s in State if s.active] == [State.NEW, State.IN_PROGRESS, State.ON_HOLD]
    assert [s for s in State if s.final] == [State.CLOSED, State.CANCELLED]


def test_ten_resolution_codes_with_servicenow_labels() -> None:
    assert len(ResolutionCode) == 10
    assert ResolutionCode.NO_RESOLUTION.label == "No resolution provided"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_hold_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(ValidationError) as err:
        check_hold(State.IN_PROGRESS, reason, "x")
    assert err.value.field == "hold_reason"


def test_hold_rejects_an_unknown_reason_and_lists_the_known() -> None:
    with pytest.raises(ValidationError, match="awaiting_vendor"):
        check_hold(State.IN_PROGRESS, "lunch", None)


def test_awaiting_caller_needs_a_comment_other_reasons_do_not() -> None:
    with pytest.raises(ValidationError) as err:
        check_hold(State.IN_PROGRESS, "awaiting_caller", "  ")
    assert err.value.field == "comment"
    assert check_hold(State.IN_PROGRESS, "awaiting_caller", "send a screenshot") is HoldReason.AWAITING_CALLER
    assert check_hold(State.IN_PROGRESS, "awaiting_vendor", None) is HoldReason.AWAITING_VENDOR


def test_hold_from_new_is_illegal() -> None:
    with pytest.raises(IllegalTransition):
        check_hold(State.NEW, "awaiting_vendor", None)


def test_resolve_needs_code_and_notes() -> None:
    with pytest.raises(ValidationError) as err:
        check_resolve(State.IN_PROGRESS, None, "notes")
    assert err.value.field == "resolution_code"
    with pytest.raises(ValidationError) as err:
        check_resolve(State.IN_PROGRESS, "solution_provided", " ")
    assert err.value.field == "resolution_notes"
    with pytest.raises(ValidationError, match="Unknown resolution code 'fixed'"):
        check_resolve(State.IN_PROGRESS, "fixed", "notes")
    assert check_resolve(State.NEW, "workaround_provided", " done ") == (
        ResolutionCode.WORKAROUND_PROVIDED,
        "done",
    )


def test_cancel_and_reopen_need_a_reason() -> None:
    with pytest.raises(ValidationError):
        check_cancel(State.NEW, "")
    assert check_cancel(State.IN_PROGRESS, "duplicate of INC0000001") == "duplicate of INC0000001"
    with pytest.raises(ValidationError):
        check_reopen(State.RESOLVED, None)
    with pytest.raises(IllegalTransition):
        check_reopen(State.CLOSED, "the caller called back")
