"""Sixteen workstations at once, then a check that nothing was lost; prints ONE JSON object.

    .venv/bin/python bench/soak.py --seconds 300 --db postgresql   # INCIDENTDESK_TEST_PG
    .venv/bin/python bench/soak.py --seconds 300 --db sqlite

The database is new (a temporary SQLite file, or a uniquely named PostgreSQL database dropped
afterwards) with three groups (lines 1-3, Network assigning round robin), a supervisor,
specialists and agents in each, callers, and an alert rule whose cleared alerts resolve their
incident. ``--processes`` processes (16), each with its own engine and Desk on the real clock,
then do mixed work through the services only for ``--seconds``: log, take, assign, escalate
(to a higher line and to the supervisor), hold, resume, edit, resolve, close, reopen, cancel,
journal notes, bulk actions (``services.bulk.apply_one``) and alerts (``services.alerts
.receive``, each process firing and clearing its own fingerprints and a few shared ones). A
worker reads the incident it acts on, asks the rules (``domain.permissions.why_not``) which of
its people may do the act, and does it with the version it read.

What it prints:

- ``ops_per_s`` overall and ``per_kind`` (done, per second, conflicts, environment problems);
- ``conflicts``: expected stale-version conflicts (another process changed the incident since
  it was read; for a note or a bulk item, a refusal that a change made meanwhile explains),
  each retried from a fresh read;
- ``environment``: the problems the desk reports as the environment's (``EnvironmentProblem``:
  database locked or busy), by message; the worker waits a moment and retries, as a user would;
- ``errors``: anything else (must be 0), each kind with its messages;
- ``checks``: one key per check, each with ``pass`` and its numbers (see `check`).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py is named like the standard library's `queue` (psycopg imports it): take this
# folder off the path and put the project there instead
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database

PROCESSES = 16
PASSWORD = "soak-pass"
GROUPS = (("Service Desk", 1), ("Network", 2), ("Infrastructure", 3))
RESOLVING_ALERT = "SoakOutage"  # the rule resolves its incident when the alert clears
NOTING_ALERT = "SoakWarning"  # no rule: a cleared alert only adds a note
SUBJECTS = ("Printer", "VPN", "Outlook", "Laptop", "Wi-Fi", "Teams", "ERP", "Citrix", "Badge")
PROBLEMS = ("does not start", "is slow", "shows an error", "keeps disconnecting", "times out")
EXAMPLES = 5  # examples kept per failed check / per error kind

# what each kind of act is weighted (how often a worker picks it)
WEIGHTS = {
    "log": 10,
    "take": 8,
    "assign": 6,
    "escalate": 6,
    "escalate_supervisor": 2,
    "hold": 7,
    "resume": 7,
    "edit": 4,
    "resolve": 9,
    "close": 5,
    "reopen": 2,
    "cancel": 1,
    "note": 10,
    "bulk": 4,
    "alert": 8,
}


def log(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)


# -- the desk it runs on --------------------------------------------------------------------


def people(processes: int) -> dict[str, list[tuple[str, str, str]]]:
    """Per group: (username, full name, role); one agent and one specialist per process."""
    out: dict[str, list[tuple[str, str, str]]] = {g: [] for g, _line in GROUPS}
    for gi, (g, _line) in enumerate(GROUPS):
        out[g].append((f"sup{gi}", f"Supervisor {g}", "supervisor"))
    for w in range(processes):
        out["Service Desk"].append((f"agent{w}", f"Agent {w}", "agent"))
        g = GROUPS[1 + w % 2][0]
        out[g].append((f"spec{w}", f"Specialist {w}", "specialist"))
    return out


def prepare(url: str, processes: int = PROCESSES) -> None:
    """The schema, the defaults and the desk's people, groups, callers, category and rules."""
    from app.db.engine import make_engine
    from app.domain.alerts import AlertRule
    from app.services import alerts, callers, catalog, defaults, users
    from app.services.context import Desk

    eng = make_engine(url)
    try:
        defaults.upgrade_database(eng)
        desk = Desk(eng)
        users.add_user(desk, None, "admin", "Soak Admin", "admin", password=PASSWORD)
        admin = desk.actor("admin")
        for name, line in GROUPS:
            mode = "round_robin" if name == "Network" else "manual"
            catalog.add_group(desk, admin, name, line, assignment=mode)
        for gi, (gname, members) in enumerate(people(processes).items()):
            for username, full, role in members:
                users.add_user(desk, admin, username, full, role, groups=[gname])
            group_id = next(g.id for g in _groups(desk) if g.name == gname)
            catalog.set_supervisor(desk, admin, group_id, desk.actor(f"sup{gi}").id)
        for i in range(20):
            callers.add_caller(desk, admin, f"Caller {i}", email=f"caller{i}@example.com")
        catalog.add_category(desk, admin, "Network matters")
        alerts.set_default_group(desk, admin, "Service Desk")
        alerts.save_rule(
            desk,
            admin,
            AlertRule(
                "outage",
                {"alertname": RESOLVING_ALERT},
                group="Network",
                resolve_code="solution_provided",
            ),
        )
    finally:
        eng.dispose()


def _groups(desk: Any) -> list[Any]:
    from app.services import queries

    return queries.groups(desk)


# -- one workstation --------------------------------------------------------------------------


