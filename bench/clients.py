"""Many headless workstations on one PostgreSQL, timed; prints ONE JSON object (figures, never
pass/fail).

    .venv/bin/python bench/clients.py --clients 300
    .venv/bin/python bench/clients.py --clients 20 --rounds 10      # a quick look

It starts a PostgreSQL server of its own (``initdb`` in a temporary folder, from
``/usr/lib/postgresql/*/bin`` or ``--pg-bin``, on a free port of 127.0.0.1, ``max_connections``
from ``--max-connections``, default 2 x clients + 100), as the ``postgres`` system user when run
as root (initdb refuses root); it is stopped and deleted at the end, whatever happens. No other
server is touched. On it: a migrated database with ``--incidents`` demo incidents.

Then ``--clients`` workstations start, ``--processes`` processes with a thread per workstation.
Each is what a main window does without Qt, signed in as one of the demo's people: its own
engine (``app.db.engine.make_engine``, the desk's pool), the first page of "All open" and its
count (``services.queries``), then the change feed (``services.live.open_feed``: LISTEN/NOTIFY);
at each wake-up it reads the change log, re-reads the changed incidents' rows and places in its
view (``queries.queue_places``, as the queue model does) and the view's count
(``queries.queue_count``); and the counts of all its views (``services.saved_views``: the
built-in ones and its own), at most every 1.5 s as the main window's side panel does
(``--no-view-counts``: not). A window does these on three lanes at once; here one thread does
them one after another, so a workstation needs one pooled connection. A writer (a supervisor of the demo, through
``services.incidents``) then makes ``--rounds`` changes, one at a time: even rounds log an
incident, odd ones retitle an open one (``update_fields``); each carries its round in the title.

- ``commit_to_visible_ms``: from the writer's COMMIT (the engine's ``commit`` event, just before
  the statement is sent) to a workstation's re-read row showing that round's title, every
  workstation and every round: p50, p90, p99, max. The next round starts once every workstation
  saw this one (or ``--timeout`` passed: ``missed`` counts those), after ``--gap-ms``;
- ``all_visible_ms``: per round, until the last workstation saw it (p50, p99);
- ``write_ms``: the writer's service call (median); ``commit_ms``: from its COMMIT to the
  call's return (the server's flush of the commit: a workstation cannot see it sooner);
- ``connections``: what ``pg_stat_activity`` counts on the database, per ``application_name``
  (``incidentdesk``: the pools; ``incidentdesk-listener``: the feeds), with all workstations
  loaded and idle before the writes (``idle``), the most at any sample during the writes (every
  ``--sample-ms``; ``peak``), idle again after (``idle_after``); ``per_client`` of each;
- ``pool_connects_per_client``: connections each workstation's pool opened over the run (the first
  one included): what a burst costs the server in new sessions;
- ``plain_listeners``: the same server, workstations and rounds with nothing but a LISTEN
  connection each, woken by a bare NOTIFY (``--no-plain`` skips it): the floor the change feed's
  reads add to;
- ``cpu_ms_per_round``: the CPU time the server's processes and the workstations' processes used
  during the rounds, per round (``/proc``): on this machine both share its cores, at a desk each
  workstation has its own, so the server's share is what grows with the number of workstations;
- ``load_average``: ``os.getloadavg()`` before and after.
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py is named like the standard library's `queue`: take this folder off the path
# before anything (psycopg, for one) imports `queue`, and put the project there instead.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import threading
import time
import traceback
from typing import Any

from bench.pgserver import Server, ServerNotStarted, own_server, pg_bin

MARK = "Load round "
DATABASE = "incidentdesk"
WAIT_S = 0.25  # the main window's watcher waits this long, then looks at its stop flag
COUNT_THROTTLE_S = 1.5  # the main window counts its views at most this often (COUNT_THROTTLE_MS)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# -- the CPU the processes used -----------------------------------------------------------------


def cpu_s(pids: list[int]) -> float:
    """User and system CPU seconds the processes (all their threads) used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _url(admin: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(admin)
        .set(drivername="postgresql+psycopg", database=database)
        .render_as_string(hide_password=False)
    )


