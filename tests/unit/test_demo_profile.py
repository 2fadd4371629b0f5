"""The demo profile: catalogue sanity, generator consistency, distributions against PROFILE."""

from __future__ import annotations

import importlib.util
import json
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.demo import profile as dp
from app.demo.profile import (
    AGENTS,
    CALLERS,
    CATEGORIES,
    CHANNELS,
    ESCALATION_GROUPS,
    GROUPS,
    HOLD_REASONS,
    KNOWN_ERRORS,
    OPEN_STATES,
    PROFILE,
    RESOLUTION_CODES,
    SERVICES,
    STATES,
    DemoIncident,
    generate,
    priority_of,
)

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
N = 20_000
DEMO: dict[str, Any] = PROFILE["demo"]
LINE = {g.name: g.line for g in GROUPS}
DEFAULT_GROUP = {(c.category, c.subcategory): c.default_group for c in CATEGORIES}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> list[DemoIncident]:
    return list(generate(N, seed=7, now=NOW))


def _tol(p: float, n: int) -> float:
    """Four standard errors of a share, at least half a point."""
    return max(0.005, 4 * math.sqrt(max(p * (1 - p), 1e-4) / n))


def _assert_shares(observed: Counter[Any], expected: dict[Any, float], n: int) -> None:
    for key, p in expected.items():
        got = observed.get(key, 0) / n
        assert abs(got - p) <= _tol(p, n), f"{key}: {got:.4f} vs {p:.4f}"


def _age(r: DemoIncident) -> timedelta:
    return NOW - r.opened_at


# --- catalogue -----------------------------------------------------------------------------------


def test_groups_lines_and_supervisors() -> None:
    assert [g.name for g in GROUPS] == [
        "Service Desk", "Desktop Support", "Messaging", "Network", "Infrastructure", "Database",
        "Identity & Access", "Applications", "ERP Support", "Security Operations",
    ]
    assert {g.name: g.line for g in GROUPS}["ERP Support"] == 3
    by_user = {a.username: a for a in AGENTS}
    for g in GROUPS:
        sup = by_user[g.supervisor]
        assert (sup.role, sup.group) == ("supervisor", g.name)
        workers = [a for a in AGENTS if a.group == g.name and a.role in ("agent", "specialist")]
        assert workers, g.name
        assert {a.role for a in workers} == {"agent" if g.line == 1 else "specialist"}


def test_agents_include_the_scenario_people() -> None:
    assert 35 <= len(AGENTS) <= 45
    usernames = [a.username for a in AGENTS]
    assert len(set(usernames)) == len(usernames)
    assert all(u == u.lower() and "." in u and " " not in u for u in usernames)
    by_first = {a.full_name.split()[0]: a for a in AGENTS}
    assert (by_first["Ana"].role, by_first["Ana"].group) == ("agent", "Service Desk")
    assert (by_first["Ben"].role, by_first["Ben"].group) == ("specialist", "Network")
    assert (by_first["Carla"].role, by_first["Carla"].group) == ("supervisor", "Service Desk")
    assert by_first["Dev"].role == "admin"
    assert by_first["Ana"].username == "ana.garcia"
    assert sum(a.role == "admin" for a in AGENTS) == 2


def test_callers() -> None:
    assert len(CALLERS) == 2000
    assert len({c.name for c in CALLERS}) == 2000
    assert len({c.email for c in CALLERS}) == 2000
    assert CALLERS[0] == dp.Caller("John Smith", "Finance", "john.smith@example.com")
    departments = {"Finance", "HR", "Sales", "Engineering", "Legal", "Marketing", "Operations",
                   "Logistics", "IT", "Facilities"}
    assert {c.department for c in CALLERS} == departments
    assert all(c.email.endswith("@example.com") and c.email == c.email.lower() for c in CALLERS)


