"""A hypothesis state machine over the lifecycle: random sequences of actions, with and
without the required inputs, never reach a state the table does not allow."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from app.domain.errors import IllegalTransition, ValidationError
from app.domain.lifecycle import (
    TRANSITIONS,
    Action,
    State,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
    next_state,
)

maybe_text = st.one_of(st.none(), st.just(""), st.just("  "), st.text(min_size=1, max_size=5))


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = State.NEW
        self.history = [State.NEW]
        self.paused = False

    def _move(self, action: Action, guard: object) -> None:
        before = self.state
        try:
            if callable(guard):
                guard()
            self.state = next_state(self.state, action)
        except IllegalTransition as err:
            assert action not in TRANSITIONS[before]
            assert err.state == before.label
            assert self.state is before
        except ValidationError as err:
            assert err.field
            assert self.state is before
        else:
            assert action in TRANSITIONS[before]
            self.history.append(self.state)

    @rule()
    def start(self) -> None:
        self._move(Action.START, None)

    @rule(reason=st.sampled_from(["awaiting_caller", "awaiting_vendor", "nonsense", ""]), comment=maybe_text)
    def hold(self, reason: str, comment: str | None) -> None:
        self._move(Action.HOLD, lambda: check_hold(self.state, reason, comment))
        self.paused = self.state is State.ON_HOLD

    @rule()
    def resume(self) -> None:
        self._move(Action.RESUME, None)
        self.paused = self.state is State.ON_HOLD

    @rule(code=st.sampled_from(["solution_provided", "known_error", "bogus", ""]), notes=maybe_text)
    def resolve(self, code: str, notes: str | None) -> None:
        self._move(Action.RESOLVE, lambda: check_resolve(self.state, code, notes))

    @rule()
    def close(self) -> None:
        self._move(Action.CLOSE, None)

    @rule(reason=maybe_text)
    def reopen(self, reason: str | None) -> None:
        self._move(Action.REOPEN, lambda: check_reopen(self.state, reason))

    @rule(reason=maybe_text)
    def cancel(self, reason: str | None) -> None:
        self._move(Action.CANCEL, lambda: check_cancel(self.state, reason))

    @invariant()
    def every_step_was_a_legal_move(self) -> None:
        for a, b in zip(self.history, self.history[1:], strict=False):
            assert b in TRANSITIONS[a].values()

    @invariant()
    def final_states_are_final(self) -> None:
        for i, s in enumerate(self.history):
            if s.final:
                assert i == len(self.history) - 1

    @invariant()
    def paused_only_on_hold(self) -> None:
        assert self.paused == (self.state is State.ON_HOLD)


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
