"""The configuration is the truth, on SQLite and PostgreSQL: calendars and SLA policies an admin
changes (validated, audited, and seen by every workstation through the change feed), the site's
time zone and holidays from the configuration, and retroactive start as a setting per policy."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from app.db.engine import make_engine
from app.domain.errors import EnvironmentProblem, PermissionDenied, ValidationError
from app.domain.records import IncidentRecord
from app.domain.sla_config import CalendarRecord, CalendarSpec, PolicyRecord, SiteRecord, TargetSpec
from app.models import AdminAuditEntry, ChangeLogEntry, Setting
from app.services import calendars, defaults, queries, site, sla_policies, users
from app.services import incidents as inc
from app.services.admin_audit import admin_history
from app.services.context import Desk
from app.services.defaults import Defaults
from app.services.live import open_feed
from app.services.policies import policy_book
from tests.clocks import Clock

# Monday 2 March 2026, 09:00 in Brussels (CET, UTC+1)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
H = 3600
OFFICE = ((time(8), time(17)),) * 5 + ((), ())
SPLIT = ((time(8), time(12)), (time(13), time(17)))


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Desk:
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels", holiday_country="BE"))
    users.add_user(d, None, "dev", "Dev Patel", "admin")
    root = d.actor("dev")
    users.add_user(d, root, "ana", "Ana Garcia", "agent")
    return d


@pytest.fixture
def second(desk: Desk, db_url: str) -> Iterator[Desk]:
    """Another workstation: its own engine and its own cached configuration."""
    engine = make_engine(db_url)
    yield Desk(engine, clock=desk._clock)
    engine.dispose()


def _office(desk: Desk) -> CalendarRecord:
    return next(c for c in calendars.calendars(desk) if c.name == "Office hours")


def _default_policy(desk: Desk) -> PolicyRecord:
    return next(p for p in sla_policies.policies(desk) if p.name == "Default")


def _audit(desk: Desk, entity: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(r.field, r.old, r.new, r.who) for r in admin_history(desk, entity)]


def _feed_count(desk: Desk) -> int:
    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar_one())


# -- calendars -------------------------------------------------------------------------------


def test_a_calendar_change_reaches_another_workstation_through_the_feed(
    desk: Desk, second: Desk
) -> None:
    office = _office(desk)
    assert policy_book(second).calendars[office.id].week[0] == ((time(8), time(17)),)  # cached
    with open_feed(second) as feed:
        spec = dataclasses.replace(
            office.spec(),
            week=(SPLIT,) * 5 + ((), ()),
            custom_holidays=(date(2026, 12, 24),),
        )
        saved = calendars.save_calendar(
            desk, desk.actor("dev"), spec, office.id, reason="lunch break"
        )
        assert saved.week[2] == SPLIT
        # the other workstation still has the old calendar until it reads the feed...
        assert policy_book(second).calendars[office.id].week[0] == ((time(8), time(17)),)
        changes = feed.read()
        assert [(c.entity, c.entity_id, c.kind) for c in changes] == [
            ("calendar", office.id, "updated")
        ]
    # ...then its clocks use the split shift and the closure
    cal = policy_book(second).calendars[office.id]
    assert cal.week[0] == SPLIT
    noon = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # Monday 12:00 local
    assert cal.working_seconds(noon, noon + timedelta(hours=1)) == 0
    assert date(2026, 12, 24) in cal.holidays
    audit = _audit(desk, "calendar")
    assert ("Monday hours", "08:00-17:00", "08:00-12:00, 13:00-17:00", "Dev Patel") in audit
    assert ("custom days off", None, "2026-12-24", "Dev Patel") in audit
    assert {r.reason for r in admin_history(desk, "calendar")} == {"lunch break"}


def test_a_new_calendar_is_audited_with_every_field(desk: Desk) -> None:
    spec = CalendarSpec(
        "New York office",
        "America/New_York",
        (((time(9), time(18)),),) * 5 + ((), ()),
        holiday_country="us",
        holiday_subdiv="ny",
    )
    saved = calendars.save_calendar(desk, desk.actor("dev"), spec)
    assert (saved.holiday_country, saved.holiday_subdiv) == ("US", "NY")
    fields = {f for f, _old, _new, _who in _audit(desk, "calendar")}
    assert {"name", "time zone", "Monday hours", "Sunday hours", "holiday country"} <= fields
    with desk.read() as conn:
        kinds = conn.execute(
            select(ChangeLogEntry.entity, ChangeLogEntry.kind).where(
                ChangeLogEntry.entity_id == saved.id
            )
        ).all()
    assert ("calendar", "created") in [tuple(k) for k in kinds]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tz": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        (
            {"week": (((time(8), time(13)), (time(12), time(17))),) + ((),) * 6},
            "Monday: intervals must be sorted and must not overlap",
        ),
        (
            {"week": ((),) + (((time(17), time(8)),),) + ((),) * 5},
            "Tuesday: interval 17:00:00-08:00:00 must end after it starts",
        ),
        ({"week": ((),) * 7}, "no working hours on any weekday"),
        ({"holiday_country": "XX"}, "Unknown holiday country 'XX'"),
        ({"holiday_country": "BE", "holiday_subdiv": "ZZ"}, "BE has no holiday subdivision 'ZZ'"),
        ({"holiday_country": None, "holiday_subdiv": "BY"}, "needs a holiday country"),
        ({"name": "  "}, "The calendar needs a name"),
        ({"name": "24x7"}, "A calendar named '24x7' exists already"),
    ],
)
def test_a_bad_calendar_is_refused_with_the_reason_and_nothing_is_written(
    desk: Desk, change: dict[str, object], message: str
) -> None:
    office = _office(desk)
    before = _feed_count(desk)
    with pytest.raises(ValidationError, match=message):
        calendars.save_calendar(
            desk, desk.actor("dev"), dataclasses.replace(office.spec(), **change), office.id
        )
    assert _office(desk) == office
    assert _audit(desk, "calendar") == [] and _feed_count(desk) == before


def test_only_an_admin_changes_calendars_and_policies(desk: Desk) -> None:
    office = _office(desk)
    with pytest.raises(PermissionDenied, match="configure the desk"):
        calendars.save_calendar(desk, desk.actor("ana"), office.spec(), office.id)
    with pytest.raises(PermissionDenied):
        sla_policies.set_retroactive_start(desk, desk.actor("ana"), _default_policy(desk).id, False)
    with pytest.raises(PermissionDenied):
        site.set_site(desk, desk.actor("ana"), "Europe/Paris")


def test_the_admin_audit_is_append_only(desk: Desk) -> None:
    sla_policies.set_retroactive_start(desk, desk.actor("dev"), _default_policy(desk).id, False)
    with pytest.raises(Exception, match="append-only"), desk.write() as s:
        row = s.scalars(select(AdminAuditEntry)).first()
        assert row is not None
        row.new_value = "tampered"
    with pytest.raises(Exception, match="append-only"), desk.write() as s:
        s.delete(s.scalars(select(AdminAuditEntry)).first())


# -- policies --------------------------------------------------------------------------------


def test_a_policy_change_reaches_another_workstation_through_the_feed(
    desk: Desk, second: Desk
) -> None:
    policy = _default_policy(desk)
    assert policy_book(second).target(None, 4)[0].resolution_s == 27 * H  # 3 business days
    targets = dict(policy.spec().targets)
    targets[4] = TargetSpec(8 * H, 45 * H)  # 5 business days
    with open_feed(second) as feed:
        sla_policies.save_policy(
            desk,
            desk.actor("dev"),
            dataclasses.replace(policy.spec(), targets=targets, auto_close_days=5),
            policy.id,
        )
        assert policy_book(second).target(None, 4)[0].resolution_s == 27 * H  # not read yet
        assert [(c.entity, c.kind) for c in feed.read()] == [("policy", "updated")]
    book = policy_book(second)
    assert book.target(None, 4)[0].resolution_s == 45 * H
    assert book.auto_close_days[policy.id] == 5
    audit = _audit(desk, "policy")
    assert ("P4 resolution", "27 hours", "45 hours", "Dev Patel") in audit
    assert ("auto-close days", "7", "5", "Dev Patel") in audit


def test_a_write_on_a_workstation_that_has_not_read_the_feed_uses_the_new_targets(
    desk: Desk, second: Desk
) -> None:
    policy = _default_policy(desk)
    policy_book(second)  # cached before the change
    targets = dict(policy.spec().targets)
    targets[4] = TargetSpec(4 * H, 9 * H)  # one business day
    sla_policies.save_policy(
        desk, desk.actor("dev"), dataclasses.replace(policy.spec(), targets=targets), policy.id
    )
    rec = inc.log_incident(
        second, second.actor("ana"), inc.NewIncident("Printer jam", impact=3, urgency=2)
    )
    assert rec.priority == 4
    # Monday 09:00 local + 9 business hours of 08:00-17:00 -> Tuesday 09:00 local
    assert rec.resolution_due == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert rec.response_due == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 13:00 local


def test_a_per_priority_calendar_override_is_kept(desk: Desk) -> None:
    policy = _default_policy(desk)
    always = next(c for c in calendars.calendars(desk) if c.always)
    assert (
        policy.targets[0].calendar_name == "24x7"
        and policy.targets[1].calendar_name == "Office hours"
    )
    targets = dict(policy.spec().targets)
    targets[2] = dataclasses.replace(targets[2], calendar_id=always.id)
    saved = sla_policies.save_policy(
        desk, desk.actor("dev"), dataclasses.replace(policy.spec(), targets=targets), policy.id
    )
    assert [t.calendar_name for t in saved.targets][:3] == ["24x7", "24x7", "Office hours"]
    assert ("P2 calendar", "the policy's", "24x7", "Dev Patel") in _audit(desk, "policy")
    assert policy_book(desk).target(None, 2)[1].always


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"targets": {p: TargetSpec(H, 2 * H) for p in (1, 2, 3, 4)}}, "missing: P5"),
        (
            {
                "targets": {
                    **{p: TargetSpec(H, 2 * H) for p in range(1, 6)},
                    3: TargetSpec(5 * H, 2 * H),
                }
            },
            "P3: the response target \\(5 hours\\) is longer than the resolution target \\(2 hours\\)",
        ),
        (
            {
                "targets": {
                    **{p: TargetSpec(H, 2 * H) for p in range(1, 6)},
                    2: TargetSpec(0, 2 * H),
                }
            },
            "P2: the response target must be more than 0",
        ),
        (
            {"targets": {**{p: TargetSpec(H, 2 * H) for p in range(1, 6)}, 2: TargetSpec(H, 2.5)}},  # type: ignore[arg-type]
            "P2: the resolution target must be a whole number of seconds, got 2.5",
        ),
        ({"auto_close_days": 0}, "Auto-close needs 1 to 365 business days, got 0"),
        ({"calendar_id": 999}, "No calendar with id 999"),
        ({"active": False}, "needs one active SLA policy"),
        ({"retroactive_start": "no"}, "retroactive start is yes or no"),
    ],
)
def test_a_bad_policy_is_refused_with_the_reason_and_nothing_is_written(
    desk: Desk, change: dict[str, object], message: str
) -> None:
    policy = _default_policy(desk)
    before = _feed_count(desk)
    with pytest.raises(ValidationError, match=message):
        sla_policies.save_policy(
            desk, desk.actor("dev"), dataclasses.replace(policy.spec(), **change), policy.id
        )
    assert _default_policy(desk) == policy
    assert _audit(desk, "policy") == [] and _feed_count(desk) == before


# -- the site -----------------------------------------------------------------------------------


def _ini(folder: Path, text: str) -> None:
    target = folder / "config" / "IncidentDesk" / "incidentdesk.ini"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_a_new_database_takes_the_site_from_the_configuration(
    engine: Engine, isolated_config: Path, clock: Clock
) -> None:
    _ini(isolated_config, "[site]\ntimezone = Europe/Brussels\nholiday_country = BE\n")
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d)
    assert site.site(d) == SiteRecord("Europe/Brussels", "BE", None)
    assert d.zone == ZoneInfo("Europe/Brussels")
    office = _office(d)
    assert (office.tz, office.holiday_country) == ("Europe/Brussels", "BE")
    cal = policy_book(d).calendars[office.id]
    # Tuesday 21 July 2026 is Belgium's national day: Monday 16:00 + 2 business hours is
    # Wednesday 09:00 local (07:00 UTC, summer time)
    monday_4pm = datetime(2026, 7, 20, 14, 0, tzinfo=UTC)
    assert cal.add_working_seconds(monday_4pm, 2 * H) == datetime(2026, 7, 22, 7, 0, tzinfo=UTC)


def test_without_a_site_section_the_system_zone_is_taken_with_no_holidays(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d)
    assert site.site(d) == SiteRecord("America/Chicago", None, None)
    assert d.zone == ZoneInfo("America/Chicago")


def test_a_holiday_country_nobody_knows_names_the_config_file(
    engine: Engine, isolated_config: Path
) -> None:
    _ini(isolated_config, "[site]\ntimezone = Europe/Brussels\nholiday_country = Narnia\n")
    with pytest.raises(
        ValidationError, match=r"incidentdesk.ini: \[site\] Unknown holiday country 'NARNIA'"
    ):
        defaults.ensure_defaults(Desk(engine))


def test_an_admin_changes_the_site_and_every_workstation_follows(desk: Desk, second: Desk) -> None:
    assert second.zone == ZoneInfo("Europe/Brussels")
    with open_feed(second) as feed:
        new = site.set_site(desk, desk.actor("dev"), "Europe/Paris", "fr", reason="moved to Paris")
        assert new == SiteRecord("Europe/Paris", "FR", None)
        assert {c.entity for c in feed.read()} == {"site", "calendar"}
    assert second.zone == ZoneInfo("Europe/Paris")
    office = _office(second)
    assert (office.tz, office.holiday_country) == ("Europe/Paris", "FR")
    cal = policy_book(second).calendars[office.id]
    assert date(2026, 7, 14) in cal.holidays and date(2026, 7, 21) not in cal.holidays
    assert ("time zone", "Europe/Brussels", "Europe/Paris", "Dev Patel") in _audit(desk, "site")
    assert ("holiday country", "BE", "FR", "Dev Patel") in _audit(desk, "calendar")


def test_the_zone_once_read_is_answered_without_the_database(
    desk: Desk, second: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window paints times with the zone: after the desk is opened that never reads the
    database (which may be locked or gone), not even after a change of configuration."""
    assert second.load_zone() == ZoneInfo("Europe/Brussels")
    with open_feed(second) as feed:
        site.set_site(desk, desk.actor("dev"), "Europe/Paris", "fr", reason="moved to Paris")
        feed.read()  # the feed learns of the change, and reads the new zone there
    reads: list[int] = []
    real_read = Desk.read

    def counted(self: Desk):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real_read(self)

    monkeypatch.setattr(Desk, "read", counted)
    assert second.zone == ZoneInfo("Europe/Paris")
    second.invalidate()  # a change of configuration read while the database is down...
    monkeypatch.setattr(Desk, "read", _down)
    second.invalidate()
    assert second.zone == ZoneInfo("Europe/Paris")  # ...keeps the last zone known
    assert reads == [1]  # the first invalidate read the zone anew; painting read nothing


