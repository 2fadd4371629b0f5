"""Configuration the clocks and the matrix need, loaded once and cached on the desk.

Business calendars are stored as rows; their days off are the public holidays of a country
(and subdivision) from the `holidays` package, of whatever year a clock asks about, plus the
calendar's custom dates (:class:`PublicHolidays`; the domain asks one date at a time).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session

from app.domain.calendar import BusinessCalendar, DayHours
from app.domain.errors import NotFound, ValidationError
from app.domain.matrix import PriorityMatrix
from app.domain.sla import SlaTarget, describe_duration
from app.models import BusinessCalendarRow, MatrixVersion, Setting, SlaPolicyRow, SlaTargetRow
from app.services.context import CLAIM_PENDING, Desk

_M = TypeVar("_M")

# bumped (in the same transaction) by every change of a calendar, an SLA policy or the site, so
# that a write on a workstation whose change feed has not spoken yet still uses the new rules
CONFIGURATION_REVISION = "configuration_revision"


def check_holiday_region(country: str | None, subdiv: str | None) -> tuple[str | None, str | None]:
    """`country` and `subdiv` as the `holidays` package knows them (upper case), or a
    ValidationError that says what is known. No country: no public holidays."""
    country = (country or "").strip().upper() or None
    subdiv = (subdiv or "").strip().upper() or None
    if country is None:
        if subdiv is not None:
            raise ValidationError(
                f"A holiday subdivision ({subdiv}) needs a holiday country", field="holiday_subdiv"
            )
        return None, None
    import holidays as holidays_pkg  # its country tables: read when a calendar needs them

    supported = holidays_pkg.list_supported_countries()
    if country not in supported:
        raise ValidationError(
            f"Unknown holiday country {country!r}: use an ISO 3166 code such as BE, DE, FR, "
            "GB or US",
            field="holiday_country",
        )
    subdivisions = [str(s).upper() for s in supported[country]]
    if subdiv is not None and subdiv not in subdivisions:
        known = ", ".join(subdivisions) or "none"
        raise ValidationError(
            f"{country} has no holiday subdivision {subdiv!r} (known: {known})",
            field="holiday_subdiv",
        )
    return country, subdiv


class PublicHolidays:
    """The days off of a stored calendar: a country's (and subdivision's) public holidays, of
    any year, plus custom dates. A value (hashable, compared by what it holds); thread-safe.

    The `holidays` package fills a year the first time a date of it is asked about, so nothing
    is fixed when the process starts: the 2090 holidays are there when a clock reaches 2090."""

    def __init__(
        self, country: str | None, subdiv: str | None, custom: Iterable[date] = ()
    ) -> None:
        self.country = country or None
        self.subdiv = subdiv or None
        self.custom = frozenset(custom)
        self._lock = threading.Lock()
        self._public: Any = None
        if self.country:
            import holidays as holidays_pkg

            self._public = holidays_pkg.country_holidays(self.country, subdiv=self.subdiv)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.custom:
            return True
        if self._public is None:
            return False
        with self._lock:  # a lookup may fill a year into the package's dict
            return day in self._public

    def name_of(self, day: date) -> str | None:
        """The holiday's name ("Christmas Day", "Custom day off"), or None on a working day."""
        if day in self.custom:
            return "Custom day off"
        if self._public is None:
            return None
        with self._lock:
            name = self._public.get(day)
        return None if name is None else str(name)

    def _key(self) -> tuple[object, ...]:
        return (self.country, self.subdiv, self.custom)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicHolidays) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdiv}" if self.subdiv else str(self.country)
        return f"PublicHolidays({where}, {len(self.custom)} custom dates)"


def holiday_dates(country: str | None, subdiv: str | None, custom: Iterable[str]) -> PublicHolidays:
    """The days off of a calendar row (custom dates as ISO strings)."""
    return PublicHolidays(country, subdiv, (date.fromisoformat(d) for d in custom))


def week_from_json(week: list[list[list[str]]]) -> tuple[DayHours, ...]:
    """The stored week (7 lists of ["08:00", "17:00"] pairs) as the domain's intervals."""
    return tuple(
        tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in day) for day in week
    )