@dataclass
class Ledger:
    """What one worker did, as it reports it."""

    worker: int
    done: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    environment: Counter[str] = field(default_factory=Counter)
    environment_kinds: Counter[str] = field(default_factory=Counter)
    environment_s: list[float] = field(default_factory=list)  # how long each such attempt took
    skipped: Counter[str] = field(default_factory=Counter)  # nobody may do it to that one
    errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    created: list[str] = field(default_factory=list)  # numbers of the incidents it logged
    # (number, the version the act made or None when the service does not say, kind)
    mutations: list[tuple[str, int | None, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (number, token)
    alert_fires: Counter[str] = field(default_factory=Counter)  # fingerprint -> fires
    alert_outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, Counter) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ledger:
        out = cls(int(data["worker"]))
        for k, v in data.items():
            current = getattr(out, k)
            if isinstance(current, Counter):
                setattr(out, k, Counter(v))
            elif isinstance(current, list):
                setattr(out, k, [tuple(x) if isinstance(x, list) else x for x in v])
            else:
                setattr(out, k, v)
        return out


class Race(Exception):
    """The act was refused, but a change made meanwhile explains it: an expected conflict."""


class Skip(Exception):
    """Nobody this worker plays may do the act to the incident it read."""


class Worker:
    """One workstation: its engine, its Desk on the real clock, the people it plays."""

    def __init__(self, url: str, index: int, seed: int, processes: int) -> None:
        from app.db.engine import make_engine
        from app.services import queries
        from app.services.context import Desk

        self.engine = make_engine(url)
        self.desk = Desk(self.engine)
        self.index = index
        self.rnd = random.Random(seed * 1000 + index)
        self.ledger = Ledger(index)
        self.agent = self.desk.actor(f"agent{index}")
        self.specialist = self.desk.actor(f"spec{index}")
        self.supervisor = self.desk.actor(f"sup{index % len(GROUPS)}")
        self.system = self.desk.system()
        self.actors = (self.agent, self.specialist, self.supervisor)
        groups = queries.groups(self.desk)
        self.groups = {g.id: g for g in groups}
        self.members = {g.id: [a.id for a in queries.agents(self.desk, g.id)] for g in groups}
        self.callers = [c.id for c in queries.find_callers(self.desk, "Caller", limit=50)]
        self.serial = 0
        # alerts: its own fingerprints and a few every process fires (dedupe across them)
        self.fingerprints = [f"w{index}-{k}" for k in range(4)] + [f"shared-{k}" for k in range(3)]

    def token(self) -> str:
        self.serial += 1
        return f"soak{self.index}x{self.serial}"

    # -- picking -----------------------------------------------------------------------
    def pick(self, states: tuple[Any, ...]) -> Any:
        """A recent incident in one of `states`, as the incident window reads it."""
        from app.domain.records import QueueFilter
        from app.services import queries

        page = queries.queue_page(
            self.desk,
            QueueFilter(states=states, active_only=False),
            sort="updated",
            descending=True,
            limit=40,
        )
        if not page.rows:
            raise Skip
        row = self.rnd.choice(page.rows)
        return queries.get_incident(self.desk, row.id)

    def who(self, rec: Any, action: Any, target: Any = None, actors: Any = None) -> Any:
        """Someone this worker plays who may do `action` to `rec` now (the one rule)."""
        from app.domain.permissions import IncidentFacts, why_not

        facts = IncidentFacts.of(rec)
        for actor in self.rnd.sample(list(actors or self.actors), len(actors or self.actors)):
            tgt = target(actor) if callable(target) else target
            if why_not(actor, facts, action, tgt) is None:
                return actor, tgt
        raise Skip

    def changed(self, rec: Any) -> bool:
        from app.services import incidents

        return incidents.get_version(self.desk, rec.id) != rec.version

    def mutated(self, rec: Any, kind: str) -> None:
        self.ledger.mutations.append((rec.number, rec.version, kind))

    # -- the acts -------------------------------------------------------------------------
    def act(self, kind: str) -> None:
        getattr(self, f"do_{kind}")()

    def do_log(self) -> None:
        from app.domain.records import Channel
        from app.services import incidents

        tok = self.token()
        assign = self.rnd.random() < 0.3
        new = incidents.NewIncident(
            title=f"{self.rnd.choice(SUBJECTS)} {self.rnd.choice(PROBLEMS)} {tok}",
            description=f"Reported by phone; reference {tok}",
            caller_id=self.rnd.choice(self.callers) if self.callers else None,
            channel=self.rnd.choice([Channel.PHONE.value, Channel.EMAIL.value]),
            impact=self.rnd.randint(1, 3),
            urgency=self.rnd.randint(1, 3),
            assignee_id=self.agent.id if assign else None,
        )
        rec = incidents.log_incident(self.desk, self.agent, new)
        self.ledger.created.append(rec.number)

    def do_take(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.domain.permissions import Target
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS))

        def target(actor: Any) -> Any:
            g = rec.group_id if rec.group_id in actor.group_ids else actor.group_ids[0]
            return Target(g)

        actor, _t = self.who(rec, IncidentAction.ASSIGN_TO_ME, target)
        self.mutated(incidents.assign_to_me(self.desk, actor, rec.id, rec.version), "take")

    def do_assign(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.domain.permissions import Target
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS, State.ON_HOLD))
        group_id = self.rnd.choice(list(self.groups))
        if self.rnd.random() < 0.5:  # to a person of the group
            others = [m for m in self.members[group_id] if m != rec.assignee_id]
            if not others:
                raise Skip
            person = self.rnd.choice(others)
            actors = [a for a in self.actors if a.id != person]
            actor, _t = self.who(rec, IncidentAction.ASSIGN_PERSON, Target(group_id), actors)
        else:  # to the group, nobody named (Network's round robin names someone)
            if group_id == rec.group_id and rec.assignee_id is None:
                raise Skip
            person = None
            actor, _t = self.who(rec, IncidentAction.ASSIGN_GROUP, Target(group_id))
        out = incidents.assign(
            self.desk,
            actor,
            rec.id,
            rec.version,
            group_id=group_id,
            assignee_id=person,
            reason="soak: rebalanced",
        )
        self.mutated(out, "assign")

    def do_escalate(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS, State.ON_HOLD))
        higher = [g for g in self.groups.values() if g.line > rec.support_line]
        if not higher:
            raise Skip
        group = self.rnd.choice(higher)
        actor, _t = self.who(rec, IncidentAction.ESCALATE)
        out = incidents.escalate_functional(
            self.desk, actor, rec.id, rec.version, group.id, f"needs line {group.line}"
        )
        self.mutated(out, "escalate")

    def do_escalate_supervisor(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS, State.ON_HOLD))
        actor, _t = self.who(rec, IncidentAction.ESCALATE_TO_SUPERVISOR)
        out = incidents.escalate_hierarchical(
            self.desk, actor, rec.id, rec.version, "the caller's whole team is blocked"
        )
        self.mutated(out, "escalate_supervisor")

    def do_hold(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import HoldReason, State
        from app.services import incidents

        rec = self.pick((State.IN_PROGRESS,))
        actor, _t = self.who(rec, IncidentAction.HOLD)
        reason = self.rnd.choice(list(HoldReason))
        comment = "Please send a screenshot" if reason is HoldReason.AWAITING_CALLER else None
        out = incidents.hold(self.desk, actor, rec.id, rec.version, reason.value, comment)
        self.mutated(out, "hold")

    def do_resume(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.ON_HOLD,))
        actor, _t = self.who(rec, IncidentAction.RESUME)
        out = incidents.resume(self.desk, actor, rec.id, rec.version, "the answer came")
        self.mutated(out, "resume")

    def do_edit(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS, State.ON_HOLD))
        actor, _t = self.who(rec, IncidentAction.EDIT)
        if self.rnd.random() < 0.5:
            changes: dict[str, object] = {
                "title": f"{self.rnd.choice(SUBJECTS)} {self.rnd.choice(PROBLEMS)} {self.token()}"
            }
        else:
            impact, urgency = self.rnd.randint(1, 3), self.rnd.randint(1, 3)
            if (impact, urgency) == (rec.impact, rec.urgency):
                impact = impact % 3 + 1
            changes = {"impact": impact, "urgency": urgency}
        out = incidents.update_fields(self.desk, actor, rec.id, rec.version, changes)
        self.mutated(out, "edit")

    def do_resolve(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import ResolutionCode, State
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS))
        actor, _t = self.who(rec, IncidentAction.RESOLVE)
        code = self.rnd.choice(list(ResolutionCode)).value
        out = incidents.resolve(self.desk, actor, rec.id, rec.version, code, "restarted it")
        self.mutated(out, "resolve")

    def do_close(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.RESOLVED,))
        actor, _t = self.who(rec, IncidentAction.CLOSE)
        self.mutated(incidents.close(self.desk, actor, rec.id, rec.version), "close")

    def do_reopen(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.RESOLVED,))
        actor, _t = self.who(rec, IncidentAction.REOPEN)
        out = incidents.reopen(self.desk, actor, rec.id, rec.version, "still broken")
        self.mutated(out, "reopen")

    def do_cancel(self) -> None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.NEW,))
        actor, _t = self.who(rec, IncidentAction.CANCEL)
        self.mutated(incidents.cancel(self.desk, actor, rec.id, rec.version, "duplicate"), "cancel")

    def do_note(self) -> None:
        from app.domain.errors import DeskError
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.services import incidents

        rec = self.pick((State.NEW, State.IN_PROGRESS, State.ON_HOLD, State.RESOLVED))
        actor, _t = self.who(rec, IncidentAction.ADD_NOTE)
        tok = self.token()
        try:
            incidents.add_journal(self.desk, actor, rec.id, "work_note", f"soak note {tok}")
        except DeskError:
            if self.changed(rec):  # closed meanwhile: the note is refused, rightly
                raise Race from None
            raise
        self.ledger.notes.append((rec.number, tok))

    def do_bulk(self) -> None:
        """A supervisor's selection of a few incidents and one bulk action over it."""
        from app.domain.incident_rights import IncidentAction
        from app.domain.lifecycle import State
        from app.domain.permissions import IncidentFacts, Target, why_not
        from app.domain.records import QueueFilter
        from app.services import bulk, queries

        sup = self.supervisor
        kinds = {
            bulk.BulkKind.REASSIGN: IncidentAction.ASSIGN_GROUP,
            bulk.BulkKind.ESCALATE: IncidentAction.ESCALATE_TO_SUPERVISOR,
            bulk.BulkKind.PRIORITY: IncidentAction.OVERRIDE_PRIORITY,
            bulk.BulkKind.HOLD: IncidentAction.HOLD,
            bulk.BulkKind.NOTE: IncidentAction.ADD_NOTE,
            bulk.BulkKind.RESOLVE: IncidentAction.RESOLVE,
            bulk.BulkKind.CLOSE: IncidentAction.CLOSE,
        }
        kind = self.rnd.choice(list(kinds))
        tok = self.token()
        group_id = self.rnd.choice(list(self.groups))
        action = bulk.BulkAction(
            kind,
            group_id=group_id if kind is bulk.BulkKind.REASSIGN else None,
            priority=self.rnd.randint(1, 5) if kind is bulk.BulkKind.PRIORITY else None,
            reason={
                bulk.BulkKind.HOLD: "awaiting_vendor",
                bulk.BulkKind.ESCALATE: "a whole floor is down",
                bulk.BulkKind.PRIORITY: "the director's laptop",
                bulk.BulkKind.REASSIGN: "soak: bulk reassignment",
            }.get(kind, ""),
            text=f"soak note {tok}" if kind is bulk.BulkKind.NOTE else "fixed in bulk",
            code="solution_provided" if kind is bulk.BulkKind.RESOLVE else "",
        )
        page = queries.queue_page(
            self.desk,
            QueueFilter(active_only=False, states=tuple(s for s in State if not s.final)),
            sort="updated",
            descending=True,
            limit=60,
        )
        rows = self.rnd.sample(page.rows, min(len(page.rows), self.rnd.randint(2, 6)))
        items = bulk.items_for(self.desk, [r.id for r in rows])
        picked = []
        for item in items:  # the dialog offers the act for the ones the rules allow
            rec = queries.get_incident(self.desk, item.incident_id)
            if rec.version != item.version:
                continue
            tgt = Target(group_id) if kind is bulk.BulkKind.REASSIGN else None
            if kind is bulk.BulkKind.REASSIGN and rec.group_id == group_id:
                continue
            if kind is bulk.BulkKind.PRIORITY and rec.priority == action.priority:
                continue
            if why_not(sup, IncidentFacts.of(rec), kinds[kind], tgt) is None:
                picked.append(item)
        if not picked:
            raise Skip
        for item in picked:
            out = bulk.apply_one(self.desk, sup, action, item)
            if out.outcome is bulk.Outcome.DONE:
                self.ledger.done[f"bulk_{kind.value}"] += 1
                if kind is bulk.BulkKind.NOTE:
                    self.ledger.notes.append((item.number, tok))
                else:
                    assert item.version is not None
                    self.ledger.mutations.append(
                        (item.number, item.version + 1, f"bulk_{kind.value}")
                    )
            elif out.outcome is bulk.Outcome.CONFLICTED:
                self.ledger.conflicts[f"bulk_{kind.value}"] += 1
            elif out.outcome is bulk.Outcome.NOT_DONE:
                self.ledger.environment[out.detail] += 1
                self.ledger.environment_kinds[f"bulk_{kind.value}"] += 1
            elif self.changed_item(item):
                self.ledger.conflicts[f"bulk_{kind.value}"] += 1
            else:
                self.ledger.errors.append((f"bulk_{kind.value}", f"{item.number}: {out.detail}"))

    def changed_item(self, item: Any) -> bool:
        from app.services import incidents

        return incidents.get_version(self.desk, item.incident_id) != item.version

    def do_alert(self) -> None:
        from app.domain.alerts import FIRING, RESOLVED, Alert
        from app.services import alerts

        fp = self.rnd.choice(self.fingerprints)
        name = RESOLVING_ALERT if fp.endswith(("0", "2")) else NOTING_ALERT
        firing = self.rnd.random() < 0.75
        alert = Alert(
            fingerprint=fp,
            status=FIRING if firing else RESOLVED,
            title=f"{name} on host {fp}",
            description="Probe failed 3 times",
            labels={"alertname": name, "instance": fp, "severity": "warning"},
            source="soak",
        )
        [out] = alerts.receive(self.desk, self.system, [alert])
        self.ledger.alert_outcomes[out.action] += 1
        if firing:
            self.ledger.alert_fires[fp] += 1
        if out.action == alerts.CREATED:
            assert out.incident_number is not None
            self.ledger.created.append(out.incident_number)
        if out.action == alerts.RESOLVED and out.note == "incident resolved":
            assert out.incident_number is not None
            self.ledger.mutations.append((out.incident_number, None, "alert_resolve"))

    # -- the loop ----------------------------------------------------------------------
    def run(self, seconds: float, min_acts: int = 0) -> Ledger:
        """Act for `seconds`, and on until `min_acts` acts are done (a minute more at most)."""
        from app.domain.errors import ConflictError, DeskError, EnvironmentProblem

        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        start = time.monotonic()
        end, last = start + seconds, start + seconds + 60

        def going() -> bool:
            now = time.monotonic()
            return now < end or (now < last and sum(self.ledger.done.values()) < min_acts)

        while going():
            kind = self.rnd.choices(kinds, weights)[0]
            for attempt in range(8):  # a conflict or the environment: read again, retry
                began = time.monotonic()
                try:
                    self.act(kind)
                except Skip:
                    self.ledger.skipped[kind] += 1
                except (ConflictError, Race):
                    self.ledger.conflicts[kind] += 1
                    continue
                except EnvironmentProblem as exc:
                    self.ledger.environment[str(exc)] += 1
                    self.ledger.environment_kinds[kind] += 1
                    self.ledger.environment_s.append(round(time.monotonic() - began, 3))
                    time.sleep(0.05 * (attempt + 1))
                    continue
                except DeskError as exc:  # the rules refused what they had just allowed
                    self.ledger.errors.append((kind, f"{type(exc).__name__}: {exc}"))
                except Exception as exc:  # our bug: kept with its place, the loop goes on
                    where = traceback.extract_tb(exc.__traceback__)[-1]
                    self.ledger.errors.append(
                        (kind, f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})")
                    )
                else:
                    if kind != "bulk":
                        self.ledger.done[kind] += 1
                break
        self.ledger.seconds = time.monotonic() - start
        return self.ledger