def test_categories_services_known_errors() -> None:
    groups = {g.name for g in GROUPS}
    assert len(CATEGORIES) >= 30
    assert len({(c.category, c.subcategory) for c in CATEGORIES}) == len(CATEGORIES)
    assert {c.category for c in CATEGORIES} == {"Hardware", "Software", "Network", "Access",
                                                 "Database", "Infrastructure", "Security"}
    assert DEFAULT_GROUP[("Software", "Email")] == "Messaging"
    assert DEFAULT_GROUP[("Infrastructure", "Disk space")] == "Infrastructure"
    assert all(c.default_group in groups for c in CATEGORIES)
    for key, target in ESCALATION_GROUPS.items():
        assert LINE[target] > LINE[DEFAULT_GROUP[key]], key
    assert ESCALATION_GROUPS[("Network", "VPN")] == "Network"
    assert 20 <= len(SERVICES) <= 30
    assert all(s.group in groups for s in SERVICES)
    assert len(KNOWN_ERRORS) >= 15
    cats = set(DEFAULT_GROUP)
    for ke in KNOWN_ERRORS:
        assert (ke.category, ke.subcategory) in cats
        assert ke.symptom and len(ke.workaround) > 40
    outlook = next(k for k in KNOWN_ERRORS if k.title == "Outlook 365 shared calendar crash")
    assert (outlook.category, outlook.subcategory) == ("Software", "Email")


def test_text_catalogue_is_rich_enough() -> None:
    for sub in dp._SUBS:
        assert len(sub.issues) + len(sub.alerts) >= 4, sub.subcategory
        assert len(sub.fixes) == len(sub.issues) and len(sub.alert_fixes) == len(sub.alerts)
        if sub.monitored:
            assert sub.alerts, sub.subcategory
    titles = {(s.category, s.subcategory, i[0]) for s in dp._SUBS for i in s.issues + s.alerts}
    assert set(dp._KNOWN_BY_ISSUE) <= titles


def test_priority_matrix() -> None:
    assert [priority_of(i, u) for i in (1, 2, 3) for u in (1, 2, 3)] == [1, 2, 3, 2, 3, 4,
                                                                         3, 4, 5]


def test_profile_is_json_ready_and_attributed() -> None:
    json.dumps(PROFILE)
    assert PROFILE["attribution"].count("CC BY 4.0") == 2
    assert "10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee" in PROFILE["attribution"]
    assert set(PROFILE) == {"attribution", "servicenow", "bpi2013", "demo"}
    assert math.isclose(sum(DEMO["priority"].values()), 1.0)
    assert math.isclose(sum(DEMO["channel"].values()), 1.0)
    assert set(DEMO["channel"]) == set(CHANNELS)


# --- generator: shape and consistency -----------------------------------------------------------


def test_deterministic_with_a_seed() -> None:
    a = list(generate(500, seed=3, now=NOW))
    b = list(generate(500, seed=3, now=NOW))
    c = list(generate(500, seed=4, now=NOW))
    assert a == b
    assert a != c


def test_arguments() -> None:
    assert list(generate(0, now=NOW)) == []
    with pytest.raises(ValueError):
        list(generate(5, now=datetime(2025, 1, 1)))  # naive
    with pytest.raises(ValueError):
        list(generate(5, now=NOW, open_share=1.5))


def test_sequence_and_times(rows: list[DemoIncident]) -> None:
    assert [r.seq for r in rows] == list(range(1, N + 1))
    opened = [r.opened_at for r in rows]
    assert opened == sorted(opened)
    assert all(o.tzinfo is not None and o.utcoffset() == timedelta(0) for o in opened)
    assert opened[0] >= NOW - timedelta(days=365)
    assert opened[-1] <= NOW


