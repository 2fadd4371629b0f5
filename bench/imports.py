"""Imports of the two real logs, timed; prints ONE JSON object (figures, never pass/fail).

    .venv/bin/python -m bench.imports                  # SQLite, and PostgreSQL when it answers
    .venv/bin/python -m bench.imports --db sqlite --log servicenow
    .venv/bin/python -m bench.imports --db sqlite --profile 25   # cProfile's top 25 on stderr

Each log (../shared/data, or tests/data/event_logs) is imported into a fresh, migrated database
the way ``incidentdesk import servicenow|bpi2013 FILE`` does it: read and decompressed, parsed,
written with its history in batches. Per log and engine: ``rows`` (of the file), ``incidents``
(written), ``audit`` (history rows written), ``problems`` (reported), ``parse_s`` (reading and
parsing), ``write_s`` (the database part), ``seconds`` (both) and ``rows_per_s`` (rows /
seconds); ``parse_cpu_s`` and ``write_cpu_s``, the same two in CPU seconds of this process
(which other jobs on the machine disturb far less than the wall clock; PostgreSQL's own work
is not in them). A second run over the same file (``again_s``) writes nothing: how long it takes to
find that out.

PostgreSQL from INCIDENTDESK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres), in a
fresh database dropped afterwards; SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.db.engine import make_engine
from app.models import AuditEntry
from app.services import defaults, imports
from app.services.context import Desk
from app.services.defaults import Defaults
from bench.feed import database, log

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT.parent.parent / "shared" / "data", ROOT / "tests" / "data" / "event_logs")
LOGS = {
    "servicenow": "servicenow_incident_event_log_sample.csv.gz",
    "bpi2013": "bpi2013_volvo_incidents.csv.gz",
}


def find(name: str) -> Path:
    for folder in FOLDERS:
        if (folder / name).is_file():
            return folder / name
    raise SystemExit(f"bench: {name} is in none of {', '.join(map(str, FOLDERS))}")


def measure(url: str, kind: str, path: Path, profile: int) -> dict[str, Any]:
    engine = make_engine(url)
    defaults.upgrade_database(engine)
    desk = Desk(engine, zone="Europe/Brussels")
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    actor = desk.system()
    prof = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    log_ = imports.read_log(kind, imports.read_text(path), desk.zone)
    parsed, cpu_parsed = time.perf_counter(), time.process_time()
    result = imports.import_incidents(desk, actor, log_.incidents)
    done, cpu_done = time.perf_counter(), time.process_time()
    if prof:
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(profile)
        print(out.getvalue(), file=sys.stderr)
    again = imports.import_incidents(desk, actor, log_.incidents)
    again_s = time.perf_counter() - done
    with desk.read() as conn:
        audit = int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    engine.dispose()
    seconds = done - started
    return {
        "rows": log_.rows,
        "incidents": result.incidents,
        "audit": audit,
        "problems": len(log_.problems) + len(result.problems),
        "parse_s": round(parsed - started, 2),
        "write_s": round(done - parsed, 2),
        "parse_cpu_s": round(cpu_parsed - cpu_started, 2),
        "write_cpu_s": round(cpu_done - cpu_parsed, 2),
        "seconds": round(seconds, 2),
        "rows_per_s": round(log_.rows / seconds),
        "again_s": round(again_s, 2),
        "again_written": again.incidents,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--log", choices=(*LOGS, "both"), default="both")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile's top N")
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    logs = list(LOGS) if args.log == "both" else [args.log]
    out: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    for kind in kinds:
        for name in logs:
            path = find(LOGS[name])
            log(f"{name} on {kind}")
            try:
                with database(kind) as url:
                    out[f"{name}_{kind}"] = measure(url, name, path, args.profile)
            except Exception as exc:  # PostgreSQL not there: say so, keep SQLite's figures
                if kind != "postgresql" or args.db == "postgresql":
                    raise
                out[f"{name}_{kind}"] = {"error": str(exc).splitlines()[0]}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