def prepare(admin: str, incidents: int) -> str:
    """The migrated database with the demo desk on it: its URL."""
    import psycopg

    from app.db.engine import make_engine
    from app.demo.loader import load_demo
    from app.services.context import Desk
    from app.services.defaults import upgrade_database

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = _url(admin, DATABASE)
    engine = make_engine(url)
    try:
        upgrade_database(engine)
        load_demo(Desk(engine), incidents)
    finally:
        engine.dispose()
    return url


# -- the workstations -----------------------------------------------------------------------------


class Shared:
    """What the processes share: when each workstation saw each round, and a few counters."""

    def __init__(self, ctx: Any, clients: int, rounds: int) -> None:
        self.clients = clients
        self.rounds = rounds
        self.seen = ctx.RawArray("d", clients * rounds)  # monotonic seconds; 0: not yet
        self.connects = ctx.RawArray("i", clients)
        self.ready = ctx.Value("i", 0)
        self.errors = ctx.Value("i", 0)
        self.stop = ctx.Event()


def _saw(shared: Shared, index: int, title: str, at: float) -> None:
    if not title.startswith(MARK):
        return
    k = int(title[len(MARK) :])
    if 0 <= k < shared.rounds:
        slot = k * shared.clients + index
        if shared.seen[slot] == 0.0:
            shared.seen[slot] = at


def _ready(shared: Shared) -> None:
    with shared.ready.get_lock():
        shared.ready.value += 1


def _failed(shared: Shared, index: int) -> None:
    with shared.errors.get_lock():
        shared.errors.value += 1
    log(f"workstation {index}: {traceback.format_exc()}")


def workstation(shared: Shared, index: int, url: str, counts: bool) -> None:
    """One main window's database work, without Qt (see the module docstring)."""
    from sqlalchemy import event

    from app.db.engine import make_engine
    from app.services import live, queries, saved_views
    from app.services.context import Desk

    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _connected(*_args: object) -> None:
        shared.connects[index] += 1

    feed = None
    try:
        desk = Desk(engine)
        desk.load_zone()
        people = [a for a in queries.agents(desk) if a.active and a.role != "admin"]
        actor = desk.actor(people[index % len(people)].username)
        views = [*saved_views.builtin_views(actor), *saved_views.list_views(desk, actor)]
        view = next(v.flt for v in views if v.name == "All open")
        page = queries.queue_page(desk, view)
        window_end = page.next_cursor
        queries.queue_count(desk, view)
        counted = time.monotonic()
        due = counts  # the views' counts, as the main window's side panel shows them
        feed = live.open_feed(desk)
        _ready(shared)
        while not shared.stop.is_set():
            woke = feed.wait(WAIT_S)
            if woke:
                changed = sorted({c.entity_id for c in feed.read() if c.entity == "incident"})
                if changed:
                    rows, _places = queries.queue_places(desk, view, changed, window_end=window_end)
                    at = time.monotonic()
                    for row in rows:
                        _saw(shared, index, row.title, at)
                    queries.queue_count(desk, view)
                    due = counts
            if due and time.monotonic() - counted >= COUNT_THROTTLE_S:
                for v in views:
                    queries.queue_count(desk, v.flt)
                counted, due = time.monotonic(), False
    except Exception:
        _failed(shared, index)
    finally:
        if feed is not None:
            feed.close()
        engine.dispose()


def plain_listener(shared: Shared, index: int, url: str) -> None:
    """Nothing but a LISTEN connection: the time a bare NOTIFY takes to arrive."""
    from app.db.changes import PgChangeListener
    from app.db.engine import make_engine

    engine = make_engine(url)
    listener = None
    try:
        listener = PgChangeListener.for_engine(engine)
        _ready(shared)
        while not shared.stop.is_set():
            if listener.wait(WAIT_S):
                at = time.monotonic()
                for payload in listener.last_payloads:
                    _saw(shared, index, payload, at)
    except Exception:
        _failed(shared, index)
    finally:
        if listener is not None:
            listener.close()
        engine.dispose()


