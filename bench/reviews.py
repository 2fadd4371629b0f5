"""The post-incident review over a long history; prints ONE JSON object.

    .venv/bin/python bench/reviews.py --history 500 --db sqlite
    .venv/bin/python bench/reviews.py --history 500 --db postgresql   # INCIDENTDESK_TEST_PG

One incident gets `--history` rows of history (half audit rows: reassignments back and forth
between two groups; half journal entries), written straight into the tables. Figures, never
pass/fail:

- ``timeline_ms``: ``services.reviews.open_review`` of that incident (the timeline generated
  from its history with the names of groups and people, and the measures), median of 5 after a
  warm-up;
- ``save_ms``: ``services.reviews.save_review`` of that draft (one write), median of 5.
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database


def run(url: str, history: int) -> dict[str, Any]:
    from app.db.engine import make_engine
    from app.models import AuditEntry, JournalEntry
    from app.services import catalog, defaults, reviews, users
    from app.services import incidents as inc
    from app.services.context import Desk

    engine = make_engine(url)
    defaults.upgrade_database(engine)
    desk = Desk(engine)
    defaults.ensure_defaults(desk)
    users.add_user(desk, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = desk.actor("dev")
    sd = catalog.add_group(desk, root, "Service Desk", 1)
    net = catalog.add_group(desk, root, "Network", 2)
    users.add_user(desk, root, "sue", "Sue Lin", "supervisor", groups=["Service Desk"])
    sue = desk.actor("sue")
    rec = inc.log_incident(
        desk, root, inc.NewIncident(title="Bench", impact=1, urgency=1, group_id=sd)
    )
    start = desk.now()
    with desk.write() as s:
        for n in range(history):
            at = start + timedelta(minutes=n)
            if n % 2:
                s.add(
                    JournalEntry(
                        incident_id=rec.id,
                        kind="work_note",
                        body=f"note {n}",
                        author_id=root.id,
                        created_at=at,
                    )
                )
            else:
                old, new = (sd, net) if n % 4 == 0 else (net, sd)
                s.add(
                    AuditEntry(
                        incident_id=rec.id,
                        field="group_id",
                        old_value=str(old),
                        new_value=str(new),
                        agent_id=root.id,
                        at=at,
                        incident_version=1,
                    )
                )
    reviews.open_review(desk, sue, rec.id)  # warm-up: the policy book, the statements
    times = []
    draft = None
    for _ in range(5):
        t0 = time.perf_counter()
        draft = reviews.open_review(desk, sue, rec.id)
        times.append((time.perf_counter() - t0) * 1000)
    assert draft is not None
    lines = len(draft.timeline)
    saves = []
    for n in range(5):
        edited = replace(draft, texts={**draft.texts, "summary": f"take {n}"})
        t0 = time.perf_counter()
        draft = reviews.save_review(desk, sue, edited)
        saves.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {
        "history_rows": history,
        "timeline_lines": lines,
        "timeline_ms": round(statistics.median(times), 1),
        "save_ms": round(statistics.median(saves), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.db == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="incidentdesk-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    else:
        url = create_pg_database(admin)
    try:
        result = {"db": args.db} | run(url, args.history)
    finally:
        if tmp is not None:
            tmp.cleanup()
        else:
            drop_pg_database(admin, url)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