def test_rows_are_consistent(rows: list[DemoIncident]) -> None:
    for r in rows:
        assert r.channel in CHANNELS and r.state in STATES
        assert 0 <= r.caller_index < len(CALLERS)
        assert r.service_index is not None and 0 <= r.service_index < len(SERVICES)
        assert 1 <= r.impact <= 3 and 1 <= r.urgency <= 3
        default = DEFAULT_GROUP[(r.category, r.subcategory)]
        if r.escalated:
            assert r.group == ESCALATION_GROUPS[(r.category, r.subcategory)]
            assert LINE[r.group] > LINE[default]
            assert r.reassignment_count >= 1
        else:
            assert r.group == default
        if r.assignee_index is not None:
            agent = AGENTS[r.assignee_index]
            assert agent.group == r.group, r
            assert agent.role in ("agent", "specialist")
        if r.major:
            assert (r.impact, r.urgency) == (1, 1)
        assert (r.hold_reason is not None) == (r.state == "on_hold")
        if r.hold_reason is not None:
            assert r.hold_reason in HOLD_REASONS
        if r.state in OPEN_STATES:
            assert r.resolved_at is None and r.closed_at is None
            assert r.resolution_code is None and r.resolution_notes is None
            if r.state == "new":
                assert r.assignee_index is None
            else:
                assert r.assignee_index is not None
        elif r.state in ("resolved", "closed"):
            assert r.resolution_code in RESOLUTION_CODES
            assert r.resolution_notes
            assert r.resolved_at is not None and r.opened_at <= r.resolved_at <= NOW
            assert r.assignee_index is not None
            if r.state == "closed":
                assert r.closed_at is not None and r.resolved_at <= r.closed_at <= NOW
            else:
                assert r.closed_at is None
        else:  # cancelled
            assert r.resolved_at is None and r.resolution_code is None
            assert r.resolution_notes and r.resolution_notes.startswith("Cancelled")
            assert r.closed_at is not None and r.opened_at <= r.closed_at <= NOW


def test_texts_are_filled_and_varied(rows: list[DemoIncident]) -> None:
    for r in rows:
        assert r.title.strip() and r.description.strip()
        for text in (r.title, r.description, r.resolution_notes or ""):
            assert "{" not in text and "}" not in text, text
        assert 1 <= r.description.count(". ") + 1 <= 6
    assert len({r.title for r in rows}) > 1000
    assert len({r.description for r in rows}) > 8000
    per_sub = Counter((r.category, r.subcategory) for r in rows)
    titles_per_sub: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        titles_per_sub.setdefault((r.category, r.subcategory), set()).add(r.title)
    for key, count in per_sub.items():
        if count >= 100:
            assert len(titles_per_sub[key]) >= 4, key
    scenario = [r for r in rows if r.title.startswith("Outlook crashes when opening shared")]
    assert scenario and all(r.subcategory == "Email" for r in scenario)
    assert any(r.resolution_code == "known_error"
               and "Outlook 365 shared calendar crash" in (r.resolution_notes or "")
               for r in scenario)


def test_monitoring_rows_read_like_alerts(rows: list[DemoIncident]) -> None:
    alerts = [r for r in rows if r.channel == "monitoring"]
    assert alerts
    monitored = {(s.category, s.subcategory) for s in dp._SUBS if s.monitored}
    assert {(r.category, r.subcategory) for r in alerts} <= monitored
    alert_titles = {i[0].split("{")[0] for s in dp._SUBS for i in s.alerts}
    assert all(any(r.title.startswith(t) for t in alert_titles) for r in alerts)


# --- generator: distributions -------------------------------------------------------------------


def test_priority_shares(rows: list[DemoIncident]) -> None:
    observed = Counter(priority_of(r.impact, r.urgency) for r in rows)
    _assert_shares(observed, DEMO["priority"], N)
    # and the demo target itself follows the ServiceNow log (whose matrix maps 3x3 to P4)
    sn = PROFILE["servicenow"]["priority"]
    assert abs(DEMO["priority"][3] - sn["3"]) < 0.01
    assert abs(DEMO["priority"][4] + DEMO["priority"][5] - sn["4"]) < 0.01
    assert abs(DEMO["priority"][1] - sn["1"]) < 0.005


def test_impact_urgency_follow_servicenow(rows: list[DemoIncident]) -> None:
    sn = PROFILE["servicenow"]
    _assert_shares(Counter(r.impact for r in rows), {int(k): v for k, v in sn["impact"].items()},
                   N)
    _assert_shares(Counter(r.urgency for r in rows),
                   {int(k): v for k, v in sn["urgency"].items()}, N)


