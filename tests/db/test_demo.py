"""Demo data: the bulk loader against the services' own rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.demo import loader as demo
from app.demo import profile
from app.domain.calendar import BusinessCalendar, from_epoch, to_epoch
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.domain.sla import Pause, SlaTarget, default_policy
from app.models import NO_DUE, Agent, AuditEntry, Incident, JournalEntry, SlaPause
from app.services import queries
from app.services.context import Desk
from app.services.incidents import apply_sla as _apply_sla
from app.services.policies import policy_book
from app.services.sla_fields import sla_fields

NOW = datetime(2026, 3, 4, 10, 17, 23, tzinfo=UTC)
N = 500
SLA_COLUMNS = (
    "response_due",
    "resolution_due",
    "warn_at",
    "at_risk_at",
    "sla_paused",
    "sla_breached",
    "due_sort",
)


@pytest.fixture
def desk(engine) -> Desk:  # type: ignore[no-untyped-def]
    from app.services.defaults import ensure_defaults

    d = Desk(engine, clock=lambda: NOW)
    ensure_defaults(d)
    return d


@pytest.fixture
def loaded(desk: Desk) -> demo.DemoSummary:
    return demo.load_demo(desk, N, seed=3)


def _incidents(desk: Desk) -> list[Incident]:
    with Session(desk.engine) as s:
        return list(s.scalars(select(Incident).order_by(Incident.id)))


# -- on both engines ---------------------------------------------------------------------


def test_counts_numbers_and_open_share(desk: Desk, loaded: demo.DemoSummary) -> None:
    rows = _incidents(desk)
    assert len(rows) == N == loaded.incidents
    assert [r.number for r in rows] == [f"INC{i:07d}" for i in range(1, N + 1)]
    assert (loaded.first_number, loaded.last_number) == ("INC0000001", "INC0000500")
    open_ = [r for r in rows if r.active]
    assert len(open_) == loaded.open
    # the generator keeps at least 60 rows of a small demo open, the rest mostly closed
    assert 0.08 <= len(open_) / N <= 0.4
    for r in rows:
        assert r.active == State(r.state).active, r.number
        assert r.matrix_version == 1 and r.version == 1
        assert r.priority == profile.priority_of(r.impact, r.urgency)
        assert r.opened_at <= NOW
        if r.state in ("resolved", "closed"):
            assert r.resolution_code and r.resolved_at and r.resolved_at >= r.opened_at
        if r.state == "closed":
            assert r.closed_at and r.close_reason
        if r.state == "cancelled":
            assert r.cancel_reason and r.closed_at
        if r.state == "on_hold":
            assert r.hold_reason


def test_clocks_as_the_services_store_them(desk: Desk, loaded: demo.DemoSummary) -> None:
    """Every row's SLA fields equal what _apply_sla computes for it (same now)."""
    book = policy_book(desk)
    checked = Counter()
    with Session(desk.engine) as s:
        for inc in s.scalars(select(Incident).order_by(Incident.id)):
            stored = {c: getattr(inc, c) for c in SLA_COLUMNS}
            _apply_sla(s, inc, book, NOW)
            again = {c: getattr(inc, c) for c in SLA_COLUMNS}
            assert stored == again, inc.number
            checked[inc.state] += 1
        s.rollback()
    assert checked["on_hold"] and checked["in_progress"] and checked["closed"]


def test_open_incidents_have_consistent_due_sort(desk: Desk, loaded: demo.DemoSummary) -> None:
    with Session(desk.engine) as s:
        pauses = Counter(s.scalars(select(SlaPause.incident_id).where(SlaPause.ended_at.is_(None))))
        for inc in s.scalars(select(Incident)):
            if inc.state == "on_hold":
                assert inc.sla_paused and inc.due_sort == NO_DUE and inc.warn_at is None
                assert pauses[inc.id] == 1, inc.number
            elif inc.active:
                assert not inc.sla_paused
                assert inc.due_sort == inc.resolution_due != NO_DUE
                assert inc.warn_at is not None and inc.at_risk_at is not None
                assert inc.warn_at <= inc.at_risk_at <= max(inc.resolution_due, NOW)
                assert inc.sla_breached == (inc.resolution_due <= NOW)
            else:
                assert inc.due_sort == NO_DUE and inc.id not in pauses
            assert inc.response_due is not None and inc.response_due > inc.opened_at


def test_distributions_follow_the_profile(desk: Desk, loaded: demo.DemoSummary) -> None:
    rows = _incidents(desk)
    priorities = Counter(r.priority for r in rows)
    assert priorities.most_common(1)[0][0] == 3  # ServiceNow: 88% are P3
    states = Counter(r.state for r in rows)
    assert states["closed"] == max(states.values())
    channels = Counter(r.channel for r in rows)
    assert channels.most_common(1)[0][0] == "phone"
    assert len({r.caller_id for r in rows}) > 100
    assert len({r.group_id for r in rows}) >= 6
    assert sum(r.reassignment_count > 0 for r in rows) / N > 0.2


