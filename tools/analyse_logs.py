"""Measure the two real incident logs: the figures the demo data is drawn from.

This script writes ``app/demo/data/measured.json``, the file ``app/demo/profile.py`` reads its
measured figures from (``PROFILE["servicenow"]``, ``PROFILE["bpi2013"]``): every number there
comes from here. It reads the logs with ``csv`` + ``gzip`` only (no third-party packages)::

    .venv/bin/python tools/analyse_logs.py             # JSON on stdout
    .venv/bin/python tools/analyse_logs.py --check     # compare with the shipped file
    .venv/bin/python tools/analyse_logs.py --write     # (re)write the shipped file
    .venv/bin/python tools/analyse_logs.py --data DIR  # logs somewhere else

The logs are looked for in ``INCIDENTDESK_EVENT_LOGS`` when set, else in ``tests/data/event_logs``
(shipped with the repository, with their attribution).

Method, per log:

* ServiceNow (UCI dataset 498, 10% sample): one row per update of an incident. Per-incident
  figures use the LAST row of each ``number`` (rows of an incident are contiguous; the last row is
  the one with the highest ``sys_mod_count``). Time-in-state shares walk all rows of an incident,
  ordered by ``sys_updated_at`` then ``sys_mod_count``, and give each row's state the time until
  the next row; this is the chance that an incident that is still open is, at a random moment, in
  that state (what a snapshot of a live queue shows).
* BPI Challenge 2013 (Volvo IT, VINST): one row per status change of a service request (SR).
  "L1 only" (push to front) = every row of the SR is at ST Level L1; "ping-pong" = the sequence of
  teams (``Involved ST``, consecutive repeats collapsed) returns to a team it had left
  (A -> B -> A); "first contact" = the SR ended in Completed / In Call.

Sources (CC BY 4.0, keep the attribution wherever the data or figures derived from it ship):

* Amaral, C. A. L., Fantinato, M., Peres, S. M. (2018), "Attribute Selection with Filter and
  Wrapper: An Application on Incident Management Process", FedCSIS. UCI Machine Learning
  Repository, dataset 498, CC BY 4.0.
* Steeman, W. (2013), BPI Challenge 2013, incidents. 4TU.ResearchData,
  doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee, CC BY 4.0.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENT_LOGS = ROOT / "tests" / "data" / "event_logs"  # the two real logs, with their attribution
DEFAULT_DATA = Path(os.environ.get("INCIDENTDESK_EVENT_LOGS") or EVENT_LOGS)
MEASURED = ROOT / "app" / "demo" / "data" / "measured.json"
ATTRIBUTION = (
    "ServiceNow incident event log: Amaral, C. A. L., Fantinato, M., Peres, S. M. (2018), "
    "'Attribute Selection with Filter and Wrapper: An Application on Incident Management "
    "Process', FedCSIS; UCI Machine Learning Repository dataset 498, CC BY 4.0. "
    "BPI Challenge 2013 incidents: Steeman, W. (2013), 4TU.ResearchData, "
    "doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee, CC BY 4.0."
)
SERVICENOW_SOURCE = ("UCI dataset 498, 10% sample, last row of each incident; CC BY 4.0 (Amaral, "
                     "Fantinato, Peres 2018)")
BPI_SOURCE = ("BPI Challenge 2013 incidents, Volvo IT Belgium, per SR; CC BY 4.0 (Steeman 2013, "
              "doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee)")
SERVICENOW_FILE = "servicenow_incident_event_log_sample.csv.gz"
BPI_FILE = "bpi2013_volvo_incidents.csv.gz"
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
OPEN_STATES_SN = ("New", "Active", "Awaiting User Info", "Awaiting Vendor", "Awaiting Problem",
                  "Awaiting Evidence")


def _round(x: float, nd: int = 4) -> float:
    return round(x, nd)


def shares(counter: Mapping[str, int], nd: int = 4) -> dict[str, float]:
    """Counts -> shares, biggest first."""
    total = sum(counter.values())
    return {k: _round(v / total, nd) for k, v in sorted(counter.items(), key=lambda kv: -kv[1])}


def int_shares(counter: Mapping[int, int], nd: int = 5) -> dict[str, float]:
    total = sum(counter.values())
    return {str(k): _round(counter[k] / total, nd) for k in sorted(counter)}


def quantiles(values: Sequence[float], qs: Iterable[float] = QUANTILES) -> dict[str, float]:
    """Linear-interpolated quantiles (like numpy's default) of ``values``; keys 'p50' etc."""
    data = sorted(values)
    out: dict[str, float] = {"n": float(len(data))}
    if not data:
        return out
    out["min"] = _round(data[0], 3)
    for q in qs:
        pos = q * (len(data) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(data) - 1)
        val = data[lo] + (data[hi] - data[lo]) * (pos - lo)
        out[f"p{round(q * 100)}"] = _round(val, 3)
    out["max"] = _round(data[-1], 3)
    out["mean"] = _round(sum(data) / len(data), 3)
    return out


def skew(counter: Mapping[str, int], tops: Sequence[int] = (1, 5, 10, 20)) -> dict[str, Any]:
    """How concentrated an anonymised dimension is: distinct values and share of the top N."""
    total = sum(counter.values())
    ranked = sorted(counter.values(), reverse=True)
    out: dict[str, Any] = {"distinct": len(ranked)}
    for t in tops:
        out[f"top{t}"] = _round(sum(ranked[:t]) / total)
    out["rank_shares"] = [_round(v / total, 5) for v in ranked[:40]]
    return out


def _read(path: Path) -> list[dict[str, str]]:
    # utf-8-sig strips the byte-order mark the BPI file starts with (harmless for the other).
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sn_time(value: str) -> datetime | None:
    return None if value in ("?", "") else datetime.strptime(value, "%d/%m/%Y %H:%M")


def _level(value: str) -> int:
    """'2 - Medium' -> 2."""
    return int(value.split(" ", 1)[0])


def analyse_servicenow(path: Path) -> dict[str, Any]:
    rows = _read(path)
    by_incident: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_incident[row["number"]].append(row)
    last = [v[-1] for v in by_incident.values()]
    n = len(last)

    def count(col: str) -> Counter[str]:
        return Counter(r[col] for r in last)

    priority = Counter(str(_level(r["priority"])) for r in last)
    impact = Counter(str(_level(r["impact"])) for r in last)
    urgency = Counter(str(_level(r["urgency"])) for r in last)
    joint = Counter(f"{_level(r['impact'])}x{_level(r['urgency'])}" for r in last)
    matrix = {f"{_level(r['impact'])}x{_level(r['urgency'])}": _level(r["priority"]) for r in last}

    hours_by_priority: dict[str, list[float]] = defaultdict(list)
    res_to_close: list[float] = []
    for r in last:
        opened, resolved, closed = (_sn_time(r[c]) for c in ("opened_at", "resolved_at",
                                                              "closed_at"))
        if opened is None or resolved is None:
            continue
        h = max(0.0, (resolved - opened).total_seconds() / 3600)
        prio = str(_level(r["priority"]))
        hours_by_priority[prio].append(h)
        hours_by_priority["all"].append(h)
        if prio in ("1", "2"):  # P1 alone has 27 incidents: also give the pooled curve
            hours_by_priority["1-2"].append(h)
        if closed is not None:
            res_to_close.append((closed - resolved).total_seconds() / 3600)

    made_sla_by_priority = {}
    for p in sorted(priority):
        sub = [r for r in last if str(_level(r["priority"])) == p]
        made_sla_by_priority[p] = _round(sum(r["made_sla"] == "true" for r in sub) / len(sub))

    # Time-weighted state shares while open, and paths.
    state_minutes: Counter[str] = Counter()
    ever_hold = 0
    new_to_resolved = 0
    for v in by_incident.values():
        ordered = sorted(v, key=lambda r: (_sn_time(r["sys_updated_at"]) or datetime.min,
                                           int(r["sys_mod_count"])))
        states = [r["incident_state"] for r in ordered]
        if any(s.startswith("Awaiting") for s in states):
            ever_hold += 1
        path_states = [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]
        if path_states[:2] == ["New", "Resolved"] or path_states[0] == "Resolved":
            new_to_resolved += 1
        for cur, nxt in pairwise(ordered):
            t0, t1 = _sn_time(cur["sys_updated_at"]), _sn_time(nxt["sys_updated_at"])
            if t0 is None or t1 is None or cur["incident_state"] not in OPEN_STATES_SN:
                continue
            state_minutes[cur["incident_state"]] += max(0, int((t1 - t0).total_seconds() // 60))

    opened_hours = Counter(_sn_time(r["opened_at"]).hour for r in last)  # type: ignore[union-attr]
    opened_at = [_sn_time(r["opened_at"]) for r in last]
    opened_days = sorted({t.date() for t in opened_at if t is not None})
    # The sample spans nine days; the last one is cut short. Weekday figures are incidents per
    # calendar date of that weekday, over the complete dates only.
    per_weekday: Counter[int] = Counter()
    dates_per_weekday: Counter[int] = Counter(d.weekday() for d in opened_days[:-1])
    for t in opened_at:
        if t is not None and t.date() != opened_days[-1]:
            per_weekday[t.weekday()] += 1
    rate = [per_weekday[d] / dates_per_weekday[d] if dates_per_weekday[d] else 0.0
            for d in range(7)]
    codes = count("closed_code")
    codes.pop("?", None)

    return {
        "source": SERVICENOW_SOURCE,
        "rows": len(rows),
        "incidents": n,
        "opened_between": [str(opened_days[0]), str(opened_days[-1])],
        "final_state": shares(count("incident_state")),
        "row_states": shares(Counter(r["incident_state"] for r in rows)),
        "priority": shares(priority),
        "impact": shares(impact),
        "urgency": shares(urgency),
        "impact_x_urgency": shares(joint),
        "matrix_seen": dict(sorted(matrix.items())),
        "contact_type": shares(count("contact_type")),
        "reassignment_count": int_shares(Counter(int(r["reassignment_count"]) for r in last)),
        "reassignment_mean": _round(sum(int(r["reassignment_count"]) for r in last) / n, 3),
        "reopen_count": int_shares(Counter(int(r["reopen_count"]) for r in last)),
        "problem_id_share": _round(sum(r["problem_id"] != "?" for r in last) / n),
        "rfc_share": _round(sum(r["rfc"] != "?" for r in last) / n),
        "made_sla_share": _round(sum(r["made_sla"] == "true" for r in last) / n),
        "made_sla_by_priority": made_sla_by_priority,
        "knowledge_share": _round(sum(r["knowledge"] == "true" for r in last) / n),
        "unassigned_at_close_share": _round(sum(r["assigned_to"] == "?" for r in last) / n),
        "closed_code_rank_shares": list(shares(codes).values()),
        "hours_to_resolve": {k: quantiles(v) for k, v in sorted(hours_by_priority.items())},
        "hours_resolved_to_closed": quantiles(res_to_close),
        "open_time_in_state": shares(state_minutes),
        "ever_on_hold_share": _round(ever_hold / n),
        "resolved_without_work_share": _round(new_to_resolved / n),
        "opened_hour_share": [_round(opened_hours[h] / n) for h in range(24)],
        "opened_weekday_share": [_round(r / sum(rate)) for r in rate],
        "category": skew(count("category")),
        "subcategory": skew(count("subcategory")),
        "assignment_group": skew(Counter(r["assignment_group"] for r in last
                                         if r["assignment_group"] != "?")),
        "caller": skew(count("caller_id")),
    }


def analyse_bpi(path: Path) -> dict[str, Any]:
    rows = _read(path)
    by_sr: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_sr[row["SR Number"]].append(row)
    n = len(by_sr)
    l1_only = reached_l2 = reached_l3 = ended_l1 = 0
    pingpong_team = pingpong_level = wait_user = wait_any = 0
    distinct_teams: Counter[int] = Counter()
    final: Counter[str] = Counter()
    impact: Counter[str] = Counter()
    hours_by_impact: dict[str, list[float]] = defaultdict(list)
    wait_minutes: Counter[str] = Counter()
    open_minutes: Counter[str] = Counter()
    weekday: Counter[int] = Counter()
    hour: Counter[int] = Counter()
    for events in by_sr.values():
        times = [datetime.fromisoformat(r["Change Date+Time"]) for r in events]
        order = sorted(range(len(events)), key=lambda i: times[i])
        events = [events[i] for i in order]
        times = [times[i] for i in order]
        levels = [r["ST Level"] for r in events]
        if set(levels) == {"L1"}:
            l1_only += 1
        reached_l2 += any("L2" in lv for lv in levels)
        reached_l3 += any("L3" in lv for lv in levels)
        ended_l1 += levels[-1] == "L1"
        teams = [r["Involved ST"] for r in events]
        seq = [t for i, t in enumerate(teams) if i == 0 or teams[i - 1] != t]
        pingpong_team += len(seq) != len(set(seq))
        lseq = [lv for i, lv in enumerate(levels) if i == 0 or levels[i - 1] != lv]
        pingpong_level += len(lseq) != len(set(lseq))
        distinct_teams[len(set(seq))] += 1
        subs = [r["Sub Status"] for r in events]
        wait_user += "Wait - User" in subs
        wait_any += any(s.startswith("Wait") for s in subs)
        last = events[-1]
        final[f"{last['Status']} / {last['Sub Status']}"] += 1
        impact[last["SR Latest Impact"]] += 1
        hours_by_impact[last["SR Latest Impact"]].append(
            (times[-1] - times[0]).total_seconds() / 3600)
        for cur, (t0, t1) in zip(events, pairwise(times), strict=False):
            minutes = int((t1 - t0).total_seconds() // 60)
            if cur["Status"] != "Completed":
                open_minutes[cur["Sub Status"]] += minutes
            if cur["Sub Status"].startswith("Wait"):
                wait_minutes[cur["Sub Status"]] += minutes
        weekday[times[0].weekday()] += 1
        hour[times[0].hour] += 1
    completed = sum(v for k, v in final.items() if k.startswith("Completed"))
    return {
        "source": BPI_SOURCE,
        "rows": len(rows),
        "incidents": n,
        "utc_offsets": sorted({r["Change Date+Time"][19:] for r in rows}),
        "final_status": shares(final),
        "completed_share": _round(completed / n),
        "first_contact_share": _round(final["Completed / In Call"] / n),
        "impact": shares(impact),
        "l1_only_share": _round(l1_only / n),
        "ended_at_l1_share": _round(ended_l1 / n),
        "reached_l2_share": _round(reached_l2 / n),
        "reached_l3_share": _round(reached_l3 / n),
        "pingpong_team_share": _round(pingpong_team / n),
        "pingpong_level_share": _round(pingpong_level / n),
        "distinct_teams": int_shares(distinct_teams),
        "wait_user_share": _round(wait_user / n),
        "wait_any_share": _round(wait_any / n),
        "wait_time_share": shares(wait_minutes),
        "open_time_in_substatus": shares(open_minutes),
        "hours_first_to_last_event": {k: quantiles(v) for k, v in sorted(hours_by_impact.items())},
        "opened_weekday_share": [_round(weekday[d] / n) for d in range(7)],
        "opened_hour_share": [_round(hour[h] / n) for h in range(24)],
        "team": skew(Counter(r["Involved ST"] for r in rows)),
        "team_per_sr": skew(Counter(t for v in by_sr.values()
                                    for t in {r["Involved ST"] for r in v})),
        "product": skew(Counter(v[-1]["Product"] for v in by_sr.values())),
        "country": skew(Counter(v[-1]["Country"].lower() for v in by_sr.values())),
    }


def analyse(data_dir: Path = DEFAULT_DATA) -> dict[str, Any]:
    """Both logs' figures as one JSON-ready dict (what ``measured.json`` holds)."""
    return {
        "attribution": ATTRIBUTION,
        "servicenow": analyse_servicenow(data_dir / SERVICENOW_FILE),
        "bpi2013": analyse_bpi(data_dir / BPI_FILE),
    }


def as_json(figures: Mapping[str, Any]) -> str:
    return json.dumps(figures, indent=1, ensure_ascii=False) + "\n"


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as 'path: a != b' lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append(f"{where}: only in {'the logs' if key in a else 'the file'}")
            else:
                out += differences(a[key], b[key], where)
        return out
    if a != b:
        return [f"{path}: {a!r} measured, {b!r} in the file"]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with both logs")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help=f"write {MEASURED.name}")
    what.add_argument("--check", action="store_true",
                      help=f"exit 1 when {MEASURED.name} differs from the logs")
    args = parser.parse_args(argv)
    figures = json.loads(as_json(analyse(args.data)))  # JSON types: keys are strings
    if args.write:
        MEASURED.write_text(as_json(figures), encoding="utf-8")
        print(f"wrote {MEASURED}", file=sys.stderr)
        return 0
    if args.check:
        found = differences(figures, json.loads(MEASURED.read_text(encoding="utf-8")))
        for line in found:
            print(line, file=sys.stderr)
        print(f"{MEASURED.name}: {'differs' if found else 'matches the logs'}", file=sys.stderr)
        return 1 if found else 0
    sys.stdout.write(as_json(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