def test_channel_shares(rows: list[DemoIncident]) -> None:
    _assert_shares(Counter(r.channel for r in rows), DEMO["channel"], N)


def test_subcategory_shares_follow_the_measured_skew(rows: list[DemoIncident]) -> None:
    expected = {tuple(k.split(" > ")): v for k, v in DEMO["subcategory_weight"].items()}
    _assert_shares(Counter((r.category, r.subcategory) for r in rows), expected, N)
    top = sorted(expected.values(), reverse=True)
    assert math.isclose(top[0], PROFILE["servicenow"]["category"]["top1"], rel_tol=0.01)


def test_old_incidents_are_closed(rows: list[DemoIncident]) -> None:
    old = [r for r in rows if _age(r) > timedelta(days=120)]
    assert len(old) > N / 2
    states = Counter(r.state for r in old)
    n = len(old)
    assert abs(states["cancelled"] / n - DEMO["cancelled_share"]) <= _tol(0.01, n)
    # ServiceNow: every incident of the sample ended Closed; BPI: 99.9% completed.
    assert states["closed"] / n >= 0.97
    assert sum(states[s] for s in OPEN_STATES) / n <= 0.02
    assert states["resolved"] / n <= 0.01


def test_recent_incidents_are_mostly_open(rows: list[DemoIncident]) -> None:
    open_all = sum(r.state in OPEN_STATES for r in rows) / N
    assert 0.01 <= open_all <= 0.06  # a few percent of a year of history
    recent = [r for r in rows if _age(r) < timedelta(days=2)]
    assert sum(r.state in OPEN_STATES for r in recent) / len(recent) > 0.5
    fortnight = [r for r in rows if _age(r) < timedelta(days=14)]
    assert sum(r.state != "closed" for r in fortnight) / len(fortnight) > 0.6
    opened = [r for r in rows if r.state in OPEN_STATES]
    _assert_shares(Counter(r.state for r in opened), DEMO["open_state"], len(opened))
    hold = [r for r in opened if r.state == "on_hold"]
    assert Counter(r.hold_reason for r in hold).most_common(1)[0][0] == "awaiting_caller"


def test_hours_to_resolve_follow_servicenow(rows: list[DemoIncident]) -> None:
    old = [r for r in rows if _age(r) > timedelta(days=200) and r.resolved_at is not None]
    by_priority: dict[int, list[float]] = {}
    for r in old:
        assert r.resolved_at is not None
        hours = (r.resolved_at - r.opened_at).total_seconds() / 3600
        by_priority.setdefault(priority_of(r.impact, r.urgency), []).append(hours)
    measured = PROFILE["servicenow"]["hours_to_resolve"]
    p3 = sorted(by_priority[3])
    for q, key in ((0.25, "p25"), (0.5, "p50"), (0.75, "p75")):
        got = p3[int(q * len(p3))]
        assert got == pytest.approx(measured["3"][key], rel=0.15), key
    assert statistics.median(by_priority[4] + by_priority[5]) == pytest.approx(
        measured["4"]["p50"], rel=0.3)
    closes = sorted((r.closed_at - r.resolved_at).total_seconds() / 3600
                    for r in old if r.closed_at is not None and r.resolved_at is not None)
    assert closes[len(closes) // 2] == pytest.approx(
        PROFILE["servicenow"]["hours_resolved_to_closed"]["p50"], rel=0.05)


def test_support_lines_follow_bpi(rows: list[DemoIncident]) -> None:
    line1 = sum(LINE[r.group] == 1 for r in rows) / N
    assert abs(line1 - PROFILE["bpi2013"]["l1_only_share"]) <= _tol(0.6, N)
    assert abs(sum(r.escalated for r in rows) / N - DEMO["escalated_share"]) <= _tol(0.2, N)