def _child(
    url: str,
    index: int,
    seconds: float,
    seed: int,
    processes: int,
    barrier: Any,
    results: Any,
    min_acts: int = 0,
) -> None:
    """A process of its own: the worker, started with the others, its ledger sent back."""
    try:
        worker = Worker(url, index, seed, processes)
    except BaseException:
        barrier.abort()
        results.put({"worker": index, "fatal": traceback.format_exc()})
        return
    try:
        barrier.wait(timeout=300)
        ledger = worker.run(seconds, min_acts)
        results.put(ledger.as_json())
    except BaseException:
        results.put({"worker": index, "fatal": traceback.format_exc()})
    finally:
        worker.engine.dispose()


def soak(
    url: str, processes: int, seconds: float, seed: int = 1, min_acts: int = 0
) -> tuple[list[Ledger], float]:
    """Run `processes` workers (spawned: each its own interpreter, engine and Desk) together
    for `seconds` (and on until each has done `min_acts`: a test on a busy machine); their
    ledgers and the wall time from their common start to the last one."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_child,
            args=(url, i, seconds, seed, processes, barrier, results, min_acts),
            daemon=True,
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    fatal: list[str] = []
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker could not start: why below
        barrier.wait(timeout=300)
    t0 = time.monotonic()
    ledgers: list[Ledger] = []
    for _ in procs:
        data = results.get(timeout=seconds + 600)
        if "fatal" in data:
            fatal.append(f"worker {data['worker']}: {data['fatal']}")
        else:
            ledgers.append(Ledger.from_json(data))
    wall = time.monotonic() - t0
    for p in procs:
        p.join(timeout=60)
    if fatal:
        raise RuntimeError("a worker failed outside its loop:\n" + "\n".join(fatal))
    return ledgers, wall


# -- the checks -------------------------------------------------------------------------------

# the field an act of each kind must have changed in the version it made
KEY_FIELD = {
    "take": "assignee_id",
    "assign": None,  # group or assignee: see _key_ok
    "escalate": "group_id",
    "escalate_supervisor": "escalated_to_supervisor",
    "hold": "state",
    "resume": "state",
    "edit": None,  # title, or impact / urgency
    "resolve": "state",
    "close": "state",
    "reopen": "state",
    "cancel": "state",
    "bulk_reassign": "group_id",
    "bulk_escalate": "escalated_to_supervisor",
    "bulk_priority": "priority_overridden",
    "bulk_hold": "state",
    "bulk_resolve": "state",
    "bulk_close": "state",
    "alert_resolve": "state",
}


def _key_ok(kind: str, fields: set[str]) -> bool:
    if kind == "assign":
        return bool(fields & {"group_id", "assignee_id"})
    if kind == "edit":
        return bool(fields & {"title", "impact", "urgency"})
    if kind == "bulk_priority":  # an override of an overridden one changes the priority only
        return bool(fields & {"priority_overridden", "priority"})
    key = KEY_FIELD.get(kind)
    return key is not None and key in fields


@dataclass
class Facts:
    """What the checks read of the database, once."""

    incidents: dict[int, Any]
    by_number: dict[str, int]
    audit: dict[int, list[Any]]  # incident id -> rows in (version, id) order
    journal: dict[int, list[Any]]
    pauses: dict[int, list[Any]]
    alert_rows: list[Any]


def read_facts(engine: Engine) -> Facts:
    from app.models import AlertRow, AuditEntry, Incident, JournalEntry, SlaPause

    with Session(engine) as s:
        incidents = {i.id: i for i in s.scalars(select(Incident))}
        s.expunge_all()
        audit: dict[int, list[Any]] = defaultdict(list)
        for a in s.execute(
            select(
                AuditEntry.id,
                AuditEntry.incident_id,
                AuditEntry.field,
                AuditEntry.old_value,
                AuditEntry.new_value,
                AuditEntry.incident_version,
            ).order_by(AuditEntry.incident_version, AuditEntry.id)
        ):
            audit[a.incident_id].append(a)
        journal: dict[int, list[Any]] = defaultdict(list)
        for j in s.execute(
            select(
                JournalEntry.id, JournalEntry.incident_id, JournalEntry.kind, JournalEntry.body
            ).order_by(JournalEntry.id)
        ):
            journal[j.incident_id].append(j)
        pauses: dict[int, list[Any]] = defaultdict(list)
        for p in s.execute(
            select(SlaPause.incident_id, SlaPause.started_at, SlaPause.ended_at).order_by(
                SlaPause.started_at
            )
        ):
            pauses[p.incident_id].append(p)
        alert_rows = list(
            s.execute(select(AlertRow.fingerprint, AlertRow.times_seen, AlertRow.incident_id))
        )
    return Facts(
        incidents,
        {i.number: i.id for i in incidents.values()},
        audit,
        journal,
        pauses,
        alert_rows,
    )


def _result(ok: bool, problems: list[str], **numbers: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"pass": ok and not problems, **numbers, "problems": len(problems)}
    if problems:
        out["examples"] = problems[:EXAMPLES]
    return out


def check_logged(facts: Facts, ledgers: list[Ledger]) -> dict[str, Any]:
    """Every incident the workers logged (by hand or by alert) is there, and no other."""
    created = [n for lg in ledgers for n in lg.created]
    missing = [n for n in created if n not in facts.by_number]
    extra = sorted(set(facts.by_number) - set(created))
    problems = [f"{n} logged but not in the table" for n in missing]
    problems += [f"{n} in the table but logged by nobody" for n in extra]
    problems += [f"{n} reported logged {c} times" for n, c in Counter(created).items() if c > 1]
    return _result(True, problems, reported=len(created), in_table=len(facts.incidents))


def check_audit(facts: Facts, ledgers: list[Ledger]) -> dict[str, Any]:
    """The audit holds one version per act the workers report, each with the field its kind
    changes; each incident's version is 1 + its acts; one "created" row each."""
    acts: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    problems: list[str] = []
    for lg in ledgers:
        for number, version, kind in lg.mutations:
            iid = facts.by_number.get(number)
            if iid is None:
                problems.append(f"{number}: an act on an incident that is not there")
                continue
            acts[iid].append((version, kind))
    rows = 0
    versions_found = 0
    for iid, inc in facts.incidents.items():
        audit = facts.audit.get(iid, [])
        rows += len(audit)
        fields_at: dict[int, set[str]] = defaultdict(set)
        for a in audit:
            fields_at[a.incident_version].add(a.field)
        created = [a for a in audit if a.field == "created"]
        if len(created) != 1 or created[0].incident_version != 1:
            problems.append(f"{inc.number}: {len(created)} 'created' rows")
        later = sorted(v for v in fields_at if v > 1)
        versions_found += len(later)
        mine = acts.get(iid, [])
        if later != list(range(2, inc.version + 1)) or len(mine) != inc.version - 1:
            problems.append(
                f"{inc.number}: version {inc.version}, {len(mine)} acts reported, audit has "
                f"versions {later[:12]}"
            )
            continue
        for version, kind in mine:
            if version is not None and not _key_ok(kind, fields_at.get(version, set())):
                problems.append(
                    f"{inc.number}: {kind} made version {version}, whose audit rows are "
                    f"{sorted(fields_at.get(version, set()))}"
                )
    reported = sum(len(v) for v in acts.values())
    return _result(
        True, problems, acts_reported=reported, audit_versions=versions_found, audit_rows=rows
    )