def _down(self: Desk):  # type: ignore[no-untyped-def]
    raise EnvironmentProblem("The database is not available: database is locked.")


def test_a_bad_site_is_refused_and_nothing_changes(desk: Desk) -> None:
    before = _feed_count(desk)
    with pytest.raises(ValidationError, match="Unknown time zone 'Europe/Atlantis'"):
        site.set_site(desk, desk.actor("dev"), "Europe/Atlantis", "BE")
    with pytest.raises(ValidationError, match="Unknown holiday country"):
        site.set_site(desk, desk.actor("dev"), "Europe/Paris", "ZZ")
    assert site.site(desk) == SiteRecord("Europe/Brussels", "BE", None)
    assert _feed_count(desk) == before


def test_a_database_from_before_the_site_setting_keeps_its_calendars_zone(engine: Engine) -> None:
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Asia/Tokyo", holiday_country="JP"))
    with d.write() as s:  # as an older release left it: calendars, no site setting
        s.delete(s.get(Setting, "site"))
    again = Desk(engine)
    defaults.ensure_defaults(again, Defaults(tz="Europe/Brussels"))
    assert site.site(again) == SiteRecord("Asia/Tokyo", "JP", None)
    assert again.zone == ZoneInfo("Asia/Tokyo")


# -- retroactive start ----------------------------------------------------------------------------