def test_reassignment_and_reopen_follow_servicenow(rows: list[DemoIncident]) -> None:
    done = [r for r in rows if r.state in ("resolved", "closed")]
    n = len(done)
    sn = PROFILE["servicenow"]
    zero = sum(r.reassignment_count == 0 for r in done) / n
    assert abs(zero - sn["reassignment_count"]["0"]) <= 0.02
    mean = sum(r.reassignment_count for r in done) / n
    assert mean == pytest.approx(sn["reassignment_mean"], rel=0.1)
    reopened = sum(r.reopen_count > 0 for r in done) / n
    assert abs(reopened - (1 - sn["reopen_count"]["0"])) <= 0.005


def test_office_hour_and_weekday_peaks(rows: list[DemoIncident]) -> None:
    office = sum(r.opened_at.weekday() < 5 and 8 <= r.opened_at.hour < 17 for r in rows) / N
    assert office > 0.7
    weekend = sum(r.opened_at.weekday() >= 5 for r in rows) / N
    assert weekend < 0.08


def test_callers_are_skewed_but_broad(rows: list[DemoIncident]) -> None:
    calls = Counter(r.caller_index for r in rows)
    assert len(calls) > 1800
    assert calls.most_common(1)[0][1] / N < 0.02


# --- open share for demo queues -----------------------------------------------------------------


def _open(rows: Sequence[DemoIncident]) -> list[DemoIncident]:
    return [r for r in rows if r.state in OPEN_STATES]


def test_small_demo_queue_has_dozens_open() -> None:
    small = list(generate(300, seed=1, now=NOW))
    assert 36 <= len(_open(small)) <= 100


def test_open_share_override() -> None:
    rows = list(generate(2000, seed=2, now=NOW, open_share=0.25))
    opened = _open(rows)
    assert abs(len(opened) / 2000 - 0.25) < 0.05
    # still the recent ones: open incidents are younger than closed ones
    closed = [r for r in rows if r.state == "closed"]
    assert statistics.median(_age(r) for r in opened) < statistics.median(
        _age(r) for r in closed)
    assert _open(list(generate(2000, seed=2, now=NOW, open_share=0.0))) == []
    few = _open(list(generate(20_000, seed=2, now=NOW, open_share=0.01)))
    assert abs(len(few) / 20_000 - 0.01) < 0.004


def test_short_span() -> None:
    rows = list(generate(500, seed=5, now=NOW, span_days=7))
    assert all(NOW - timedelta(days=7) <= r.opened_at <= NOW for r in rows)
    assert len(_open(rows)) > 100  # a week of history is mostly still being worked


# --- provenance -----------------------------------------------------------------------------------


def _load_analysis() -> Any:
    path = ROOT / "tools" / "analyse_logs.py"
    spec = importlib.util.spec_from_file_location("analyse_logs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_figures_are_the_logs_figures() -> None:
    """data/measured.json is what tools/analyse_logs.py measures, nothing edited by hand."""
    analysis = _load_analysis()
    data = Path(analysis.DEFAULT_DATA)
    figures = json.loads(analysis.as_json(analysis.analyse(data)))
    shipped = json.loads((ROOT / "app" / "demo" / "data" / "measured.json").read_text("utf-8"))
    assert analysis.differences(figures, shipped) == []
    assert PROFILE["servicenow"] == figures["servicenow"]
    assert PROFILE["bpi2013"] == figures["bpi2013"]


def test_the_check_names_what_differs(tmp_path: Path) -> None:
    analysis = _load_analysis()
    found = analysis.differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3, "d": 4}})
    assert found == ["a.c: 2 measured, 3 in the file", "a.d: only in the file"]


def test_the_generator_reads_the_measured_figures() -> None:
    sn = PROFILE["servicenow"]
    assert dp._SN_HOURS_TO_RESOLVE["3"][4] == sn["hours_to_resolve"]["3"]["p50"]
    assert tuple(sn["category"]["rank_shares"]) == dp._SN_CATEGORY_RANKS
    assert PROFILE["bpi2013"]["l1_only_share"] == dp._BPI_L1_ONLY