def check_audit_chain(facts: Facts) -> dict[str, Any]:
    """Field by field, each audit row starts where the one before ended, and the last ends at
    the incident's value: no change is missing from the history."""
    from app.services.incidents import AUDITED
    from app.services.incidents.mutation import audit_text

    problems: list[str] = []
    chains = 0
    audited = set(AUDITED)
    for iid, inc in facts.incidents.items():
        last: dict[str, str | None] = {}
        for a in facts.audit.get(iid, []):
            if a.field not in audited:
                continue
            if a.field in last and last[a.field] != a.old_value:
                problems.append(
                    f"{inc.number} {a.field}: version {a.incident_version} starts at "
                    f"{a.old_value!r}, the history before ended at {last[a.field]!r}"
                )
            last[a.field] = a.new_value
        for name, value in last.items():
            chains += 1
            now = audit_text(getattr(inc, name))
            if value != now:
                problems.append(f"{inc.number} {name}: is {now!r}, its history ends at {value!r}")
    return _result(True, problems, chains=chains)


def check_reassignments(facts: Facts) -> dict[str, Any]:
    """reassignment_count equals the versions whose audit moves the incident away from a group
    or an assignee it had (the rule of routing.reassign, read back from the history)."""
    problems: list[str] = []
    total = 0
    for iid, inc in facts.incidents.items():
        moved = {
            a.incident_version
            for a in facts.audit.get(iid, [])
            if a.field in ("group_id", "assignee_id")
            and a.old_value is not None
            and a.incident_version > 1
        }
        total += inc.reassignment_count
        if inc.reassignment_count != len(moved):
            problems.append(
                f"{inc.number}: reassignment_count {inc.reassignment_count}, the audit moves it "
                f"{len(moved)} times"
            )
    return _result(True, problems, reassignments=total)