def process_main(kind: str, shared: Shared, indices: list[int], url: str, counts: bool) -> None:
    threads = [
        threading.Thread(
            target=workstation if kind == "feed" else plain_listener,
            args=(shared, i, url, counts) if kind == "feed" else (shared, i, url),
            name=f"ws-{i}",
            daemon=True,
        )
        for i in indices
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# -- the writer and the figures -------------------------------------------------------------------


def _connections(admin: Any) -> dict[str, int]:
    """The workstations' sessions on the database, per application_name."""
    rows = admin.execute(
        "SELECT application_name, count(*) FROM pg_stat_activity "
        "WHERE datname = %s AND application_name LIKE 'incidentdesk%%' GROUP BY 1",
        (DATABASE,),
    ).fetchall()
    return {str(name): int(n) for name, n in rows}


def _per_client(counts: dict[str, int], clients: int) -> dict[str, Any]:
    return {**counts, "per_client": round(sum(counts.values()) / clients, 2)}


def _settle(admin: Any, want: int, timeout: float = 30.0) -> dict[str, int]:
    """The counts once `want` sessions are listed (a closed session leaves the list a moment
    later), or whatever is there after `timeout`."""
    deadline = time.monotonic() + timeout
    counts = _connections(admin)
    while sum(counts.values()) != want and time.monotonic() < deadline:
        time.sleep(0.1)
        counts = _connections(admin)
    return counts


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"samples": 0}
    return {
        "p50": _pct(values, 0.50),
        "p90": _pct(values, 0.90),
        "p99": _pct(values, 0.99),
        "max": round(max(values), 2),
        "samples": len(values),
    }


