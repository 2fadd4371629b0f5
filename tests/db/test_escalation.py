"""Automatic escalation on SQLite and PostgreSQL: an SLA policy's rules fire at their threshold,
each once per incident, clock and threshold, audited as the desk with the rule; two clients and
the command racing never fire twice; the lease goes to another runner when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from app import cli
from app.db.engine import make_engine
from app.domain.escalation import EscalationRule, RuleAction
from app.models import ChangeLogEntry, EscalationFired, JournalEntry
from app.services import (
    catalog,
    defaults,
    escalation,
    escalation_rules,
    notifications,
    queries,
    users,
)
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from app.services.escalation import LEASE_TTL, TICK_S, Lease, holder_of, run_once
from app.services.policies import policy_book
from tests.clocks import Clock

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday; P1 is measured 24x7


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def _setup(d: Desk) -> None:
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    users.add_user(d, root, "nora", "Nora Lind", "supervisor", groups=["Network"])
    catalog.set_supervisor(d, root, sd, d.actor("carla").id)
    catalog.set_supervisor(d, root, net, d.actor("nora").id)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Desk:
    d = Desk(engine, clock=clock)
    _setup(d)
    return d


RULES = [
    EscalationRule("resolution", 50, RuleAction.FLAG),
    EscalationRule("resolution", 75, RuleAction.ESCALATE_FUNCTIONAL),
    EscalationRule("resolution", 75, RuleAction.NOTIFY_GROUP),
    EscalationRule("resolution", 100, RuleAction.ESCALATE_HIERARCHICAL),
    EscalationRule("response", 100, RuleAction.NOTIFY_SUPERVISOR),
]


def _rules(desk: Desk, rules: list[EscalationRule] = RULES) -> None:
    policy = policy_book(desk).default_policy_id
    assert policy is not None
    escalation_rules.set_rules(desk, desk.actor("dev"), policy, rules)


def _p1(desk: Desk, title: str = "Core switch down") -> Any:
    """A P1 in Service Desk, nobody on it: respond in 15 minutes, resolve in 4 hours, 24x7."""
    return inc.log_incident(
        desk, desk.actor("ana"), inc.NewIncident(title=title, impact=1, urgency=1)
    )


def _audit(
    desk: Desk, incident_id: int, field: str
) -> list[tuple[str | None, str | None, str, str | None]]:
    with desk.read() as conn:
        rows = conn.execute(
            text(
                "SELECT a.old_value, a.new_value, g.username, a.reason FROM audit a "
                "JOIN agents g ON g.id = a.agent_id WHERE a.incident_id = :i AND a.field = :f ORDER BY a.id"
            ),
            {"i": incident_id, "f": field},
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _kinds(desk: Desk, incident_id: int) -> list[str]:
    with desk.read() as conn:
        return list(
            conn.execute(
                select(ChangeLogEntry.kind)
                .where(ChangeLogEntry.entity == "incident", ChangeLogEntry.entity_id == incident_id)
                .order_by(ChangeLogEntry.seq)
            ).scalars()
        )


def test_each_rule_fires_at_its_threshold_once_audited_as_the_desk_with_the_rule(
    desk: Desk, clock: Clock
) -> None:
    _rules(desk)
    rec = _p1(desk)
    assert rec.group_name == "Service Desk" and rec.support_line == 1
    assert run_once(desk).fired == []
    clock.advance(hours=1, minutes=59)
    assert [f.rule.action for f in run_once(desk).fired] == [
        RuleAction.NOTIFY_SUPERVISOR
    ]  # response breached
    clock.advance(minutes=2)  # 2 h 01: past half of the resolution target
    got = run_once(desk)
    assert [(f.number, f.rule.action, f.outcome) for f in got.fired] == [
        (rec.number, RuleAction.FLAG, "Flagged")
    ]
    assert run_once(desk).fired == []  # once
    reason = "Escalation rule of Default: At 50% of the resolution target: raise a flag"
    assert _audit(desk, rec.id, "flagged") == [("no", "yes", "system", reason)]

    clock.advance(hours=1)  # 3 h 01: 75%
    got = run_once(desk)
    assert [(f.rule.action, f.outcome) for f in got.fired] == [
        (RuleAction.ESCALATE_FUNCTIONAL, "Escalated to Network (line 2)"),
        (RuleAction.NOTIFY_GROUP, "Told Network"),  # the group it is in now
    ]
    now = queries.get_incident(desk, rec.number)
    assert (now.group_name, now.support_line, now.assignee_id) == ("Network", 2, None)
    reason = "Escalation rule of Default: At 75% of the resolution target: escalate to the next line's group"
    assert [(a[2], a[3]) for a in _audit(desk, rec.id, "group_id")] == [("system", reason)]

    clock.advance(hours=1)  # 4 h 01: breached
    got = run_once(desk)
    assert [(f.rule.action, f.outcome) for f in got.fired] == [
        (RuleAction.ESCALATE_HIERARCHICAL, "Escalated to supervisor Nora Lind"),
    ]
    assert queries.get_incident(desk, rec.number).escalated_to_supervisor
    clock.advance(days=3)
    assert run_once(desk).fired == []
    kinds = _kinds(desk, rec.id)
    assert kinds.count("tell_group_resolution_75") == 1
    assert kinds.count("tell_supervisor_response_100") == 1
    with desk.read() as conn:
        journal = list(
            conn.execute(
                select(JournalEntry.body).where(
                    JournalEntry.incident_id == rec.id, JournalEntry.body.like("%by the desk%")
                )
            ).scalars()
        )
    assert journal == [
        f"Flagged by the desk. {'Escalation rule of Default: At 50% of the resolution target: raise a flag'}",
        "Escalated to Network (line 2) by the desk. Escalation rule of Default: At 75% of the "
        "resolution target: escalate to the next line's group",
        "Escalated to supervisor Nora Lind by the desk. Escalation rule of Default: At breach of "
        "the resolution target: escalate to the group's supervisor",
    ]


def test_a_late_sweep_fires_every_threshold_passed_lowest_first_and_refusals_are_kept(
    desk: Desk, clock: Clock
) -> None:
    _rules(
        desk,
        [
            EscalationRule("resolution", 50, RuleAction.FLAG),
            EscalationRule("resolution", 75, RuleAction.ESCALATE_FUNCTIONAL),
            EscalationRule("resolution", 100, RuleAction.ESCALATE_FUNCTIONAL),
        ],
    )
    rec = _p1(desk)
    clock.advance(hours=5)  # nobody swept for five hours
    got = run_once(desk).fired
    assert [(f.rule.threshold, f.rule.action) for f in got] == [
        (50, RuleAction.FLAG),
        (75, RuleAction.ESCALATE_FUNCTIONAL),
        (100, RuleAction.ESCALATE_FUNCTIONAL),
    ]
    # there is no 3rd line: the second escalation is refused in words, and nothing changed for it
    assert got[2].outcome == "Refused: No group on line 3 to escalate to"
    assert queries.get_incident(desk, rec.number).support_line == 2
    with desk.read() as conn:
        stored = conn.execute(
            select(EscalationFired.threshold, EscalationFired.outcome)
            .where(EscalationFired.incident_id == rec.id)
            .order_by(EscalationFired.threshold)
        ).all()
    assert [tuple(r) for r in stored] == [
        (50, "Flagged"),
        (75, "Escalated to Network (line 2)"),
        (100, "Refused: No group on line 3 to escalate to"),
    ]


def test_a_rule_fires_once_even_when_a_priority_change_takes_the_clock_back(
    desk: Desk, clock: Clock
) -> None:
    _rules(desk, [EscalationRule("resolution", 50, RuleAction.FLAG)])
    rec = _p1(desk)
    clock.advance(hours=2, minutes=1)
    assert len(run_once(desk).fired) == 1
    carla = desk.actor("carla")
    rec = queries.get_incident(desk, rec.number)
    inc.set_impact_urgency(desk, carla, rec.id, rec.version, 1, 2)  # P2: 8 hours, back under 50%
    clock.advance(hours=3)  # past half of 8 hours again: announced again, not flagged again
    result = run_once(desk)
    assert [c.threshold.value for c in result.crossed] == [50] and result.fired == []
    assert len(_audit(desk, rec.id, "flagged")) == 1


def test_rule_notifications_reach_the_people_they_name_once(desk: Desk, clock: Clock) -> None:
    _rules(
        desk,
        [
            EscalationRule("resolution", 75, RuleAction.NOTIFY_ASSIGNEE),
            EscalationRule("resolution", 75, RuleAction.NOTIFY_GROUP),
            EscalationRule("resolution", 75, RuleAction.NOTIFY_SUPERVISOR),
        ],
    )
    ana, carla, ben, nora = (
        desk.actor("ana"),
        desk.actor("carla"),
        desk.actor("ben"),
        desk.actor("nora"),
    )
    catalog.set_supervisor(desk, desk.actor("dev"), desk.ids["sd"], nora.id)  # type: ignore[attr-defined]
    rec = _p1(desk)
    rec = inc.assign(desk, carla, rec.id, rec.version, group_id=desk.ids["sd"], assignee_id=ana.id)  # type: ignore[attr-defined]
    watches = {a.username: notifications.watch(desk, a) for a in (ana, carla, ben, nora)}
    with desk.read() as conn:
        since = conn.execute(select(func.max(ChangeLogEntry.seq))).scalar_one()
    clock.advance(hours=3, minutes=1)
    run_once(desk)
    from app.db.changes import changes_since

    with desk.read() as conn:
        changes = changes_since(conn, since)
    told = {
        name: [n.text for n in notifications.notices(desk, w, changes)[0]]
        for name, w in watches.items()
    }
    line = f"{rec.number} passed 75% of its resolution target: Core switch down"
    # once each, whatever the rules say: the assignee is in the group, the supervisor too
    assert told["ana"] == [line]  # the built-in notice; the group's is the same news
    assert told["carla"] == [f"{line} (told to Service Desk)"]
    assert told["nora"] == [f"{line} (you supervise Service Desk)"]  # not a member
    assert told["ben"] == []


# -- racing: two clients and the command -----------------------------------------------------


def _race(fns: list[Callable[[], object]]) -> list[BaseException]:
    start = threading.Barrier(len(fns))
    errors: list[BaseException] = []

    def run(fn: Callable[[], object]) -> None:
        start.wait()
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def _count(desk: Desk, sql: str) -> int:
    with desk.read() as conn:
        return int(conn.execute(text(sql)).scalar_one())


@pytest.mark.parametrize("with_lease", [False, True], ids=["no-lease", "lease"])
def test_two_clients_and_the_command_racing_fire_each_action_once(
    db_url: str, engine: Engine, with_lease: bool
) -> None:
    """Every runner at the real hour (the command reads the real clock), incidents opened a day
    before: every threshold is due. Without the lease all three sweep at once; with it, whoever
    gets the lease does (the others do nothing), and a second round does nothing either."""
    now = datetime.now(UTC)
    clocks = Clock(now - timedelta(days=1))
    first = Desk(engine, clock=clocks)
    _setup(first)
    _rules(first)
    numbers = [_p1(first, f"Outage {i}").number for i in range(12)]
    clocks.now = now
    other_engine = make_engine(db_url)
    second = Desk(other_engine, clock=clocks)
    try:
        if with_lease:
            runs: list[Callable[[], object]] = [
                lambda: escalation.tick(first, Lease(first, holder="first")),
                lambda: escalation.tick(second, Lease(second, holder="second")),
                lambda: cli.main(["--db", db_url, "escalate", "--once"]),
            ]
        else:
            runs = [
                lambda: run_once(first),
                lambda: run_once(second),
                lambda: cli.main(["--db", db_url, "sla", "sweep"]),
            ]
        assert _race(runs) == []
        assert _race(runs) == []  # and once more: nothing is left to fire
    finally:
        other_engine.dispose()
    n = len(numbers)
    assert _count(first, "SELECT count(*) FROM escalation_fired") == n * len(RULES)
    assert _count(first, "SELECT count(*) FROM audit WHERE field = 'flagged'") == n
    assert _count(first, "SELECT count(*) FROM audit WHERE field = 'escalated_to_supervisor'") == n
    assert (
        _count(
            first,
            "SELECT count(*) FROM audit WHERE field = 'group_id' AND reason LIKE 'Escalation rule%'",
        )
        == n
    )
    assert _count(first, "SELECT count(*) FROM journal WHERE body LIKE 'Flagged by the desk%'") == n
    assert (
        _count(first, "SELECT count(*) FROM change_log WHERE kind = 'tell_group_resolution_75'")
        == n
    )
    assert _count(first, "SELECT count(*) FROM change_log WHERE kind = 'sla_100'") == n
    assert (
        _count(first, "SELECT count(*) FROM incidents WHERE flagged AND escalated_to_supervisor")
        == n
    )


# -- the lease ---------------------------------------------------------------------------------


def test_a_lease_has_one_holder_and_a_dead_holders_lease_passes_on_within_a_minute(
    desk: Desk, clock: Clock
) -> None:
    assert TICK_S + LEASE_TTL.total_seconds() < 60  # the next tick of another runner takes it
    a, b = Lease(desk, holder="a"), Lease(desk, holder="b")
    assert a.hold() and not b.hold()
    assert holder_of(desk) is not None and holder_of(desk).holder == "a"  # type: ignore[union-attr]
    clock.advance(seconds=TICK_S)
    assert a.hold() and not b.hold()  # renewed at each tick
    if desk.dialect == "postgresql":
        # a holder whose process dies loses its connection, and the lock with it
        assert a._conn is not None
        pid = a._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with desk.engine.connect() as admin:
            # wait=5000: returns once the backend has exited (and its lock is gone), not at the signal
            gone = admin.execute(
                text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid}
            ).scalar_one()
        assert gone
        assert b.hold()
    else:
        # "a" stops renewing (it died): "b" is refused until the lease runs out, then takes it
        clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
        assert not b.hold()
        clock.advance(seconds=2)
        assert b.hold()
    assert holder_of(desk).holder == "b"  # type: ignore[union-attr]
    assert not a.hold()  # "a" came back: the lease is b's now
    b.release()
    assert a.hold()


def test_the_lease_of_a_killed_command_passes_on(
    db_url: str, desk: Desk, clock: Clock, tmp_path: Path
) -> None:
    """A real `incidentdesk escalate` (rounds until stopped) takes the lease and is killed;
    the next runner takes the lease at once on PostgreSQL, after its expiry on SQLite."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))",
            "--db",
            db_url,
            "escalate",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # its first round is done: it holds the lease
        assert "crossed" in line, line
        held = holder_of(desk)
        assert held is not None and held.holder.split(":")[1] == str(proc.pid)
        clock.now = held.acquired_at  # the runner's clock is the real one
        waiting = Lease(desk, holder="next")
        assert not waiting.hold()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    if desk.dialect == "postgresql":
        deadline = time.monotonic() + 10  # the server notices the closed connection at once
        while not waiting.hold():
            assert time.monotonic() < deadline, "the killed holder's lock was not released"
    else:
        clock.advance(seconds=TICK_S)
        assert not waiting.hold()
        clock.advance(seconds=LEASE_TTL.total_seconds())
        assert waiting.hold()
    assert holder_of(desk).holder == "next"  # type: ignore[union-attr]


def test_escalate_once_says_what_it_did_and_when_another_runner_holds_the_lease(
    db_url: str, desk: Desk, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.now = datetime.now(UTC) - timedelta(hours=5)
    _rules(desk, [EscalationRule("resolution", 50, RuleAction.FLAG)])
    rec = _p1(desk)
    assert cli.main(["--db", db_url, "escalate", "--once"]) == 0
    out, err = capsys.readouterr()
    assert (
        out.splitlines()[0]
        == f"{rec.number}\tAt 50% of the resolution target: raise a flag\tFlagged"
    )
    assert "1 rule action" in err
    clock.now = datetime.now(UTC)
    holder = Lease(desk, holder="workstation-7")
    assert holder.hold()
    assert cli.main(["--db", db_url, "escalate", "--once"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "Another runner holds the escalation lease (workstation-7): nothing done."
    holder.release()