def check_states(facts: Facts) -> dict[str, Any]:
    """Every incident is in a state of the lifecycle with what that state needs, and every
    change of state in its history is a move of the lifecycle machine."""
    from app.domain.lifecycle import TRANSITIONS, CloseReason, HoldReason, ResolutionCode, State

    problems: list[str] = []
    states: Counter[str] = Counter()
    moves = 0
    starts = {State.NEW.value, State.IN_PROGRESS.value, State.RESOLVED.value}
    for iid, inc in facts.incidents.items():
        try:
            state = State(inc.state)
        except ValueError:
            problems.append(f"{inc.number}: no such state {inc.state!r}")
            continue
        states[state.value] += 1
        wrong: list[str] = []
        if inc.active != state.active:
            wrong.append(f"active={inc.active}")
        open_pauses = [p for p in facts.pauses.get(iid, []) if p.ended_at is None]
        if state is State.ON_HOLD:
            if inc.hold_reason not in {h.value for h in HoldReason}:
                wrong.append(f"hold reason {inc.hold_reason!r}")
            if len(open_pauses) != 1:
                wrong.append(f"{len(open_pauses)} open pauses")
        elif open_pauses or inc.hold_reason is not None:
            wrong.append(f"{len(open_pauses)} open pauses, hold reason {inc.hold_reason!r}")
        if state in (State.RESOLVED, State.CLOSED):
            if inc.resolution_code not in {c.value for c in ResolutionCode}:
                wrong.append(f"resolution code {inc.resolution_code!r}")
            if not (inc.resolution_notes or "").strip() or inc.resolved_at is None:
                wrong.append("no resolution notes or time")
        if state is State.CLOSED and (
            inc.closed_at is None or inc.close_reason not in {r.value for r in CloseReason}
        ):
            wrong.append(f"closed at {inc.closed_at}, reason {inc.close_reason!r}")
        if state is State.CANCELLED and (not inc.cancel_reason or inc.closed_at is None):
            wrong.append("cancelled without a reason or time")
        if state is State.IN_PROGRESS and inc.assignee_id is None and inc.responded_at is None:
            wrong.append("in progress, nobody responded")
        first = True
        for a in facts.audit.get(iid, []):
            if a.field != "state":
                continue
            moves += 1
            if first and a.old_value not in starts:
                wrong.append(f"logged as {a.old_value!r}")
            first = False
            try:
                old, new = State(a.old_value), State(a.new_value)
            except ValueError:
                wrong.append(f"version {a.incident_version}: {a.old_value!r} -> {a.new_value!r}")
                continue
            if new not in TRANSITIONS[old].values():
                wrong.append(f"version {a.incident_version}: {old.label} -> {new.label}")
        if wrong:
            problems.append(f"{inc.number} ({state.label}): {'; '.join(wrong)}")
    return _result(True, problems, states=dict(sorted(states.items())), state_moves=moves)