class Writer:
    """Rounds of changes through the services (feed) or bare NOTIFYs (plain), each timed from
    its COMMIT."""

    def __init__(self, kind: str, url: str) -> None:
        from sqlalchemy import event

        from app.db.engine import make_engine
        from app.domain.records import QueueFilter
        from app.services import queries
        from app.services.context import Desk

        self.kind = kind
        self.engine = make_engine(url)
        self.desk = Desk(self.engine)
        self.committed = 0.0

        @event.listens_for(self.engine, "commit")
        def _commit(_conn: object) -> None:
            self.committed = time.monotonic()

        @event.listens_for(self.engine, "do_connect")
        def _named(_dialect: object, _rec: object, _args: object, params: dict[str, Any]) -> None:
            params["application_name"] = "bench-writer"  # not counted as a workstation's

        boss = next(a for a in queries.agents(self.desk) if a.role == "supervisor" and a.active)
        self.actor = self.desk.actor(boss.username)
        self.targets = [r.id for r in queries.queue_page(self.desk, QueueFilter(), limit=500).rows]

    def write(self, k: int) -> tuple[float, float, float]:
        """Round k's change: when its COMMIT began, how long the call took and how long from
        the COMMIT to the call's return (ms)."""
        from sqlalchemy import text

        from app.db.changes import CHANNEL
        from app.services import incidents
        from app.services.incidents import NewIncident

        title = f"{MARK}{k}"
        start = time.monotonic()
        if self.kind == "plain":
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": title})
        elif k % 2 == 0:
            incidents.log_incident(self.desk, self.actor, NewIncident(title, impact=2, urgency=2))
        else:
            target = self.targets[(k // 2) % len(self.targets)]
            incidents.update_fields(self.desk, self.actor, target, None, {"title": title})
        end = time.monotonic()
        return self.committed, (end - start) * 1000, (end - self.committed) * 1000

    def close(self) -> None:
        self.engine.dispose()


def run(kind: str, url: str, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    admin_url = server.url
    clients, rounds = args.clients, args.rounds
    ctx = mp.get_context("spawn")
    shared = Shared(ctx, clients, rounds)
    groups = [list(range(p, clients, args.processes)) for p in range(args.processes)]
    procs = [
        ctx.Process(
            target=process_main, args=(kind, shared, g, url, not args.no_view_counts), daemon=True
        )
        for g in groups
        if g
    ]
    admin = psycopg.connect(_url(admin_url, DATABASE).replace("+psycopg", ""), autocommit=True)
    writer = Writer(kind, url)  # connected (and named) before the workstations are counted
    out: dict[str, Any] = {}
    started = time.monotonic()
    for p in procs:
        p.start()
    try:
        while shared.ready.value + shared.errors.value < clients:
            if not any(p.is_alive() for p in procs):
                raise SystemExit("bench: every workstation process ended before it was ready")
            time.sleep(0.1)
        out["start_s"] = round(time.monotonic() - started, 1)
        out["start_errors"] = shared.errors.value
        per = 1 if kind == "plain" else 2
        out["connections"] = {"idle": _per_client(_settle(admin, per * clients), clients)}
        log(f"{kind}: {clients} workstations ready in {out['start_s']} s: {out['connections']}")

        peak: dict[str, int] = {}
        sampling = threading.Event()

        def sample() -> None:
            with psycopg.connect(
                _url(admin_url, DATABASE).replace("+psycopg", ""), autocommit=True
            ) as s:
                while not sampling.is_set():
                    counts = _connections(s)
                    if sum(counts.values()) > sum(peak.values()):
                        peak.clear()
                        peak.update(counts)
                    time.sleep(args.sample_ms / 1000)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        server_pids, client_pids = server.pids(), [p.pid for p in procs if p.pid]
        cpu_before = cpu_s(server_pids), cpu_s(client_pids)
        latencies: list[float] = []
        last: list[float] = []
        writes: list[float] = []
        commits: list[float] = []
        missed = 0
        for k in range(rounds):
            committed, took, commit_took = writer.write(k)
            writes.append(took)
            commits.append(commit_took)
            base = k * clients
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline and any(
                shared.seen[base + i] == 0.0 for i in range(clients)
            ):
                time.sleep(0.002)
            seen = [shared.seen[base + i] for i in range(clients)]
            got = [(t - committed) * 1000 for t in seen if t > 0.0]
            missed += clients - len(got)
            latencies.extend(got)
            if got:
                last.append(max(got))
            time.sleep(args.gap_ms / 1000)
        cpu_after = cpu_s(server_pids), cpu_s(client_pids)
        sampling.set()
        sampler.join()
        out["connections"]["peak"] = _per_client(peak, clients)
        out["connections"]["idle_after"] = _per_client(_settle(admin, per * clients), clients)
        out["commit_to_visible_ms"] = {**_spread(latencies), "missed": missed}
        out["all_visible_ms"] = {"p50": _pct(last, 0.5), "p99": _pct(last, 0.99)} if last else {}
        out["write_ms"] = round(statistics.median(writes), 2)
        out["commit_ms"] = round(statistics.median(commits), 2)
        if kind == "feed":
            out["pool_connects_per_client"] = round(sum(shared.connects) / clients, 2)
        out["cpu_ms_per_round"] = {
            "server": round((cpu_after[0] - cpu_before[0]) * 1000 / rounds, 1),
            "workstations": round((cpu_after[1] - cpu_before[1]) * 1000 / rounds, 1),
        }
        out["errors"] = shared.errors.value
    finally:
        shared.stop.set()
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.terminate()
        writer.close()
        admin.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--gap-ms", type=float, default=100.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a round may take")
    parser.add_argument("--sample-ms", type=float, default=20.0)
    parser.add_argument("--max-connections", type=int, default=0)
    parser.add_argument("--pg-bin", default=None, help="the folder of initdb and pg_ctl")
    parser.add_argument("--no-plain", action="store_true", help="skip the bare-LISTEN figures")
    parser.add_argument(
        "--no-view-counts", action="store_true", help="workstations do not count their views"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.processes < 1 or args.rounds < 1:
        parser.error("--clients, --processes and --rounds: at least 1")
    max_connections = args.max_connections or 2 * args.clients + 100
    out: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "clients": args.clients,
        "processes": args.processes,
        "rounds": args.rounds,
        "incidents": args.incidents,
        "view_counts": not args.no_view_counts,
        "load_average": {"before": [round(x, 2) for x in os.getloadavg()]},
    }
    try:
        bin_dir = pg_bin(args.pg_bin)
    except ServerNotStarted as exc:
        raise SystemExit(f"bench: {exc} (say --pg-bin)") from exc
    with own_server(bin_dir, max_connections=max_connections, log=log) as server:
        import psycopg

        admin = server.url
        with psycopg.connect(admin, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        out["server"] = {
            "version": str(version[0]) if version else "?",
            "max_connections": max_connections,
        }
        log(f"migrating and loading {args.incidents} demo incidents")
        url = prepare(admin, args.incidents)
        out["feed"] = run("feed", url, server, args)
        if not args.no_plain:
            out["plain_listeners"] = run("plain", url, server, args)
    out["load_average"]["after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