def test_history_and_search_documents(desk: Desk, loaded: demo.DemoSummary) -> None:
    with desk.read() as conn:
        created = conn.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.field == "created")
        ).scalar_one()
        journal = conn.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
        table = "incident_fts" if desk.dialect == "sqlite" else "incident_search"
        docs = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    assert created == N and journal >= N and docs == N
    assert loaded.timings["bulk_search"] == 1.0  # the search trigger is the one demo.py knows
    hits = queries.search(desk, "outlook calendar", 50)
    assert hits and all(h.kind == "incident" for h in hits)
    # the journal's text reached the search documents too (trigger after the bulk fill)
    assert queries.search(desk, "logged", 5)


def test_queue_page_is_priority_ordered(desk: Desk, loaded: demo.DemoSummary) -> None:
    page = queries.queue_page(desk, QueueFilter(), limit=200)
    assert len(page.rows) == min(200, loaded.open)
    keys = [
        (r.priority, r.resolution_due or NO_DUE if not r.sla_paused else NO_DUE, r.id)
        for r in page.rows
    ]
    assert keys == sorted(keys)
    assert all(r.state.active for r in page.rows)
    assert page.rows[0].priority == min(r.priority for r in _incidents(desk) if r.active)


def test_second_load_continues_and_reuses_the_catalogue(
    desk: Desk, loaded: demo.DemoSummary
) -> None:
    with desk.read() as conn:
        agents = conn.execute(select(func.count()).select_from(Agent)).scalar_one()
    again = demo.load_demo(desk, 40, seed=9)
    assert (again.first_number, again.last_number) == ("INC0000501", "INC0000540")
    assert (again.agents, again.callers, again.groups) == (0, 0, 0)
    with desk.read() as conn:
        assert conn.execute(select(func.count()).select_from(Agent)).scalar_one() == agents
        assert conn.execute(select(func.max(Incident.id))).scalar_one() == 540
    assert demo.ensure_demo(desk, 10) is None
    # a logged incident after the bulk load gets the next id (sequences moved on)
    from app.services.incidents import NewIncident, log_incident

    rec = log_incident(desk, desk.actor("ana.garcia"), NewIncident(title="After the demo"))
    assert rec.number == "INC0000541"


def test_demo_agents_sign_in_with_the_shared_password(desk: Desk, loaded: demo.DemoSummary) -> None:
    from app.services.users import authenticate

    assert authenticate(desk, "ana.garcia", demo.DEMO_PASSWORD).role.value == "agent"
    with desk.read() as conn:
        hashes = set(
            conn.execute(select(Agent.password_hash).where(Agent.username != "system")).scalars()
        )
    assert len(hashes) == 1  # hashed once


def test_the_sign_in_hint_names_demo_users_only_on_demo_data(
    desk: Desk, loaded: demo.DemoSummary
) -> None:
    from app.services import settings

    names = settings.demo_users(desk)
    assert "ana.garcia" in names
    for name in names:
        assert desk.actor(name).username == name
    empty = Desk(desk.engine)
    with empty.write() as s:
        s.execute(text("DELETE FROM settings"))
    assert settings.demo_users(empty) == []


def test_ensure_demo_on_an_empty_database(desk: Desk) -> None:
    first = demo.ensure_demo(desk, 30)
    assert first is not None and first.incidents == 30
    assert demo.ensure_demo(desk, 30) is None