def _raise_to_p1(
    desk: Desk,
    clock: Clock,
    *,
    retroactive: bool,
    hold: tuple[float, float] | None = None,
    raise_after_h: float = 48,
) -> IncidentRecord:
    """A P4 logged Monday 09:00 local, raised to P1 `raise_after_h` hours later; optionally
    worked at once and on hold from `hold[0]` to `hold[1]` hours after logging."""
    sla_policies.set_retroactive_start(
        desk, desk.actor("dev"), _default_policy(desk).id, retroactive
    )
    ana = desk.actor("ana")
    rec = inc.log_incident(desk, ana, inc.NewIncident("Invoices not printing", impact=3, urgency=2))
    assert rec.priority == 4
    start = clock.now
    events: list[tuple[float, str]] = [(raise_after_h, "raise")]
    if hold is not None:  # Ana starts work on it at once (only work in progress goes on hold)
        events += [(0, "start"), (hold[0], "hold"), (hold[1], "resume")]
    for at, what in sorted(events):
        clock.now = start + timedelta(hours=at)
        version = queries.get_incident(desk, rec.id).version
        if what == "raise":
            rec = inc.set_impact_urgency(
                desk, ana, rec.id, version, 1, 1, reason="whole office down"
            )
        elif what == "start":
            rec = inc.start_work(desk, ana, rec.id, version)
        elif what == "hold":
            rec = inc.hold(desk, ana, rec.id, version, "awaiting_vendor")
        else:
            rec = inc.resume(desk, ana, rec.id, version)
    return queries.get_incident(desk, rec.id)


