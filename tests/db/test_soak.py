"""The soak (bench/soak.py) in small, on SQLite and PostgreSQL: two processes working the desk
for a few seconds lose nothing by every check, and each check fails once what it checks is
broken behind the desk's back (the triggers that would stop or record it set aside)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Connection, Engine, select, text, update

from app.models import Incident
from bench.soak import KEY_FIELD, check, prepare, soak, summary

SECONDS = 3.0
MIN_ACTS = 60  # each process, however busy the machine: enough for every kind of tampering


def behind_its_back(engine: Engine, change: Callable[[Connection], object]) -> None:
    """`change` in one transaction that neither the audit's append-only guard nor the
    database's own audit of outside changes sees (PostgreSQL: no ordinary trigger fires)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_delete")
        change(conn)


def problems(engine: Engine, ledgers: list) -> dict[str, int]:  # type: ignore[type-arg]
    """How many problems each check finds (a failing check has at least one)."""
    out = check(engine, ledgers)
    assert all(c["pass"] == (c["problems"] == 0) for c in out.values()), out
    return {name: c["problems"] for name, c in out.items()}


# fields no act's kind is checked by (bench.soak._key_ok): their rows can go without the
# act's version going too
PLAIN = (
    "hold_reason",
    "active",
    "resolved_at",
    "resolution_code",
    "resolved_by_id",
    "support_line",
    "reassignment_count",
    "responded_at",
)


def test_two_processes_lose_nothing_and_every_check_can_fail(engine: Engine, db_url: str) -> None:
    prepare(db_url, 2)
    ledgers, wall = soak(db_url, 2, SECONDS, min_acts=MIN_ACTS)
    out = summary(ledgers, wall)
    assert out["errors"]["count"] == 0, out["errors"]
    assert out["operations"] >= 2 * MIN_ACTS and {"log", "note"} <= set(out["per_kind"])
    checks = check(engine, ledgers)
    assert {n for n, c in checks.items() if not c["pass"]} == set(), checks
    assert checks["audit_matches_acts"]["acts_reported"] > 0
    assert checks["audit_matches_acts"]["acts_reported"] == sum(len(lg.mutations) for lg in ledgers)
    assert checks["incidents_logged"]["in_table"] == sum(len(lg.created) for lg in ledgers)

    acts = [m for lg in ledgers for m in lg.mutations if m[1] and KEY_FIELD.get(m[2]) == "state"]
    assert acts, "no act that changes the state in the run"
    number, version, _kind = acts[0]
    with engine.connect() as conn:
        iid = conn.execute(select(Incident.id).where(Incident.number == number)).scalar_one()
        chain = conn.execute(
            text(
                "SELECT incident_id, field, max(id) AS last FROM audit WHERE field IN "
                f"({', '.join(repr(f) for f in PLAIN)}) AND incident_id <> :i "
                "GROUP BY incident_id, field HAVING count(*) >= 2 ORDER BY incident_id LIMIT 1"
            ),
            {"i": iid},
        ).one()
        other = conn.execute(
            select(Incident.id, Incident.resolution_due)
            .where(
                Incident.id.notin_([iid, chain.incident_id]),
                Incident.resolution_due.is_not(None),
            )
            .limit(1)
        ).one()
    token = next(t for lg in ledgers for _n, t in lg.notes)
    found = problems(engine, ledgers)

    def worse(name: str, change: Callable[[Connection], object]) -> None:
        """After `change`, behind the desk's back, check `name` finds more problems."""
        behind_its_back(engine, change)
        now = problems(engine, ledgers)
        assert now[name] > found[name], (name, found, now)
        found.update(now)

    def lose_search(conn: Connection) -> None:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DELETE FROM incident_search WHERE incident_id = :i"), {"i": iid})
        else:
            conn.execute(text("UPDATE incident_fts SET journal = '' WHERE rowid = :i"), {"i": iid})

    # the search index loses an incident's document (its journal's words on SQLite)
    worse("search_index_matches", lose_search)
    # a due time the SLA rules do not give
    worse(
        "sla_fields_match_rules",
        lambda conn: conn.execute(
            update(Incident)
            .where(Incident.id == other.id)
            .values(resolution_due=other.resolution_due + timedelta(hours=1))
        ),
    )
    # the last change of a field drops out of an incident's history
    worse(
        "audit_history_complete",
        lambda conn: conn.execute(text("DELETE FROM audit WHERE id = :a"), {"a": chain.last}),
    )
    # the audit row of an act's change of state
    worse(
        "audit_matches_acts",
        lambda conn: conn.execute(
            text(
                "DELETE FROM audit WHERE incident_id = :i AND incident_version = :v "
                "AND field = 'state'"
            ),
            {"i": iid, "v": version},
        ),
    )
    # a note gone from the journal
    worse(
        "journal_and_alerts",
        lambda conn: conn.execute(
            text("DELETE FROM journal WHERE body = :b"), {"b": f"soak note {token}"}
        ),
    )
    # one reassignment more than its history shows
    worse(
        "reassignments_match_audit",
        lambda conn: conn.execute(
            update(Incident)
            .where(Incident.id == other.id)
            .values(reassignment_count=Incident.reassignment_count + 1)
        ),
    )
    # a state without what the state needs (resolved, no resolution)
    worse(
        "legal_states",
        lambda conn: conn.execute(
            update(Incident)
            .where(Incident.id == other.id)
            .values(state="resolved", active=False, resolution_code=None)
        ),
    )
    # an incident a worker says it logged and nobody finds
    ledgers[0].created.append("INC9999999")
    assert problems(engine, ledgers)["incidents_logged"] == 1
