"""A hypothesis state machine over the lifecycle: random sequences of actions, with and
without the required inputs. Every step's outcome is checked against a model written here
from DESIGN.md (the table of moves and what each move requires), not against the code's own
table: a move that leads elsewhere, a move allowed from the wrong state, or a guard that lets
bad input through or refuses good input fails."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from app.domain.errors import IllegalTransition, ValidationError
from app.domain.lifecycle import (
    Action,
    HoldReason,
    State,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
    next_state,
)

# DESIGN.md, "The lifecycle": state -> the moves it leaves by, and where each leads
N, P, H, R, C, X = (
    State.NEW,
    State.IN_PROGRESS,
    State.ON_HOLD,
    State.RESOLVED,
    State.CLOSED,
    State.CANCELLED,
)
DESIGN: dict[State, dict[Action, State]] = {
    N: {Action.START: P, Action.RESOLVE: R, Action.CANCEL: X},
    P: {Action.HOLD: H, Action.RESOLVE: R, Action.CANCEL: X},
    H: {Action.RESUME: P},
    R: {Action.CLOSE: C, Action.REOPEN: P},
    C: {},
    X: {},
}
CODES = {
    "solution_provided", "workaround_provided", "known_error", "resolved_by_caller",
    "resolved_by_change", "resolved_by_problem", "resolved_by_request", "duplicate",
    "user_error", "no_resolution",
}  # fmt: skip

maybe_text = st.one_of(st.none(), st.just(""), st.just("  "), st.text(min_size=1, max_size=5))


def given(text: str | None) -> bool:
    return bool((text or "").strip())


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = State.NEW

    def _move(self, action: Action, guard: Callable[[], object] | None, bad_field: str | None) -> None:
        """`bad_field`: the field the model says is missing or wrong (None: the input is good)."""
        before = self.state
        expected = DESIGN[before].get(action)
        try:
            if guard is not None:
                guard()
            after = next_state(before, action)
        except IllegalTransition as err:
            assert expected is None, f"{action} refused from {before}"
            assert err.state == before.label
            assert set(err.allowed) == {a.value for a in DESIGN[before]}
            return
        except ValidationError as err:
            assert expected is not None, f"{action} from {before} refused for its input, not its state"
            assert err.field == bad_field, f"{action}: {err.field} refused, model says {bad_field}"
            return
        assert expected is not None, f"{action} accepted from {before}"
        assert bad_field is None, f"{action} accepted without a good {bad_field}"
        assert after is expected, f"{action} from {before} led to {after}, not {expected}"
        self.state = after

    @rule()
    def start(self) -> None:
        self._move(Action.START, None, None)

    @rule(
        reason=st.sampled_from(["awaiting_caller", "awaiting_vendor", "awaiting_change", "nonsense", ""]),
        comment=maybe_text,
    )
    def hold(self, reason: str, comment: str | None) -> None:
        bad = None
        if reason not in {"awaiting_caller", "awaiting_vendor", "awaiting_change"}:
            bad = "hold_reason"
        elif reason == "awaiting_caller" and not given(comment):
            bad = "comment"

        def guard() -> None:
            got = check_hold(self.state, reason, comment)
            assert got is HoldReason(reason)

        self._move(Action.HOLD, guard, bad)

    @rule()
    def resume(self) -> None:
        self._move(Action.RESUME, None, None)

    @rule(code=st.sampled_from(["solution_provided", "known_error", "user_error", "bogus", ""]), notes=maybe_text)
    def resolve(self, code: str, notes: str | None) -> None:
        bad = "resolution_code" if code not in CODES else None if given(notes) else "resolution_notes"

        def guard() -> None:
            got_code, got_notes = check_resolve(self.state, code, notes)
            assert (got_code.value, got_notes) == (code, (notes or "").strip())

        self._move(Action.RESOLVE, guard, bad)

    @rule()
    def close(self) -> None:
        self._move(Action.CLOSE, None, None)

    @rule(reason=maybe_text)
    def reopen(self, reason: str | None) -> None:
        def guard() -> None:
            assert check_reopen(self.state, reason) == (reason or "").strip()

        self._move(Action.REOPEN, guard, None if given(reason) else "reopen_reason")

    @rule(reason=maybe_text)
    def cancel(self, reason: str | None) -> None:
        def guard() -> None:
            assert check_cancel(self.state, reason) == (reason or "").strip()

        self._move(Action.CANCEL, guard, None if given(reason) else "cancel_reason")


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
