"""Configuration the clocks and the matrix need, loaded once and cached on the desk.

Business calendars are stored as rows; public holidays are expanded here with the
`holidays` package (the domain takes plain dates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import TypeVar

import holidays as holidays_pkg
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app.domain.calendar import BusinessCalendar
from app.domain.errors import NotFound
from app.domain.matrix import PriorityMatrix
from app.domain.sla import SlaTarget, describe_duration
from app.models import BusinessCalendarRow, MatrixVersion, SlaPolicyRow, SlaTargetRow
from app.services.context import Desk

_M = TypeVar("_M")

HOLIDAY_YEARS = range(date.today().year - 6, date.today().year + 3)


def local_zone_name() -> str:
    """The machine's IANA time zone, or UTC when it cannot be told."""
    tzfile = Path("/etc/timezone")
    if tzfile.is_file():
        name = tzfile.read_text().strip()
        if name:
            return name
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def holiday_dates(country: str | None, subdiv: str | None, custom: list[str]) -> frozenset[date]:
    days: set[date] = {date.fromisoformat(d) for d in custom}
    if country:
        days |= set(holidays_pkg.country_holidays(country, subdiv=subdiv, years=HOLIDAY_YEARS))
    return frozenset(days)


def calendar_from_row(row: BusinessCalendarRow) -> BusinessCalendar:
    if row.always:
        return BusinessCalendar.twenty_four_seven(row.name, row.tz)
    week = tuple(
        tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in day) for day in row.week
    )
    return BusinessCalendar(
        name=row.name,
        tz=row.tz,
        week=week,
        holidays=holiday_dates(row.holiday_country, row.holiday_subdiv, list(row.custom_holidays)),
    )


def week_to_json(calendar: BusinessCalendar) -> list[list[list[str]]]:
    return [[[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in day] for day in calendar.week]


def matrix_from_row(row: MatrixVersion) -> PriorityMatrix:
    return PriorityMatrix(
        tuple(row.impact_labels),
        tuple(row.urgency_labels),
        tuple(row.priority_labels),
        tuple(tuple(r) for r in row.cells),
        version=row.id,
    )


@dataclass(frozen=True)
class PolicyBook:
    """Every matrix version, calendar and SLA policy, as domain objects."""

    matrices: Mapping[int, PriorityMatrix]
    calendars: Mapping[int, BusinessCalendar]
    # policy id -> priority -> (target, calendar)
    targets: Mapping[int, Mapping[int, tuple[SlaTarget, BusinessCalendar]]]
    policy_names: Mapping[int, str]
    auto_close_days: Mapping[int, int]
    default_policy_id: int | None

    @property
    def matrix(self) -> PriorityMatrix:
        """The current matrix (highest version)."""
        if not self.matrices:
            raise NotFound("No priority matrix is configured: run `incidentdesk db upgrade`")
        return self.matrices[max(self.matrices)]

    def matrix_version(self, version: int) -> PriorityMatrix:
        try:
            return self.matrices[version]
        except KeyError:
            raise NotFound(f"No priority matrix version {version}") from None

    def target(self, policy_id: int | None, priority: int) -> tuple[SlaTarget, BusinessCalendar] | None:
        pid = policy_id if policy_id is not None else self.default_policy_id
        if pid is None:
            return None
        return self.targets.get(pid, {}).get(priority)

    def describe(self, policy_id: int | None, priority: int) -> tuple[str, str] | None:
        found = self.target(policy_id, priority)
        if found is None:
            return None
        target, cal = found
        return describe_duration(target.response_s, cal), describe_duration(target.resolution_s, cal)

    def business_calendar(self, policy_id: int | None = None) -> BusinessCalendar | None:
        """The calendar most targets of a policy use (for auto-close and the queue's countdown)."""
        pid = policy_id if policy_id is not None else self.default_policy_id
        if pid is None or pid not in self.targets:
            return None
        cals = [cal for _t, cal in self.targets[pid].values()]
        return max(set(cals), key=cals.count) if cals else None


def load_policy_book(conn: Connection) -> PolicyBook:
    matrices = {r.id: matrix_from_row(r) for r in _all(conn, MatrixVersion)}
    calendars = {r.id: calendar_from_row(r) for r in _all(conn, BusinessCalendarRow)}
    policies = _all(conn, SlaPolicyRow)
    targets: dict[int, dict[int, tuple[SlaTarget, BusinessCalendar]]] = {p.id: {} for p in policies}
    cal_of = {p.id: p.calendar_id for p in policies}
    for t in _all(conn, SlaTargetRow):
        cal = calendars[t.calendar_override_id or cal_of[t.policy_id]]
        targets[t.policy_id][t.priority] = (SlaTarget(t.response_s, t.resolution_s), cal)
    active = [p.id for p in policies if p.active]
    return PolicyBook(
        matrices=matrices,
        calendars=calendars,
        targets=targets,
        policy_names={p.id: p.name for p in policies},
        auto_close_days={p.id: p.auto_close_days for p in policies},
        default_policy_id=min(active) if active else None,
    )


def _all(conn: Connection, model: type[_M]) -> list[_M]:
    with Session(bind=conn) as session:
        return list(session.scalars(select(model)).all())


def fresh_policy_book(desk: Desk, session: Session) -> PolicyBook:
    """The policy book, reloaded if another workstation saved a newer matrix meanwhile
    (one indexed look-up in the caller's transaction)."""
    book = policy_book(desk)
    newest = session.scalar(select(func.max(MatrixVersion.id)))
    if newest is not None and book.matrices and newest != max(book.matrices):
        desk.invalidate()
        book = policy_book(desk)
    return book


def policy_book(desk: Desk) -> PolicyBook:
    def load() -> PolicyBook:
        with desk.read() as conn:
            return load_policy_book(conn)

    book = desk.cached("policy_book", load)
    assert isinstance(book, PolicyBook)
    return book