SLA_COLUMNS = (
    "response_due",
    "response_warn_at",
    "response_at_risk_at",
    "resolution_due",
    "warn_at",
    "at_risk_at",
    "sla_paused",
    "sla_breached",
    "due_sort",
)


def check_sla(facts: Facts, engine: Engine) -> dict[str, Any]:
    """The stored SLA columns equal the SLA rules' recomputation (policy, priority, pauses) at
    the instant of the incident's last change."""
    from app.domain.sla import Pause
    from app.services.context import Desk
    from app.services.incidents.mutation import sla_values
    from app.services.policies import policy_book

    book = policy_book(Desk(engine))
    problems: list[str] = []
    for iid, inc in facts.incidents.items():
        pauses = [Pause(p.started_at, p.ended_at) for p in facts.pauses.get(iid, [])]
        again = sla_values(inc, book, pauses, inc.updated_at)
        wrong = [
            f"{c} {getattr(inc, c)} (rules: {again[c]})"
            for c in SLA_COLUMNS
            if getattr(inc, c) != again[c]
        ]
        if wrong:
            problems.append(f"{inc.number}: {'; '.join(wrong)}")
    return _result(True, problems, incidents=len(facts.incidents))


def check_journal(facts: Facts, ledgers: list[Ledger]) -> dict[str, Any]:
    """Every note a worker added is in its incident's journal once; every alert fired is
    counted on its alert row, each repeat in the journal."""
    problems: list[str] = []
    reported = Counter((n, t) for lg in ledgers for n, t in lg.notes)
    found: Counter[tuple[str, str]] = Counter()
    for iid, entries in facts.journal.items():
        number = facts.incidents[iid].number if iid in facts.incidents else f"#{iid}"
        for j in entries:
            if j.kind == "work_note" and j.body.startswith("soak note "):
                found[(number, j.body.removeprefix("soak note "))] += 1
    for key in sorted(set(reported) | set(found)):
        if reported[key] != found[key]:
            problems.append(f"{key[0]} note {key[1]}: added {reported[key]}, journal {found[key]}")
    fires = sum(c for lg in ledgers for c in lg.alert_fires.values())
    seen = sum(r.times_seen for r in facts.alert_rows)
    outcomes = Counter()
    for lg in ledgers:
        outcomes.update(lg.alert_outcomes)
    repeats = sum(
        1
        for entries in facts.journal.values()
        for j in entries
        if j.kind == "system" and j.body.startswith("Alert seen again")
    )
    if fires != seen:
        problems.append(f"{fires} alerts fired, the alert rows count {seen}")
    if repeats != outcomes["repeated"]:
        problems.append(f"{outcomes['repeated']} repeats, {repeats} in the journal")
    if len(facts.alert_rows) != outcomes["created"]:
        problems.append(f"{outcomes['created']} alerts logged, {len(facts.alert_rows)} rows")
    return _result(
        True,
        problems,
        notes=sum(reported.values()),
        alerts_fired=fires,
        alert_rows=len(facts.alert_rows),
        repeats=repeats,
    )


