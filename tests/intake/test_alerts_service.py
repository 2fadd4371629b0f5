"""Alerts through the services on SQLite and PostgreSQL: default levels, rules, dedupe by
fingerprint (also enforced by the database), resolution, the rules file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.domain.alerts import Alert, AlertRule, rules_from_json
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.lifecycle import State
from app.models import AlertRow, Incident
from app.services import alerts as svc
from app.services import incidents as inc
from app.services import queries
from app.services.context import Desk
from tests.intake.conftest import Clock


def alert(fp: str = "fp-1", status: str = "firing", **labels: str) -> Alert:
    labels.setdefault("alertname", "DiskFull")
    return Alert(
        fingerprint=fp,
        status=status,
        title=f"Disk full on {labels.get('instance', 'db1')}",
        description="95% used on /var",
        labels=labels,
        source="alertmanager",
    )


def count_incidents(desk: Desk) -> int:
    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Incident)).scalar_one())


def test_no_rule_levels_from_severity_summary_as_title_default_group(desk: Desk) -> None:
    system = desk.system()
    out = svc.receive(
        desk,
        system,
        [
            alert("a", severity="critical"),
            alert("b", severity="warning"),
            alert("c", severity="info"),
            alert("d"),
        ],
    )
    assert [o.action for o in out] == ["created"] * 4
    levels = []
    for o in out:
        rec = queries.get_incident(desk, o.incident_number or "")
        levels.append((rec.impact, rec.urgency))
        assert rec.title == "Disk full on db1"
        assert rec.group_name == "Service Desk"  # the first first-line group
        assert rec.channel == "monitoring"
        assert (
            "95% used on /var" in rec.description and "severity" in rec.description
        ) or o.fingerprint == "d"
    assert levels == [(1, 1), (2, 2), (3, 3), (3, 3)]


def test_repeats_add_to_the_open_incident(desk: Desk, clock: Clock) -> None:
    system = desk.system()
    first = svc.receive(desk, system, [alert(severity="critical")])[0]
    clock.advance(minutes=5)
    svc.receive(desk, system, [alert(severity="critical")])
    clock.advance(minutes=5)
    third = svc.receive(desk, system, [alert(severity="critical")])[0]
    assert (third.action, third.incident_number, third.times_seen) == (
        "repeated",
        first.incident_number,
        3,
    )
    assert count_incidents(desk) == 1
    rec = queries.get_incident(desk, first.incident_number or "")
    bodies = [j.body for j in queries.journal(desk, rec.id)]
    assert "Alert seen again: 3 times, first 2026-03-02 09:00, last 2026-03-02 09:10" in bodies
    [listed] = svc.alerts(desk)
    assert (listed.times_seen, listed.last_seen, listed.open) == (3, clock.now, True)


def test_the_database_refuses_a_second_open_row_for_a_fingerprint(desk: Desk, clock: Clock) -> None:
    svc.receive(desk, desk.system(), [alert()])
    row = {
        "fingerprint": "fp-1",
        "open_fingerprint": "fp-1",
        "source": "x",
        "name": "x",
        "labels": {},
        "times_seen": 1,
        "first_seen": clock.now,
        "last_seen": clock.now,
    }
    with pytest.raises(IntegrityError), desk.engine.begin() as conn:
        conn.execute(insert(AlertRow), [row])
    with desk.engine.begin() as conn:  # a closed one (NULL) is fine, as many as there are
        conn.execute(insert(AlertRow), [row | {"open_fingerprint": None}] * 2)


def test_resolved_alert_notes_and_resolves_where_the_rule_says(desk: Desk, clock: Clock) -> None:
    root = desk.actor("dev")
    svc.save_rule(
        desk,
        root,
        AlertRule(
            "db disks",
            {"alertname": "Disk.*", "team": "db"},
            category="Hardware > Server",
            impact=2,
            urgency=1,
            resolve_code="Solution provided",
        ),
    )
    system = desk.system()
    db = svc.receive(desk, system, [alert("db", team="db")])[0]
    web = svc.receive(desk, system, [alert("web", team="web")])[0]
    rec = queries.get_incident(desk, db.incident_number or "")
    assert (rec.category_path, rec.group_name, rec.impact, rec.urgency) == (
        "Hardware > Server",
        "Network",
        2,
        1,
    )
    clock.advance(minutes=30)
    out = svc.receive(
        desk, system, [alert("db", "resolved", team="db"), alert("web", "resolved", team="web")]
    )
    assert [(o.action, o.note) for o in out] == [
        ("resolved", "incident resolved"),
        ("resolved", "note added"),
    ]
    assert queries.get_incident(desk, db.incident_number or "").state is State.RESOLVED
    web_rec = queries.get_incident(desk, web.incident_number or "")
    assert web_rec.state is State.NEW
    assert any(j.body.startswith("Alert resolved") for j in queries.journal(desk, web_rec.id))
    # a resolved alert with nothing open: nothing to do, said so
    again = svc.receive(desk, system, [alert("web", "resolved", team="web")])[0]
    assert (again.action, again.note) == ("ignored", "no open incident for this alert")


def test_a_new_firing_after_the_incident_was_resolved_logs_a_new_one(desk: Desk) -> None:
    system = desk.system()
    first = svc.receive(desk, system, [alert()])[0]
    rec = queries.get_incident(desk, first.incident_number or "")
    inc.resolve(desk, desk.actor("dev"), rec.id, None, "solution_provided", "freed space")
    second = svc.receive(desk, system, [alert()])[0]
    assert second.action == "created" and second.incident_number != first.incident_number
    assert count_incidents(desk) == 2


def test_rules_need_an_admin_and_bad_rules_change_nothing(desk: Desk) -> None:
    ana = desk.actor("ana")
    with pytest.raises(PermissionDenied):
        svc.save_rule(desk, ana, AlertRule("x", {"a": "b"}))
    root = desk.actor("dev")
    svc.save_rule(desk, root, AlertRule("keep", {"team": "db"}, group="Network"))
    bad = rules_from_json(
        {
            "rules": [
                {"name": "ok", "match": {"a": "b"}},
                {"name": "bad", "match": {"a": "b"}, "group": "Nobody"},
            ]
        }
    )
    with pytest.raises(ValidationError, match="No group named 'Nobody'"):
        svc.replace_rules(desk, root, bad)
    assert [r.name for r in svc.list_rules(desk)] == ["keep"]
    with pytest.raises(ValidationError, match="not a regular expression"):
        svc.save_rule(desk, root, AlertRule("re", {"a": "("}))
    with pytest.raises(ValidationError, match="impact 9 is not a level"):
        svc.save_rule(desk, root, AlertRule("lv", {"a": "b"}, impact=9))
    good = rules_from_json({"rules": [{"name": "one", "match": {"a": "b"}, "urgency": 1}]})
    assert svc.replace_rules(desk, root, good) == 1
    assert [(r.name, r.urgency) for r in svc.list_rules(desk)] == [("one", 1)]


def test_default_group_is_the_admins_choice(desk: Desk) -> None:
    svc.set_default_group(desk, desk.actor("dev"), "network")
    out = svc.receive(desk, desk.system(), [alert()])[0]
    assert queries.get_incident(desk, out.incident_number or "").group_name == "Network"


def test_losing_the_race_on_postgresql_counts_as_a_repeat(desk: Desk, clock: Clock) -> None:
    """Another connection claims the fingerprint first and commits while this one waits on
    the unique constraint: this one's insert is refused and it adds to that incident."""
    if desk.dialect != "postgresql":
        pytest.skip("SQLite serialises writers before the check: no race to lose")
    import threading

    from sqlalchemy import text

    seed = svc.receive(desk, desk.system(), [alert("seed")])[0]
    incident_id = queries.get_incident(desk, seed.incident_number or "").id
    other = desk.engine.connect()
    trans = other.begin()
    other.execute(
        insert(AlertRow),
        [
            {
                "fingerprint": "x",
                "open_fingerprint": "x",
                "incident_id": incident_id,
                "source": "x",
                "name": "x",
                "labels": {},
                "times_seen": 1,
                "first_seen": clock.now,
                "last_seen": clock.now,
            }
        ],
    )
    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.extend(svc.receive(desk, desk.system(), [alert("x")]))
    )
    worker.start()
    waiting = threading.Event()
    with desk.engine.connect() as watch:
        for _ in range(1000):  # until the worker waits on the other transaction's row
            n = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
            watch.rollback()
            if n:
                break
            waiting.wait(0.01)
        else:
            raise AssertionError("the second connection never waited on the constraint")
    trans.commit()
    other.close()
    worker.join(30)
    [outcome] = result
    assert (outcome.action, outcome.incident_number, outcome.times_seen) == (  # type: ignore[attr-defined]
        "repeated",
        seed.incident_number,
        2,
    )
    assert count_incidents(desk) == 1