def week_json(week: tuple[DayHours, ...]) -> list[list[list[str]]]:
    return [[[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in day] for day in week]


def calendar_from_row(row: BusinessCalendarRow) -> BusinessCalendar:
    if row.always:
        return BusinessCalendar.twenty_four_seven(row.name, row.tz)
    return BusinessCalendar(
        name=row.name,
        tz=row.tz,
        week=week_from_json(row.week),
        holidays=holiday_dates(row.holiday_country, row.holiday_subdiv, list(row.custom_holidays)),
    )


def week_to_json(calendar: BusinessCalendar) -> list[list[list[str]]]:
    return week_json(calendar.week)


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
    # policy id -> whether a priority change re-measures from the opening (see domain.sla)
    retroactive: Mapping[int, bool] | None = None
    revision: int = 0  # CONFIGURATION_REVISION when loaded

    def retroactive_start(self, policy_id: int | None) -> bool:
        pid = policy_id if policy_id is not None else self.default_policy_id
        if pid is None or self.retroactive is None:
            return True
        return self.retroactive.get(pid, True)

    @property
    def matrix(self) -> PriorityMatrix:
        """The current matrix (highest version)."""
        if not self.matrices:
            raise NotFound("No priority matrix is configured: run `incidentdesk db upgrade`")
        return self.matrices[max(self.matrices)]

    def priority_label(self, priority: int, version: int | None = None) -> str:
        """'1 - Critical': the name the active matrix gives a priority (the queue, the
        incident and the command line say the same); for a level the active matrix no longer
        has, the name of the `version` that gave it; else the number."""
        if self.matrices:
            active = self.matrix
            if 1 <= priority <= active.priorities:
                return active.priority_label(priority)
            if version is not None and version in self.matrices:
                return self.matrices[version].priority_label(priority)
        return str(priority)

    def matrix_version(self, version: int) -> PriorityMatrix:
        try:
            return self.matrices[version]
        except KeyError:
            raise NotFound(f"No priority matrix version {version}") from None

    def target(
        self, policy_id: int | None, priority: int
    ) -> tuple[SlaTarget, BusinessCalendar] | None:
        pid = policy_id if policy_id is not None else self.default_policy_id
        if pid is None:
            return None
        return self.targets.get(pid, {}).get(priority)

    def describe(self, policy_id: int | None, priority: int) -> tuple[str, str] | None:
        found = self.target(policy_id, priority)
        if found is None:
            return None
        target, cal = found
        return describe_duration(target.response_s, cal), describe_duration(
            target.resolution_s, cal
        )

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
        retroactive={p.id: p.retroactive_start for p in policies},
        revision=configuration_revision(conn),
    )


def configuration_revision(conn: Connection | Session) -> int:
    value = conn.execute(
        select(Setting.value).where(Setting.key == CONFIGURATION_REVISION)
    ).scalar()
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def bump_configuration_revision(session: Session) -> int:
    """Mark, in the caller's transaction, that calendars, policies or the site changed."""
    revision = configuration_revision(session) + 1
    session.merge(Setting(key=CONFIGURATION_REVISION, value=revision))
    return revision


def _all(conn: Connection, model: type[_M]) -> list[_M]:
    with Session(bind=conn) as session:
        return list(session.scalars(select(model)).all())


@cache
@cache
def _newest_configuration(claim: bool = False) -> Select[Any]:
    """The newest matrix version and the configuration revision, in one query (built once);
    with `claim` (PostgreSQL), the transaction says it is the application's in it too."""
    revision = select(Setting.value).where(Setting.key == CONFIGURATION_REVISION).scalar_subquery()
    columns: list[Any] = [func.max(MatrixVersion.id), revision]
    if claim:
        columns.append(func.set_config("incidentdesk.app", "on", True))
    return select(*columns)


def fresh_policy_book(desk: Desk, session: Session) -> PolicyBook:
    """The policy book, reloaded if another workstation saved a newer matrix, calendar, SLA
    policy or site meanwhile (two indexed look-ups in one query, in the caller's transaction).
    First in a `Desk.write(claim_first=True)`, the same query makes the transaction's claim."""
    book = policy_book(desk)
    claim = bool(session.info.pop(CLAIM_PENDING, False))
    row = session.execute(_newest_configuration(claim)).one()
    newest, stored = row[0], row[1]
    stored_revision = int(stored) if isinstance(stored, int) and not isinstance(stored, bool) else 0
    if (newest is not None and book.matrices and newest != max(book.matrices)) or (
        stored_revision != book.revision
    ):
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
