"""The intake, timed; prints ONE JSON object (figures, never pass/fail).

    .venv/bin/python -m bench.intake --db sqlite
    .venv/bin/python -m bench.intake --db postgresql --runs 20 --requests 2000

- ``alert_to_visible_ms``: from posting an alert to the HTTP intake to the new incident's row in
  a running client's hands: a client on its own engine waits on the change feed (PRAGMA
  data_version polled every 100 ms on SQLite, NOTIFY on PostgreSQL), reads the changes since its
  position and fetches the queue row (median and max of ``--runs``);
- ``alerts_per_s``: ``--requests`` alerts posted over 16 connections at once, each a repeat of
  one of 50 fingerprints (so 50 incidents, the rest deduplicated onto them), divided by the wall
  time; ``incidents`` says how many were logged (50 when deduplication held);
- ``mail_to_incident_ms``: smtplib sending a message to the SMTP intake until its answer (the
  answer comes after the incident is committed) (median and max of ``--runs``).

PostgreSQL from INCIDENTDESK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres), in a
fresh database dropped afterwards; SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import smtplib
import statistics
import sys
import threading
import time
from email.message import EmailMessage
from typing import Any

from app.db.changes import make_watcher
from app.db.engine import make_engine
from app.intake.http import IntakeServer
from app.intake.smtp import MailServer
from app.models import Incident
from app.services import catalog, defaults, queries, users
from app.services.context import Desk
from app.services.defaults import Defaults
from bench.feed import database, log

TOKEN = "bench-token"
CONNECTIONS = 16
FINGERPRINTS = 50


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2)}


def _post(conn: http.client.HTTPConnection, body: dict[str, Any]) -> dict[str, Any]:
    conn.request(
        "POST",
        "/alerts",
        body=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    data: dict[str, Any] = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"intake answered {resp.status}: {data}")
    return data


def measure(url: str, runs: int, requests: int) -> dict[str, Any]:
    engine = make_engine(url)
    defaults.upgrade_database(engine)
    desk = Desk(engine, zone="UTC")
    defaults.ensure_defaults(desk, Defaults(tz="UTC"))
    root = desk.actor(
        users.add_user(desk, None, "root", "Root", "admin", password="bench-pass").username
    )
    catalog.add_group(desk, root, "Service Desk", 1)
    server = IntakeServer(("127.0.0.1", 0), desk, desk.system(), TOKEN)
    server.start()
    mail = MailServer(desk, desk.system(), "127.0.0.1", 0)
    mail.start()
    client_engine = make_engine(url)
    client = Desk(client_engine, zone="UTC")
    watcher = make_watcher(client_engine)
    try:
        # -- alert to visible ------------------------------------------------------------
        visible: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        for i in range(runs):
            position = queries.latest_change(client)
            t0 = time.perf_counter()
            number = _post(conn, {"title": f"Visible {i}", "fingerprint": f"visible-{i}"})[
                "alerts"
            ][0]["incident"]
            seen = False
            while not seen:
                watcher.wait(5.0)
                for change in queries.changes_since(client, position):
                    position = max(position, change.seq)
                    if change.entity == "incident" and change.kind == "created":
                        rows = queries.queue_rows(client, [change.entity_id])
                        seen = seen or any(r.number == number for r in rows)
            visible.append((time.perf_counter() - t0) * 1000)
        conn.close()

        # -- sustained, deduplicated -----------------------------------------------------
        before = _incidents(desk)
        per = requests // CONNECTIONS
        barrier = threading.Barrier(CONNECTIONS + 1)
        errors: list[str] = []

        def sender(k: int) -> None:
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            barrier.wait()
            try:
                for j in range(per):
                    fp = (k * per + j) % FINGERPRINTS
                    _post(
                        c,
                        {"title": f"Load {fp}", "fingerprint": f"load-{fp}", "severity": "warning"},
                    )
            except Exception as exc:
                errors.append(str(exc))
            finally:
                c.close()

        threads = [threading.Thread(target=sender, args=(k,)) for k in range(CONNECTIONS)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        sent = per * CONNECTIONS
        logged = _incidents(desk) - before

        # -- mail --------------------------------------------------------------------------
        mails: list[float] = []
        for i in range(runs):
            msg = EmailMessage()
            msg["From"], msg["Subject"] = f"caller{i}@example.com", f"Mail {i}"
            msg.set_content("The printer is down")
            t0 = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", mail.port, timeout=60) as s:
                s.send_message(msg, to_addrs=["desk@example.com"])
            mails.append((time.perf_counter() - t0) * 1000)
        return {
            "alert_to_visible_ms": _stats(visible),
            "alerts_per_s": round(sent / elapsed, 1),
            "alerts_sent": sent,
            "connections": CONNECTIONS,
            "incidents": logged,
            "errors": errors[:3],
            "mail_to_incident_ms": _stats(mails),
        }
    finally:
        watcher.close()
        server.shutdown()
        server.server_close()
        mail.stop()
        client_engine.dispose()
        engine.dispose()


def _incidents(desk: Desk) -> int:
    from sqlalchemy import func, select

    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Incident)).scalar_one())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1600)
    args = parser.parse_args(argv)
    log(
        f"intake on {args.db}: {args.runs} runs, {args.requests} alerts over {CONNECTIONS} connections"
    )
    with database(args.db) as url:
        figures = measure(url, args.runs, args.requests)
    print(
        json.dumps(
            {
                "db": args.db,
                **figures,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