def _until(condition: object, what: str) -> None:
    import threading

    pause = threading.Event()
    for _ in range(1000):
        if condition():  # type: ignore[operator]
            return
        pause.wait(0.01)
    raise AssertionError(f"never: {what}")


def test_repeats_from_many_threads_at_once_are_each_counted_once(desk: Desk) -> None:
    """The intake's group writer takes what arrives while it writes into its next transaction:
    every repeat still gets its own count, in order, and its own journal note."""
    import threading

    system = desk.system()
    first = svc.receive(desk, system, [alert()])[0]
    threads, per = 8, 5
    barrier = threading.Barrier(threads)
    seen: list[int] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        for _ in range(per):
            [out] = svc.receive(desk, system, [alert()])
            assert (out.action, out.incident_number) == ("repeated", first.incident_number)
            with lock:
                seen.append(out.times_seen)

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    total = 1 + threads * per
    assert sorted(seen) == list(range(2, total + 1))
    assert count_incidents(desk) == 1
    rec = queries.get_incident(desk, first.incident_number or "")
    notes = [j.body for j in queries.journal(desk, rec.id) if j.body.startswith("Alert seen")]
    assert sorted(int(n.split(": ")[1].split(" ")[0]) for n in notes) == list(range(2, total + 1))
    [listed] = svc.alerts(desk)
    assert listed.times_seen == total


