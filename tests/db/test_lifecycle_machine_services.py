"""A hypothesis state machine over the services on a real SQLite database: random
sequences of lifecycle actions (good and bad input, time passing) from the agents' door.
The services must keep the incident, its pauses, clocks and audit consistent with a
simple model of the table in DESIGN.md, and refuse every other move without writing.

The resolution clock is checked against a model of it: the spans the incident spent New or
In Progress (never On Hold, never Resolved), each weighed by the business calendar of its
priority's target."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from app.db.engine import make_engine
from app.domain.errors import DeskError
from app.domain.lifecycle import TRANSITIONS, Action, State
from app.services import catalog, defaults, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from app.services.policies import policy_book
from tests import templates
from tests.conftest import database_template, migrate_database

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 Brussels
RUNNING = (State.NEW, State.IN_PROGRESS)  # the resolution clock runs; On Hold pauses it
text = st.sampled_from(["", "  ", "Waiting for the caller's screenshot"])


class ServiceLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        # a copy of this process's migrated template (tests/templates.py): every example its own
        template_path, _ = database_template("sqlite", "schema", migrate_database)
        self.engine = make_engine(templates.copy_sqlite(template_path, self.folder / "m.sqlite3"))
        self.now = START
        self.desk = Desk(self.engine, clock=lambda: self.now)
        defaults.ensure_defaults(self.desk, Defaults(tz="Europe/Brussels"))
        users.add_user(self.desk, None, "dev", "Dev Patel", "admin")
        root = self.desk.actor("dev")
        group = catalog.add_group(self.desk, root, "Service Desk", 1)
        users.add_user(self.desk, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
        self.ana = self.desk.actor("ana")
        users.add_user(
            self.desk, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"]
        )
        self.carla = self.desk.actor("carla")  # cancelling is a supervisor's call
        self.assigned = False  # to Ana: taking it a second time is refused
        rec = inc.log_incident(self.desk, self.ana, inc.NewIncident("Printer jams", group_id=group))
        self.id = rec.id
        self.version = rec.version
        self.state = State.NEW
        self.moves = 0  # state changes the audit must show
        # the model of the resolution clock: the spans it ran, the last one open while it runs
        self.running: list[tuple[datetime, datetime | None]] = [(START, None)]
        self.book = policy_book(self.desk)

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _try(self, action: Action | None, call, ok_inputs: bool = True) -> None:  # type: ignore[no-untyped-def]
        before = queries.get_incident(self.desk, self.id)
        legal = action is None or action in TRANSITIONS[self.state]
        try:
            rec = call()
        except DeskError:
            after = queries.get_incident(self.desk, self.id)
            assert after.version == before.version, "a refused action wrote something"
            assert not (legal and ok_inputs), f"{action} refused from {self.state}"
            return
        assert legal and ok_inputs, f"{action} accepted from {self.state}"
        if action is not None:
            was = self.state
            self.state = TRANSITIONS[self.state][action]
            self._clock_moves(was, self.state)
        if rec.state is not before.state:
            self.moves += 1
        self.version = rec.version

    def _clock_moves(self, was: State, now: State) -> None:
        ran, runs = was in RUNNING, now in RUNNING
        if ran and not runs:
            start, _ = self.running.pop()
            self.running.append((start, self.now))
        elif runs and not ran:
            self.running.append((self.now, None))

    def _model_elapsed(self, priority: int) -> int:
        found = self.book.target(None, priority)
        assert found is not None
        _, calendar = found
        return sum(calendar.working_seconds(a, b or self.now) for a, b in self.running)

    @rule()
    def assign_to_me(self) -> None:
        ok = self.state.active and not self.assigned
        action = Action.START if self.state is State.NEW else None
        self._try(action, lambda: inc.assign_to_me(self.desk, self.ana, self.id, self.version), ok)
        self.assigned = self.assigned or ok

    @rule(reason=st.sampled_from(["awaiting_caller", "awaiting_vendor", "lunch"]), comment=text)
    def hold(self, reason: str, comment: str) -> None:
        ok = reason != "lunch" and (reason != "awaiting_caller" or bool(comment.strip()))
        self._try(
            Action.HOLD,
            lambda: inc.hold(self.desk, self.ana, self.id, self.version, reason, comment),
            ok,
        )

    @rule()
    def resume(self) -> None:
        self._try(Action.RESUME, lambda: inc.resume(self.desk, self.ana, self.id, self.version))

    @rule(code=st.sampled_from(["solution_provided", "fixed"]), notes=text)
    def resolve(self, code: str, notes: str) -> None:
        ok = code == "solution_provided" and bool(notes.strip())
        self._try(
            Action.RESOLVE,
            lambda: inc.resolve(self.desk, self.ana, self.id, self.version, code, notes),
            ok,
        )

    @rule()
    def close(self) -> None:
        self._try(Action.CLOSE, lambda: inc.close(self.desk, self.ana, self.id, self.version))

    @rule(reason=text)
    def reopen(self, reason: str) -> None:
        self._try(
            Action.REOPEN,
            lambda: inc.reopen(self.desk, self.ana, self.id, self.version, reason),
            bool(reason.strip()),
        )

    @rule(reason=text)
    def cancel(self, reason: str) -> None:
        self._try(
            Action.CANCEL,
            lambda: inc.cancel(self.desk, self.carla, self.id, self.version, reason),
            bool(reason.strip()),
        )

    @rule(impact=st.integers(1, 3), urgency=st.integers(1, 3))
    def reprioritise(self, impact: int, urgency: int) -> None:
        self._try(
            None,
            lambda: inc.set_impact_urgency(
                self.desk, self.ana, self.id, self.version, impact, urgency
            ),
            self.state.active,  # a resolved incident's fields wait for a reopen
        )
        # a P1 runs around the clock, the others on office hours: the model weighs the same
        # spans by the new priority's calendar (the start is kept: retroactive start)
        assert self.book.retroactive_start(None)

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(hours=st.integers(1, 60))
    def waits_on_hold(self, hours: int) -> None:
        """The common way paused time passes: on hold for a while, then back to work."""
        self.hold("awaiting_vendor", "")
        self.time_passes(hours)
        self.resume()

    @invariant()
    def the_record_matches_the_model(self) -> None:
        rec = queries.get_incident(self.desk, self.id)
        assert rec.state is self.state
        assert rec.version == self.version
        assert rec.sla_paused == (self.state is State.ON_HOLD)
        pauses = queries.pauses(self.desk, self.id)
        assert sum(p.end is None for p in pauses) == (1 if self.state is State.ON_HOLD else 0)
        clock = rec.resolution
        assert clock is not None
        if self.state is State.ON_HOLD:
            assert clock.paused
        # paused and resolved time is not counted; the time it ran is, on its calendar
        assert clock.elapsed_s == self._model_elapsed(rec.priority)
        moves = [h for h in queries.history(self.desk, self.id) if h.field == "state"]
        assert len(moves) == self.moves


TestServiceLifecycle = ServiceLifecycle.TestCase
TestServiceLifecycle.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