def test_large_load_rebuilds_the_indexes(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    def index_names() -> set[str]:
        with desk.read() as conn:
            if desk.dialect == "sqlite":
                sql = (
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
                )
            else:
                sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'"
            return set(conn.execute(text(sql)).scalars())

    before = index_names()
    monkeypatch.setattr(demo._SecondaryIndexes, "MIN_ROWS", 100)
    summary = demo.load_demo(desk, 300, seed=5)
    assert summary.timings["index_s"] > 0
    assert index_names() == before
    page = queries.queue_page(desk, QueueFilter(), limit=50)
    assert page.rows


# -- pure: the fast SLA arithmetic equals the services' ---------------------------------


def _calendars() -> list[BusinessCalendar]:
    lunch = ((time(8), time(12)), (time(13), time(17, 30)))
    return [
        BusinessCalendar.office_hours("Office", "UTC"),
        BusinessCalendar.office_hours(
            "Berlin", "Europe/Berlin", holidays=[date(2026, 3, 27), date(2026, 4, 3)]
        ),
        BusinessCalendar(name="Lunch", tz="America/New_York", week=(lunch,) * 5 + ((), ())),
        BusinessCalendar.twenty_four_seven(),
    ]


@pytest.mark.parametrize("cal", _calendars(), ids=lambda c: c.name)
def test_business_clock_matches_the_calendar(cal: BusinessCalendar) -> None:
    rnd = random.Random(11)
    lo = to_epoch(datetime(2026, 2, 1, tzinfo=UTC))
    hi = to_epoch(datetime(2026, 5, 1, tzinfo=UTC))
    clock = demo._BusinessClock(cal, lo, hi)
    for _ in range(1500):
        t = rnd.randrange(lo - 86_400, hi + 86_400)
        s = rnd.choice([1, 60, 900, 3600, 4 * 3600, 9 * 3600, 2 * 86_400, 10 * 32_400])
        s += rnd.randrange(0, 100)
        assert clock.add(t, s) == to_epoch(cal.add_working_seconds(from_epoch(t), s)), (t, s)
        u = t + rnd.randrange(0, 20 * 86_400)
        assert clock.elapsed(t, u) == cal.working_seconds(from_epoch(t), from_epoch(u)), (t, u)
        if lo + 30 * 86_400 <= t < hi:  # back in business time: the calendar counts it again
            b = clock.back(t, s)
            assert b <= t and cal.working_seconds(from_epoch(b), from_epoch(t)) == min(
                s, cal.working_seconds(from_epoch(clock.lo), from_epoch(t))
            ), (t, s)


@pytest.mark.parametrize("cal", _calendars(), ids=lambda c: c.name)
def test_sla_shortcuts_match_the_clock_walk(cal: BusinessCalendar) -> None:
    """sla_fields without pauses, and _fast_sla, against the general (clock_status) path,
    which a zero-length pause before the start forces without changing any figure."""
    rnd = random.Random(5)
    policy = default_policy(cal)
    now = datetime(2026, 3, 30, 11, 5, 7, tzinfo=UTC)
    clock = demo._BusinessClock(cal, to_epoch(now) - 90 * 86_400, to_epoch(now) + 60 * 86_400)
    for _ in range(600):
        target: SlaTarget = policy.target_for(rnd.randint(1, 5))
        opened = now - timedelta(seconds=rnd.randrange(0, 40 * 86_400))
        state = rnd.choice(list(State))
        resolved = closed = None
        if not state.active:
            resolved = opened + timedelta(seconds=rnd.randrange(0, 30 * 86_400))
            resolved = min(resolved, now)
            if state is State.CANCELLED:
                closed, resolved = resolved, None
        nothing = Pause(opened - timedelta(days=1), opened - timedelta(days=1))
        kw = dict(
            state=state,
            target=target,
            calendar=cal,
            opened_at=opened,
            resolved_at=resolved,
            closed_at=closed,
            now=now,
        )
        if state is State.ON_HOLD:
            continue  # paused clocks always take the general path
        fast = sla_fields(pauses=(), **kw)  # type: ignore[arg-type]
        walk = sla_fields(pauses=(nothing,), **kw)  # type: ignore[arg-type]
        assert fast == walk, kw
        e = demo._fast_sla(
            clock,
            target,
            state.active,
            to_epoch(opened),
            to_epoch(resolved or closed) if (resolved or closed) else None,
            to_epoch(now),
        )
        as_dt = [None if v is None else from_epoch(v) for v in e[:4]]
        assert as_dt == [fast.response_due, fast.resolution_due, fast.warn_at, fast.at_risk_at]
        assert e[4] == fast.sla_breached and e[6] == fast.stage
        assert (NO_DUE if e[5] < 0 else from_epoch(e[5])) == fast.due_sort


def test_storage_text_matches_sqlalchemy() -> None:
    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    process = DateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    for value in (
        datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        NO_DUE,
        datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 5, 9, 0, 0, 1234, tzinfo=UTC),
    ):
        assert demo._ts(value) == process(value.replace(tzinfo=None))


# -- the open incidents look like a live desk, whatever the hour -------------------------

LIVE_N = 4000


@pytest.mark.parametrize(
    "local_now",
    [
        datetime(2026, 3, 2, 7, 40),  # Monday, before the desk opens
        datetime(2026, 3, 4, 10, 17),  # Wednesday morning
        datetime(2026, 3, 6, 18, 30),  # Friday evening
        datetime(2026, 3, 8, 23, 50),  # Sunday night
    ],
    ids=lambda d: d.strftime("%a-%H%M"),
)
def test_open_incidents_look_like_a_live_desk(engine, local_now: datetime) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from app.services.defaults import Defaults, ensure_defaults

    zone = ZoneInfo("Europe/Brussels")
    now = local_now.replace(tzinfo=zone).astimezone(UTC)
    desk = Desk(engine, clock=lambda: now)
    ensure_defaults(desk, Defaults(tz="Europe/Brussels", holiday_country="BE"))
    summary = demo.load_demo(desk, LIVE_N, seed=4)
    with desk.read() as conn:
        rows = conn.execute(
            select(
                Incident.sla_stage,
                Incident.sla_breached,
                Incident.resolution_due,
                Incident.opened_at,
            ).where(Incident.active)
        ).all()
    n = len(rows)
    assert n == summary.open and n >= 60
    stage = Counter(r.sla_stage for r in rows)
    # most within target, some at risk, a few breached (ServiceNow's 50/75/100% thresholds)
    assert stage[0] / n >= 0.6, stage
    assert (stage[75] + stage[100]) / n >= 0.03, stage
    assert 0.01 <= stage[100] / n <= 0.15, stage
    assert sum(r.sla_breached for r in rows) == stage[100]
    # nobody's queue shows "overdue 228d": at most twice the longest target past it
    assert min(r.resolution_due for r in rows if r.resolution_due) >= now - timedelta(days=35)
    assert all(r.opened_at <= now for r in rows)