def check_search(facts: Facts, engine: Engine, ledgers: list[Ledger]) -> dict[str, Any]:
    """The full-text index holds each incident's title, description and journal as the table
    does (SQLite FTS5: the stored columns; PostgreSQL: the lexemes and weights of the document),
    and a search for a sample of the notes' words finds their incident."""
    from app.services import queries
    from app.services.context import Desk

    problems: list[str] = []
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            fts = {
                r.rowid: r
                for r in conn.execute(
                    text("SELECT rowid, title, description, journal FROM incident_fts")
                )
            }
        for iid, inc in facts.incidents.items():
            row = fts.get(iid)
            journal = "".join(" " + j.body for j in facts.journal.get(iid, []))
            if row is None:
                problems.append(f"{inc.number}: not in the search index")
            elif (row.title, row.description, row.journal) != (
                inc.title,
                inc.description,
                journal,
            ):
                problems.append(f"{inc.number}: its search document differs from the table")
        extra = set(fts) - set(facts.incidents)
        indexed = len(fts)
    else:
        lexemes = """(SELECT coalesce(string_agg(x, ' ' ORDER BY x), '') FROM (
                SELECT DISTINCT u.lexeme || ':' || w AS x FROM unnest({doc}) u, unnest(u.weights) w
            ) q)"""
        expected = """setweight(to_tsvector('english', coalesce(i.title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(i.description, '')), 'B') ||
            coalesce((SELECT setweight(to_tsvector('english', string_agg(j.body, ' ')), 'C')
                      FROM journal j WHERE j.incident_id = i.id), ''::tsvector)"""
        with engine.connect() as conn:
            bad = conn.execute(
                text(
                    f"SELECT i.id, s.incident_id IS NULL AS missing FROM incidents i "
                    f"LEFT JOIN incident_search s ON s.incident_id = i.id "
                    f"WHERE s.incident_id IS NULL OR {lexemes.format(doc='s.doc')} "
                    f"<> {lexemes.format(doc=expected)}"
                )
            ).all()
            extra = set(
                conn.execute(
                    text(
                        "SELECT s.incident_id FROM incident_search s "
                        "LEFT JOIN incidents i ON i.id = s.incident_id WHERE i.id IS NULL"
                    )
                ).scalars()
            )
            indexed = conn.execute(text("SELECT count(*) FROM incident_search")).scalar_one()
        for r in bad:
            number = facts.incidents[r.id].number
            problems.append(
                f"{number}: not in the search index"
                if r.missing
                else f"{number}: its search document differs from the table"
            )
    problems += [f"incident id {i}: in the search index, not in the table" for i in sorted(extra)]
    notes = sorted({(n, t) for lg in ledgers for n, t in lg.notes})
    sample = random.Random(7).sample(notes, min(len(notes), 50))
    desk = Desk(engine)
    for number, tok in sample:
        hits = {h.number for h in queries.search(desk, tok, limit=20)}
        if number not in hits:
            problems.append(f"a search for {tok!r} does not find {number}")
    return _result(True, problems, indexed=indexed, searched=len(sample))


