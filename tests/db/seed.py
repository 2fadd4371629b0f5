"""Rows for db tests, inserted with plain Core INSERTs on the models' tables (no services)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from app.domain.lifecycle import State
from app.domain.records import incident_number
from app.models import NO_DUE, Base

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
T = Base.metadata.tables

AGENTS = {1: "Ada Lovelace", 2: "Brian Kernighan", 3: "Carla Bruni", 4: "dave null"}
GROUPS = {1: "Service Desk", 2: "Network", 3: "applications"}
CALLERS = {1: "Zoe Zimmer", 2: "alice Abbot", 3: "Mark Moss", 4: "Nina North", 5: "bob Brown"}

ACTIVE_STATES = (State.NEW, State.IN_PROGRESS, State.ON_HOLD)
ALL_STATES = tuple(State)
_WORDS_TEXT = (
    "printer email vpn outlook laptop password network server disk database login "
    "screen keyboard wifi slow timeout backup license browser phone"
)
WORDS = _WORDS_TEXT.split()


def seed_people(conn: Connection) -> None:
    """Matrix version 1, agents, groups and callers (ids as in AGENTS, GROUPS, CALLERS)."""
    conn.execute(
        insert(T["matrix_versions"]),
        [
            {
                "id": 1,
                "impact_labels": ["High", "Medium", "Low"],
                "urgency_labels": ["High", "Medium", "Low"],
                "priority_labels": ["Critical", "High", "Moderate", "Low", "Planning"],
                "cells": [[1, 2, 3], [2, 3, 4], [3, 4, 5]],
                "created_at": T0,
            }
        ],
    )
    conn.execute(
        insert(T["agents"]),
        [
            {
                "id": i,
                "username": f"agent{i}",
                "full_name": n,
                "role": "agent",
                "active": True,
                "created_at": T0,
            }
            for i, n in AGENTS.items()
        ],
    )
    conn.execute(insert(T["groups"]), [{"id": i, "name": n, "line": 1} for i, n in GROUPS.items()])
    conn.execute(
        insert(T["callers"]),
        [
            {"id": i, "name": n, "name_key": n.lower(), "vip": False, "created_at": T0}
            for i, n in CALLERS.items()
        ],
    )


def incident_values(i: int, **over: Any) -> dict[str, Any]:
    """A complete row for incidents.id = i; `over` replaces any column."""
    state = State(over.pop("state", State.NEW))
    row: dict[str, Any] = {
        "id": i,
        "number": incident_number(i),
        "title": f"Incident {i}",
        "description": "",
        "caller_id": None,
        "channel": "phone",
        "impact": 2,
        "urgency": 2,
        "priority": 3,
        "matrix_version": 1,
        "state": state.value,
        "active": state.active,
        "support_line": 1,
        "reassignment_count": 0,
        "reopen_count": 0,
        "escalated_to_supervisor": False,
        "major": False,
        "sla_paused": False,
        "sla_breached": False,
        "due_sort": NO_DUE,
        "resolution_due": None,
        "warn_at": None,
        "at_risk_at": None,
        "version": 1,
        "opened_at": T0,
        "created_at": T0,
        "updated_at": T0,
        "group_id": None,
        "assignee_id": None,
        "group_returns": 0,
    }
    row.update(over)
    return row


def insert_incidents(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(T["incidents"]), rows)


def random_incidents(n: int, seed: int = 7, start_id: int = 1) -> list[dict[str, Any]]:
    """`n` varied incidents with plenty of ties in every sort key (ties test the id tiebreak)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(start_id, start_id + n):
        state = rnd.choice(ALL_STATES + ACTIVE_STATES * 2)
        active = state.active
        running = active and state is not State.ON_HOLD and rnd.random() < 0.8
        due = T0 + timedelta(hours=rnd.randrange(0, 48, 4)) if running else None
        at_risk = due - timedelta(hours=2) if due else None
        rows.append(
            incident_values(
                i,
                state=state,
                title=f"{rnd.choice(WORDS).capitalize() if rnd.random() < 0.5 else rnd.choice(WORDS)}"
                f" {rnd.choice(WORDS)} problem",
                description=" ".join(rnd.choice(WORDS) for _ in range(6)),
                priority=rnd.randint(1, 5),
                due_sort=due or NO_DUE,
                resolution_due=due,
                warn_at=due - timedelta(hours=4) if due else None,
                at_risk_at=at_risk,
                sla_paused=state is State.ON_HOLD,
                group_id=rnd.choice([None, 1, 2, 3, 1]),
                assignee_id=rnd.choice([None, None, 1, 2, 3, 4]),
                caller_id=rnd.choice([None, 1, 2, 3, 4, 5]),
                major=rnd.random() < 0.1,
                updated_at=T0 + timedelta(minutes=rnd.randrange(0, 600, 30)),
                # from the id, so the other columns' random draws stay as they were
                group_returns=(i * 7) % 5 if i % 3 == 0 else 0,
            )
        )
    return rows


def add_journal(conn: Connection, incident_id: int, body: str, jid: int | None = None) -> None:
    values: dict[str, Any] = {
        "incident_id": incident_id,
        "kind": "work_note",
        "body": body,
        "created_at": T0,
    }
    if jid is not None:
        values["id"] = jid
    conn.execute(insert(T["journal"]), [values])


def add_known_error(
    conn: Connection, ke_id: int, title: str, symptom: str = "", workaround: str = ""
) -> None:
    conn.execute(
        insert(T["known_errors"]),
        [
            {
                "id": ke_id,
                "title": title,
                "symptom": symptom,
                "workaround": workaround,
                "active": True,
                "created_at": T0,
            }
        ],
    )