def test_with_retroactive_start_a_p1_raise_re_measures_the_whole_life(
    desk: Desk, clock: Clock
) -> None:
    rec = _raise_to_p1(desk, clock, retroactive=True)
    # P1: 4 hours around the clock from Monday 09:00 local -> Monday 13:00 local, long past
    assert rec.priority == 1
    assert rec.resolution_due == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert rec.sla_breached and rec.resolution is not None and rec.resolution.breached
    assert rec.response_due == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)  # 15 minutes from opening


def test_without_retroactive_start_the_p1_clock_starts_at_the_raise(
    desk: Desk, clock: Clock
) -> None:
    rec = _raise_to_p1(desk, clock, retroactive=False)
    # raised Wednesday 09:00 local: P1's 4 hours around the clock -> Wednesday 13:00 local
    assert rec.resolution_due == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert not rec.sla_breached
    assert rec.resolution is not None and rec.resolution.elapsed_s == 0
    assert rec.response_due == datetime(2026, 3, 4, 8, 15, tzinfo=UTC)  # nobody took it yet
    assert ("retroactive start", "yes", "no", "Dev Patel") in _audit(desk, "policy")


def test_without_retroactive_start_a_pause_running_at_the_raise_still_pauses(
    desk: Desk, clock: Clock
) -> None:
    # on hold from Tuesday 16:00 to Wednesday 11:00 local, raised Wednesday 09:00 while held:
    # the P1 clock starts at 09:00, paused until 11:00 -> due 15:00 local
    rec = _raise_to_p1(desk, clock, retroactive=False, hold=(31, 50))
    assert rec.resolution_due == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
    assert not rec.sla_breached


def test_pauses_before_a_raise_count_only_with_retroactive_start(desk: Desk, clock: Clock) -> None:
    # on hold Monday 10:00-12:00 local, raised at 14:00.
    # retroactive: 4 h of P1 from 09:00 without the 2 h pause -> 15:00 local
    rec = _raise_to_p1(desk, clock, retroactive=True, hold=(1, 3), raise_after_h=5)
    assert rec.resolution_due == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_pauses_before_a_raise_do_not_matter_without_retroactive_start(
    desk: Desk, clock: Clock
) -> None:
    # not retroactive: 4 h of P1 from the raise at 14:00 -> 18:00 local
    rec = _raise_to_p1(desk, clock, retroactive=False, hold=(1, 3), raise_after_h=5)
    assert rec.resolution_due == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