def test_a_refused_alert_in_a_group_is_undone_alone(desk: Desk) -> None:
    """Two requests queued behind a group being written are written together; the one the
    desk refuses (a blank title) gets its refusal and leaves nothing, the other is logged."""
    import threading

    from app.domain.errors import DeskError

    system = desk.system()
    svc.receive(desk, system, [alert("held")])
    writer = svc._writer(desk)
    results: dict[str, object] = {}

    def send(key: str, a: Alert) -> None:
        try:
            results[key] = svc.receive(desk, system, [a])[0]
        except DeskError as exc:
            results[key] = exc

    blank = Alert(fingerprint="blank", status="firing", title="   ", labels={}, source="x")
    with desk.write() as s:  # the database's write lock (SQLite), the alert's row (PostgreSQL)
        if desk.dialect == "postgresql":
            s.execute(select(AlertRow).where(AlertRow.fingerprint == "held").with_for_update())
        lead = threading.Thread(target=send, args=("held", alert("held")))
        lead.start()
        _until(writer.writing, "the first group is being written")
        queued = [
            threading.Thread(target=send, args=("blank", blank)),
            threading.Thread(target=send, args=("new", alert("new"))),
        ]
        for t in queued:
            t.start()
        _until(lambda: writer.waiting() == 2, "both requests queue behind it")
    for t in (lead, *queued):
        t.join(30)
    assert isinstance(results["blank"], ValidationError), results["blank"]
    assert "title" in str(results["blank"])
    held, new = results["held"], results["new"]
    assert (held.action, held.times_seen) == ("repeated", 2)  # type: ignore[attr-defined]
    assert (new.action, new.times_seen) == ("created", 1)  # type: ignore[attr-defined]
    assert count_incidents(desk) == 2
    assert sorted(r.fingerprint for r in svc.alerts(desk)) == ["held", "new"]
