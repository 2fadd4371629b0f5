"""The dashboard's figures on both engines, against numbers worked out by hand from twelve
incidents (in the comments) and against plain SQL written independently of the service."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.services import dashboard
from app.services.context import Desk
from app.services.dashboard import DashboardFilter
from tests.clocks import Clock
from tests.db.seed import T, incident_values, insert_incidents, seed_people

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 8, tzinfo=UTC)
SD, NET = 1, 2  # groups of tests.db.seed


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _incidents() -> list[dict[str, object]]:
    R, C, IP, N, X = State.RESOLVED, State.CLOSED, State.IN_PROGRESS, State.NEW, State.CANCELLED
    rows = [
        # id, state, group, priority, channel, category, opened, responded, response due,
        # resolved, resolution due, breached, support line, closed
        (1, IP, SD, 2, "phone", 1, at(25, 10, month=2), None, None, None, None, False, 1, None),
        (2, C, SD, 3, "email", 2, at(26, 10, month=2), None, None, at(2, 10), at(3, 10), False, 1, at(4, 10)),
        (3, R, NET, 3, "phone", 1, at(1, 8), at(1, 8, 30), at(1, 9), at(1, 12), at(2, 8), False, 1, None),
        (4, R, NET, 3, "email", None, at(2, 9), at(2, 12), at(2, 10), at(3, 11), at(3, 9), True, 2, None),
        (5, IP, SD, 1, "self-service", 2, at(3, 10), None, at(3, 10, 30), None, at(3, 14), True, 1, None),
        (6, N, SD, 3, "phone", 2, at(4, 10), None, at(12, 10), None, at(14, 10), False, 1, None),
        (7, X, NET, 3, "phone", 1, at(5, 10), None, None, None, None, False, 1, at(5, 11)),
        (8, R, SD, 3, "phone", 1, at(6, 6), at(6, 6, 10), at(6, 7), at(7, 1), at(7, 6), False, 1, None),
        (9, IP, SD, 2, "phone", None, at(9, 10), at(9, 10), at(9, 11), None, at(12, 10), False, 1, None),
        (10, IP, SD, 4, "phone", None, at(1, 9, month=1), None, None, None, None, False, 1, None),
        (11, R, NET, 3, "phone", 2, at(7, 10), None, None, at(7, 20), at(8, 10), False, 1, None),
        (12, N, NET, 3, "phone", None, at(10, 8), None, None, None, None, False, 1, None),
    ]  # fmt: skip
    return [
        incident_values(
            i,
            state=st,
            group_id=g,
            priority=p,
            channel=ch,
            category_id=cat,
            opened_at=o,
            responded_at=resp,
            response_due=rdue,
            resolved_at=res,
            resolution_due=due,
            sla_breached=br,
            support_line=line,
            closed_at=closed,
        )
        for i, st, g, p, ch, cat, o, resp, rdue, res, due, br, line, closed in rows
    ]


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        seed_people(conn)
        conn.execute(
            insert(T["categories"]),
            [
                {"id": 1, "name": "Hardware", "parent_id": None, "active": True},
                {"id": 2, "name": "Printer", "parent_id": 1, "active": True},
            ],
        )
        insert_incidents(conn, _incidents())
    return Desk(engine, clock=Clock(NOW), zone="UTC")


def _sql_backlog(desk: Desk, t: datetime, where: str = "") -> int:
    """Open at `t`: opened before, not resolved by then, not cancelled by then."""
    naive = t.replace(tzinfo=None)
    with desk.read() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM incidents WHERE opened_at < :t "
                    "AND (resolved_at IS NULL OR resolved_at >= :t) "
                    f"AND NOT (state = 'cancelled' AND closed_at < :t) {where}"
                ),
                {"t": naive},
            ).scalar_one()
        )


def test_every_chart_against_hand_worked_numbers(desk: Desk) -> None:
    d = dashboard.dashboard(desk, DashboardFilter(START, END))
    # backlog: 1, 2 and 10 open before the 1st; 3 opened and resolved on the 1st; 4 opened the
    # 2nd, 2 resolved the 2nd; 4 resolved and 5 opened the 3rd; 6 opened the 4th; 7 opened and
    # cancelled the 5th; 8 opened the 6th, resolved the 7th; 11 opened and resolved the 7th
    assert [p.open for p in d.backlog] == [3, 3, 3, 4, 4, 5, 4]
    assert [p.at for p in d.backlog] == [START + timedelta(days=k + 1) for k in range(7)]
    assert [p.open for p in d.backlog] == [_sql_backlog(desk, p.at) for p in d.backlog]

    # opened in the period: 3..8 and 11
    assert [(c.label, c.count) for c in d.by_channel] == [
        ("Phone", 5),
        ("E-mail", 1),
        ("Self-service", 1),
    ]
    assert [(c.label, c.count) for c in d.by_category] == [
        ("Hardware", 3),
        ("Hardware / Printer", 3),
        ("(no category)", 1),
    ]
    # response: 3 and 8 in time, 4 late, 5 never answered past its target, 6 not yet due;
    # resolution: 2, 3, 8, 11 within, 4 breached
    assert [
        (c.priority, c.response_met, c.response_missed, c.resolution_met, c.resolution_missed)
        for c in d.compliance
    ] == [(1, 0, 1, 0, 0), (3, 2, 1, 4, 1)]
    assert d.compliance[1].response_pct == pytest.approx(200 / 3)
    assert d.compliance[1].resolution_pct == pytest.approx(80.0)
    assert d.compliance[0].resolution_pct is None

    # resolved in the period: 2 (96 h), 3 (4 h), 4 (26 h), 8 (19 h), 11 (10 h), all P3
    (p3,) = d.resolve_by_priority
    assert (p3.label, p3.count) == ("P3", 5)
    assert p3.mean_s / 3600 == pytest.approx(31.0, abs=1e-3)
    assert p3.median_s / 3600 == pytest.approx(19.0, abs=1e-3)
    by_group = {r.label: r for r in d.resolve_by_group}
    assert sorted(by_group) == ["Network", "Service Desk"]
    # Network 4, 26, 10 h: the odd count's middle; Service Desk 96 and 19 h: the two middles
    assert by_group["Network"].count == 3
    assert by_group["Network"].mean_s / 3600 == pytest.approx(40 / 3, abs=1e-3)
    assert by_group["Network"].median_s / 3600 == pytest.approx(10.0, abs=1e-3)
    assert by_group["Service Desk"].mean_s / 3600 == pytest.approx(57.5, abs=1e-3)
    assert by_group["Service Desk"].median_s / 3600 == pytest.approx(57.5, abs=1e-3)
    with desk.read() as conn:
        sql_mean = conn.execute(
            text(
                "SELECT avg(CASE WHEN id = 2 THEN 96 WHEN id = 3 THEN 4 WHEN id = 4 THEN 26 "
                "WHEN id = 8 THEN 19 WHEN id = 11 THEN 10 END) FROM incidents "
                "WHERE resolved_at >= :s AND resolved_at < :e"
            ),
            {"s": START.replace(tzinfo=None), "e": END.replace(tzinfo=None)},
        ).scalar_one()
    assert p3.mean_s / 3600 == pytest.approx(float(sql_mean), abs=1e-3)

    # open now (the 10th, 12:00): 12 (4 h), 9 (26 h), 6 (6 d), 5 (7 d 2 h), 1 (13 d), 10 (68 d)
    assert [(c.label, c.count) for c in d.ageing] == [
        ("Under 1 day", 1),
        ("1-3 days", 1),
        ("3-7 days", 1),
        ("1-4 weeks", 2),
        ("Over 4 weeks", 1),
    ]
    # 4 went to the second line; the other four were resolved on the first
    assert [(f.label, f.first_line, f.resolved) for f in d.first_line] == [
        ("P3", 4, 5),
        ("All", 4, 5),
    ]


def test_the_group_filter_narrows_every_chart(desk: Desk) -> None:
    d = dashboard.dashboard(desk, DashboardFilter(START, END, (NET,)))
    assert [p.open for p in d.backlog] == [0, 1, 0, 0, 0, 0, 0]
    assert [p.open for p in d.backlog] == [
        _sql_backlog(desk, p.at, f"AND group_id = {NET}") for p in d.backlog
    ]
    assert [(c.label, c.count) for c in d.by_channel] == [("Phone", 3), ("E-mail", 1)]
    assert [(r.label, r.count) for r in d.resolve_by_group] == [("Network", 3)]
    assert [c.count for c in d.ageing] == [1, 0, 0, 0, 0]
    assert [(f.label, f.first_line, f.resolved) for f in d.first_line] == [
        ("P3", 2, 3),
        ("All", 2, 3),
    ]


def test_a_long_period_steps_by_week_and_stops_at_now(desk: Desk) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    d = dashboard.dashboard(desk, DashboardFilter(start, datetime(2026, 6, 1, tzinfo=UTC)))
    # 9 whole weeks to the 9th of March, then the week in progress ends now
    assert len(d.backlog) == 10
    assert d.backlog[-1].at == NOW
    assert [p.open for p in d.backlog] == [_sql_backlog(desk, p.at) for p in d.backlog]


def test_the_tables_and_their_csv(desk: Desk) -> None:
    d = dashboard.dashboard(desk, DashboardFilter(START, END))
    tables = dashboard.tables(d, UTC)
    header, rows = tables["resolve_group"]
    out = io.StringIO()
    assert dashboard.write_csv(out, header, rows) == 2
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["Group", "Resolved", "Mean hours", "Median hours"],
        ["Network", "3", "13.33", "10.00"],
        ["Service Desk", "2", "57.50", "57.50"],
    ]
    assert tables["backlog"][1][0] == ["2026-03-02 00:00", 3]
    assert tables["compliance"][1][1] == ["P3", 2, 1, "66.7", 4, 1, "80.0"]


def test_a_period_that_ends_before_it_starts_is_refused(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="ends before it starts"):
        dashboard.dashboard(desk, DashboardFilter(END, START))


def test_the_times_to_resolve_by_priority_by_group_and_overall(desk: Desk) -> None:
    with desk.engine.begin() as conn:  # 8 (19 h) in no group
        conn.execute(text("UPDATE incidents SET group_id = NULL WHERE id = 8"))
    with desk.read() as conn:
        times = dashboard.resolve_times(conn, DashboardFilter(START, END), overall=True)
        empty = dashboard.resolve_times(
            conn, DashboardFilter(at(20, 0), at(21, 0)), overall=True
        )
    hours = [
        (r.label, r.key, r.count, round(r.mean_s / 3600, 3), round(r.median_s / 3600, 3))
        for r in (*times.by_priority, *times.by_group, times.overall)
    ]
    # 2 (96 h, Service Desk), 3, 4 and 11 (4, 26 and 10 h, Network), 8 (19 h, no group)
    assert hours == [
        ("P3", 3, 5, 31.0, 19.0),
        ("(no group)", None, 1, 19.0, 19.0),
        ("Network", NET, 3, 13.333, 10.0),
        ("Service Desk", SD, 1, 96.0, 96.0),
        ("All", None, 5, 31.0, 19.0),
    ]
    assert (empty.by_priority, empty.by_group, empty.overall.count) == ([], [], 0)
