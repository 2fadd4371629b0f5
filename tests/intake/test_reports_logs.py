"""The reports over the real logs, imported by the desk's importers, against what the raw files
say, computed here with the standard library alone (csv, gzip), on SQLite and PostgreSQL:

- ServiceNow: the share of incidents whose last row (highest sys_mod_count) has made_sla false
  (``report sla`` resolution_missed_share), the share with a reassignment and the most
  reassignments (``report reassignments``), the incidents reopened (``report reopens``);
- BPI 2013: the incidents that come back to a team they had left (``report ping-pong``), those
  solved at line 1 only (``report push-to-front``), those put on Wait - User (``report
  wait-user``), those handed down a line (``report down-a-line``).

A figure that disagrees names the incidents (by their number in the source) that differ.

The suite imports the first incidents of each log (importing costs some 25 incidents a second
per core); ``INCIDENTDESK_REPORT_LOGS=full`` imports all of them (minutes)."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.imports import read_bpi2013, read_servicenow
from app.models import AuditEntry, Group, ImportedRecord, Incident
from app.services import imports, reports
from app.services.context import Desk

DATA = Path(__file__).resolve().parents[1] / "data" / "event_logs"
SERVICENOW = DATA / "servicenow_incident_event_log_sample.csv.gz"
BPI = DATA / "bpi2013_volvo_incidents.csv.gz"
FULL = os.environ.get("INCIDENTDESK_REPORT_LOGS", "") == "full"
SN_INCIDENTS = 2500 if FULL else 40
BPI_INCIDENTS = 8000 if FULL else 60


def _rows(path: Path, key: str, n: int) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """The text and the (file line, row) of the first `n` incidents of a log."""
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    text = gzip.decompress(path.read_bytes()).decode("utf-8").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    col = header.index(key)
    seen: set[str] = set()
    kept = [header]
    for row in reader:
        if row[col] not in seen:
            if len(seen) == n:
                break
            seen.add(row[col])
        kept.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(kept)
    rows = [(k + 2, dict(zip(header, r, strict=True))) for k, r in enumerate(kept[1:])]
    return out.getvalue(), rows


def _by_incident(
    rows: Iterable[tuple[int, dict[str, str]]], key: str
) -> dict[str, list[tuple[int, dict[str, str]]]]:
    out: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line, row in rows:
        out[row[key]].append((line, row))
    return out


def _sources(desk: Desk) -> dict[int, str]:
    """incident id -> its number in the source."""
    with desk.read() as conn:
        return dict(
            conn.execute(select(ImportedRecord.incident_id, ImportedRecord.external_id))
            .tuples()
            .all()
        )


def _differ(raw: set[str], desk_side: set[str]) -> str:
    only_raw, only_desk = sorted(raw - desk_side), sorted(desk_side - raw)
    return (
        f"the log says {len(raw)}, the desk {len(desk_side)}; only in the log: "
        f"{only_raw[:20]}, only on the desk: {only_desk[:20]}"
    )


def _report(desk: Desk, name: str) -> dict[str, object]:
    return reports.report(desk, name, reports.ReportFilter()).totals


def test_servicenow_sla_reassignments_and_reopens_agree_with_the_log(desk: Desk) -> None:
    text, rows = _rows(SERVICENOW, "number", SN_INCIDENTS)
    log = read_servicenow(text, desk.zone)
    result = imports.import_incidents(desk, desk.system(), log.incidents)
    assert result.problems == []
    # the raw file: each incident's last row (its highest sys_mod_count, then the later line)
    last = {
        number: max(runs, key=lambda lr: (int(lr[1]["sys_mod_count"]), lr[0]))[1]
        for number, runs in _by_incident(rows, "number").items()
    }
    assert len(last) == SN_INCIDENTS
    missed = {n for n, r in last.items() if r["made_sla"] == "false"}
    reassigned = {n for n, r in last.items() if int(r["reassignment_count"]) > 0}
    reopened = {n for n, r in last.items() if int(r["reopen_count"]) > 0}
    most = max(int(r["reassignment_count"]) for r in last.values())

    source = _sources(desk)
    with desk.read() as conn:
        facts = conn.execute(
            select(
                Incident.id, Incident.made_sla, Incident.reassignment_count, Incident.reopen_count
            )
        ).all()
    d_missed = {source[i] for i, made, _, _ in facts if made is False}
    d_reassigned = {source[i] for i, _, n, _ in facts if n > 0}
    d_reopened = {source[i] for i, _, _, n in facts if n > 0}

    sla = _report(desk, "sla")
    assert sla["resolution_missed_share"] == round(len(missed) / len(last), 4), _differ(
        missed, d_missed
    )
    assert sla["resolution_missed"] == len(missed), _differ(missed, d_missed)
    again = _report(desk, "reassignments")
    assert again["reassigned_share"] == round(len(reassigned) / len(last), 4), _differ(
        reassigned, d_reassigned
    )
    assert again["max"] == most
    assert _report(desk, "reopens")["reopened_incidents"] == len(reopened), _differ(
        reopened, d_reopened
    )


def test_bpi2013_ping_pong_first_line_wait_user_and_down_a_line_agree_with_the_log(
    desk: Desk,
) -> None:
    text, rows = _rows(BPI, "SR Number", BPI_INCIDENTS)
    log = read_bpi2013(text)
    imports.import_incidents(desk, desk.system(), log.incidents)
    # the raw file, each incident's rows in time order; Unmatched rows are not statuses (the
    # importer reports and skips them)
    done_states = {("Completed", "Resolved"), ("Completed", "Closed"), ("Completed", "In Call")}
    returning: set[str] = set()
    first_line_only: set[str] = set()
    waited: set[str] = set()
    down: set[str] = set()
    level = {"L1": 1, "L2": 2, "L3": 3, "L2/L3": 2}
    for sr, runs in _by_incident(rows, "SR Number").items():
        steps = sorted(
            (r["Change Date+Time"], line, r) for line, r in runs if r["Status"] != "Unmatched"
        )
        if not steps:
            continue
        teams: list[tuple[str, int]] = []
        for _, _, r in steps:
            team = r["Involved ST"]
            if team and (not teams or teams[-1][0] != team):
                teams.append((team, level[r["ST Level"]]))
        names = [t for t, _ in teams]
        if any(names[k] in names[: k - 1] for k in range(2, len(names))):
            returning.add(sr)
        if any(b[1] < a[1] for a, b in pairwise(teams)):
            down.add(sr)
        final = steps[-1][2]
        if (final["Status"], final["Sub Status"]) in done_states and all(
            r["ST Level"] == "L1" for _, _, r in steps
        ):
            first_line_only.add(sr)
        if any(
            (r["Status"], r["Sub Status"])
            in {("Accepted", "Wait - User"), ("Accepted", "Wait - Customer")}
            for _, _, r in steps
        ):
            waited.add(sr)

    source = _sources(desk)
    with desk.read() as conn:
        d_returning = {
            source[i]
            for (i,) in conn.execute(select(Incident.id).where(Incident.group_returns > 0))
        }
        lines = dict(conn.execute(select(Group.id, Group.line)).tuples().all())
        groups_of: dict[int, set[int]] = defaultdict(set)
        for iid, old, new in conn.execute(
            select(AuditEntry.incident_id, AuditEntry.old_value, AuditEntry.new_value).where(
                AuditEntry.field == "group_id"
            )
        ):
            groups_of[iid].update(int(v) for v in (old, new) if v)
        finals = conn.execute(select(Incident.id, Incident.state, Incident.group_id)).all()
        d_first = {
            source[i]
            for i, state, g in finals
            if state in ("resolved", "closed")
            and all(lines[x] == 1 for x in groups_of[i] | ({g} if g else set()))
        }
        d_waited = {
            source[i]
            for (i,) in conn.execute(
                select(AuditEntry.incident_id)
                .where(AuditEntry.field == "hold_reason", AuditEntry.new_value == "awaiting_caller")
                .distinct()
            )
        }

    pong = _report(desk, "ping-pong")
    assert pong["incidents_returning"] == len(returning), _differ(returning, d_returning)
    front = _report(desk, "push-to-front")
    assert front["first_line_only"] == len(first_line_only), _differ(first_line_only, d_first)
    wait = _report(desk, "wait-user")
    assert wait["incidents_waiting"] == len(waited), _differ(waited, d_waited)
    assert _report(desk, "down-a-line")["incidents_down"] == len(down)
    assert returning and first_line_only and waited  # the slice has each case