def check(engine: Engine, ledgers: list[Ledger]) -> dict[str, dict[str, Any]]:
    """Every check, each a key with "pass" and its numbers (and up to 5 examples of what is
    wrong)."""
    facts = read_facts(engine)
    return {
        "incidents_logged": check_logged(facts, ledgers),
        "audit_matches_acts": check_audit(facts, ledgers),
        "audit_history_complete": check_audit_chain(facts),
        "reassignments_match_audit": check_reassignments(facts),
        "legal_states": check_states(facts),
        "sla_fields_match_rules": check_sla(facts, engine),
        "journal_and_alerts": check_journal(facts, ledgers),
        "search_index_matches": check_search(facts, engine, ledgers),
    }


# -- the report -----------------------------------------------------------------------------


def summary(ledgers: list[Ledger], wall: float) -> dict[str, Any]:
    done: Counter[str] = Counter()
    conflicts: Counter[str] = Counter()
    environment: Counter[str] = Counter()
    env_kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    errors: dict[str, list[str]] = defaultdict(list)
    waits = sorted(w for lg in ledgers for w in lg.environment_s)
    for lg in ledgers:
        done.update(lg.done)
        conflicts.update(lg.conflicts)
        environment.update(lg.environment)
        env_kinds.update(lg.environment_kinds)
        skipped.update(lg.skipped)
        for kind, message in lg.errors:
            errors[kind].append(message)
    kinds = sorted(set(done) | set(conflicts) | set(env_kinds))
    total = sum(done.values())
    return {
        "seconds": round(wall, 1),
        "operations": total,
        "ops_per_s": round(total / wall, 1) if wall else 0.0,
        "per_kind": {
            k: {
                "done": done[k],
                "per_s": round(done[k] / wall, 2) if wall else 0.0,
                "conflicts": conflicts[k],
                "environment": env_kinds[k],
            }
            for k in kinds
        },
        "conflicts": sum(conflicts.values()),
        "environment": {
            "count": sum(environment.values()),
            "messages": dict(environment),
            # how long the attempts that met them took (the busy / lock timeout is 5 s)
            "attempt_s": {
                "median": waits[len(waits) // 2] if waits else None,
                "max": waits[-1] if waits else None,
            },
        },
        "errors": {
            "count": sum(len(v) for v in errors.values()),
            "by_kind": {
                k: {"count": len(v), "messages": sorted(set(v))[:EXAMPLES]}
                for k, v in sorted(errors.items())
            },
        },
        "skipped_nobody_may": sum(skipped.values()),
    }


def run(url: str, processes: int, seconds: float, seed: int = 1) -> dict[str, Any]:
    from app.db.engine import make_engine

    t0 = time.perf_counter()
    prepare(url, processes)
    log(f"desk ready in {time.perf_counter() - t0:.1f} s; {processes} processes for {seconds} s")
    ledgers, wall = soak(url, processes, seconds, seed)
    out = summary(ledgers, wall)
    log(f"{out['operations']} operations; checking")
    engine = make_engine(url)
    try:
        t1 = time.perf_counter()
        out["checks"] = check(engine, ledgers)
        out["check_s"] = round(time.perf_counter() - t1, 1)
    finally:
        engine.dispose()
    out["all_pass"] = all(c["pass"] for c in out["checks"].values())
    return out


def scratch_database(kind: str) -> tuple[str, Callable[[], None]]:
    """A new database of `kind` (its URL) and how to remove it."""
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="incidentdesk-soak-")
        return f"sqlite:///{Path(tmp.name) / 'soak.sqlite3'}", tmp.cleanup
    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    url = create_pg_database(admin, prefix="incidentdesk_soak")
    return url, lambda: drop_pg_database(admin, url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--processes", type=int, default=PROCESSES)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    url, remove = scratch_database(args.db)
    try:
        result = {"db": args.db, "processes": args.processes} | run(
            url, args.processes, args.seconds, args.seed
        )
    finally:
        remove()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0 if result["all_pass"] and not result["errors"]["count"] else 1


if __name__ == "__main__":
    sys.exit(main())
