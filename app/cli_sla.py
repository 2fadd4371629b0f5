"""The command line's verbs for business calendars, SLA policies and priorities (scripting what
Admin > SLA policies and calendars does; the same services, rules and audit).

    calendars list|show NAME [--json]
    calendars due NAME --start "2026-03-02 11:30" --response 1h --resolution 8h [--json]
    calendars month NAME YYYY-MM [--json]
    calendars add NAME --tz ZONE [--hours DAYS=HOURS]... [--24x7] [--holidays CC] [--subdiv S]
                  [--day-off DATE]...
    calendars edit NAME [--rename N] [--tz Z] [--hours DAYS=HOURS]... [--24x7 | --office-hours]
                  [--holidays CC] [--subdiv S] [--day-off DATE]... [--no-day-off DATE]...
                  [--preview] [--reason R] [--json]
    policies list|show NAME [--json]
    policies rules NAME [--json]
    policies set-rules NAME (--rule CLOCK:THRESHOLD:ACTION[:GROUP]... | --none) [--reason R]
    policies edit NAME [--rename N] [--calendar C] [--target P=RESPONSE/RESOLUTION]...
                  [--target-calendar P=CALENDAR]... [--auto-close N] [--retroactive yes|no]
                  [--active yes|no] [--preview] [--reason R] [--json]
    priorities list [--json]
    priorities color P COLOR|default [--reason R]

DAYS is a weekday, a range or a list ("mon-fri", "sat,sun"), HOURS "08:00-12:00,13:00-17:00" or
"closed". A rule is "resolution:75:notify_group" or "resolution:100:escalate_functional:Network"
(CLOCK response|resolution, THRESHOLD 50|75|100, ACTION one of notify_assignee, notify_group,
notify_supervisor, escalate_functional, escalate_hierarchical, flag); ``set-rules`` replaces
every rule of the policy. An edit of a calendar or a policy saves it and recomputes the due times of the open
incidents it re-measures, in one transaction; ``--preview`` says which, and writes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.errors import NotFound, ValidationError
from app.domain.escalation import EscalationRule, check_rule
from app.domain.sla_config import (
    WEEKDAYS,
    CalendarRecord,
    CalendarSpec,
    PolicyRecord,
    PolicySpec,
    TargetSpec,
    day_hours_text,
    duration_words,
    parse_day_hours,
    parse_duration,
)
from app.domain.wording import plural
from app.services import calendars, escalation_rules, queries, sla_changes, sla_policies
from app.services import priority_colors as colors_service
from app.services.context import Actor, Desk

NOUNS = ("calendars", "policies", "priorities")
_SHORT = {w[:3].lower(): i for i, w in enumerate(WEEKDAYS)}


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    cal = sub.add_parser("calendars", help="business calendars", parents=[plain])
    csub = cal.add_subparsers(dest="sla_verb", metavar="ACTION", required=True)
    lst = csub.add_parser("list", parents=[plain], help="every calendar")
    lst.add_argument("--json", action="store_true")
    show = csub.add_parser("show", parents=[plain], help="one calendar's hours and days off")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    due = csub.add_parser("due", parents=[plain], help="when targets from a start would be due")
    due.add_argument("name", metavar="NAME")
    due.add_argument("--start", required=True, help="'2026-03-02 11:30' (the calendar's zone)")
    due.add_argument("--response", required=True, help="a duration: 1h, 15m, 4 hours")
    due.add_argument("--resolution", required=True, help="a duration: 8h, 1 hour 30 minutes")
    due.add_argument("--json", action="store_true")
    month = csub.add_parser("month", parents=[plain], help="the working and non-working days")
    month.add_argument("name", metavar="NAME")
    month.add_argument("month", metavar="YYYY-MM")
    month.add_argument("--json", action="store_true")
    for verb in ("add", "edit"):
        p = csub.add_parser(
            verb,
            parents=[acting],
            help="a new calendar"
            if verb == "add"
            else "change a calendar and recompute the open incidents it measures",
        )
        p.add_argument("name", metavar="NAME")
        p.add_argument("--tz", required=verb == "add", help="an IANA time zone")
        p.add_argument(
            "--hours",
            action="append",
            default=[],
            metavar="DAYS=HOURS",
            help="mon-fri=08:00-12:00,13:00-17:00 or sat,sun=closed (repeatable)",
        )
        always = p.add_mutually_exclusive_group()
        always.add_argument("--24x7", dest="always", action="store_true", default=None)
        if verb == "edit":
            always.add_argument(
                "--office-hours", dest="always", action="store_false", help="not 24x7"
            )
            p.add_argument("--rename", metavar="NEW_NAME")
            p.add_argument("--no-day-off", action="append", default=[], metavar="DATE")
            p.add_argument("--preview", action="store_true", help="say what it would change")
        p.add_argument("--holidays", metavar="CC", help="a country's public holidays ('' none)")
        p.add_argument("--subdiv", metavar="S", help="its subdivision ('' none)")
        p.add_argument("--day-off", action="append", default=[], metavar="DATE")
        p.add_argument("--reason")
        p.add_argument("--json", action="store_true")

    pol = sub.add_parser("policies", help="SLA policies", parents=[plain])
    psub = pol.add_subparsers(dest="sla_verb", metavar="ACTION", required=True)
    lst = psub.add_parser("list", parents=[plain], help="every SLA policy")
    lst.add_argument("--json", action="store_true")
    show = psub.add_parser("show", parents=[plain], help="one policy's targets")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    rules = psub.add_parser("rules", parents=[plain], help="what a policy does by itself")
    rules.add_argument("name", metavar="NAME")
    rules.add_argument("--json", action="store_true")
    set_rules = psub.add_parser(
        "set-rules", parents=[acting], help="replace what a policy does by itself"
    )
    set_rules.add_argument("name", metavar="NAME")
    which = set_rules.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--rule", action="append", default=[], metavar="CLOCK:THRESHOLD:ACTION[:GROUP]",
        help="resolution:75:notify_group (repeatable)",
    )  # fmt: skip
    which.add_argument("--none", action="store_true", help="no rule at all")
    set_rules.add_argument("--reason")
    set_rules.add_argument("--json", action="store_true")
    edit = psub.add_parser(
        "edit", parents=[acting], help="change a policy and recompute the incidents it measures"
    )
    edit.add_argument("name", metavar="NAME")
    edit.add_argument("--rename", metavar="NEW_NAME")
    edit.add_argument("--calendar", metavar="CALENDAR")
    edit.add_argument(
        "--target", action="append", default=[], metavar="P=RESPONSE/RESOLUTION",
        help="2=1h/8h (repeatable)",
    )  # fmt: skip
    edit.add_argument(
        "--target-calendar", action="append", default=[], metavar="P=CALENDAR",
        help="1=24x7; 'policy' for the policy's calendar",
    )  # fmt: skip
    edit.add_argument("--auto-close", type=int, metavar="DAYS")
    edit.add_argument("--retroactive", choices=("yes", "no"))
    edit.add_argument("--active", choices=("yes", "no"))
    edit.add_argument("--preview", action="store_true", help="say what it would change")
    edit.add_argument("--reason")
    edit.add_argument("--json", action="store_true")

    pri = sub.add_parser(
        "priorities", help="the priorities' names, colours and targets", parents=[plain]
    )
    prsub = pri.add_subparsers(dest="sla_verb", metavar="ACTION", required=True)
    lst = prsub.add_parser("list", parents=[plain], help="every priority")
    lst.add_argument("--json", action="store_true")
    color = prsub.add_parser("color", parents=[acting], help="the colour a priority is shown in")
    color.add_argument("priority", type=int, metavar="P")
    color.add_argument("color", metavar="COLOR", help="#rrggbb, or 'default' for the desk's")
    color.add_argument("--reason")


def needs_actor(args: argparse.Namespace) -> bool:
    return bool(args.sla_verb in ("add", "edit", "color", "set-rules"))


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _calendar(desk: Desk, name: str) -> CalendarRecord:
    wanted = " ".join(name.split()).lower()
    for c in calendars.calendars(desk):
        if c.name.lower() == wanted:
            return c
    known = ", ".join(c.name for c in calendars.calendars(desk))
    raise NotFound(f"No calendar named {name!r} (calendars: {known})")


def _policy(desk: Desk, name: str) -> PolicyRecord:
    wanted = " ".join(name.split()).lower()
    for p in sla_policies.policies(desk):
        if p.name.lower() == wanted:
            return p
    known = ", ".join(p.name for p in sla_policies.policies(desk))
    raise NotFound(f"No SLA policy named {name!r} (policies: {known})")


def _calendar_json(c: CalendarRecord) -> dict[str, Any]:
    return {
        "name": c.name,
        "tz": c.tz,
        "always": c.always,
        "hours": {w: day_hours_text(d) for w, d in zip(WEEKDAYS, c.week, strict=True)},
        "holiday_country": c.holiday_country,
        "holiday_subdiv": c.holiday_subdiv,
        "custom_days_off": [d.isoformat() for d in c.custom_holidays],
    }


def _policy_json(p: PolicyRecord) -> dict[str, Any]:
    return {
        "name": p.name,
        "calendar": p.calendar_name,
        "active": p.active,
        "auto_close_days": p.auto_close_days,
        "retroactive_start": p.retroactive_start,
        "targets": [
            {
                "priority": t.priority,
                "response_s": t.response_s,
                "resolution_s": t.resolution_s,
                "calendar": t.calendar_name,
            }
            for t in p.targets
        ],
    }


def _days(text: str) -> list[int]:
    """'mon-fri', 'sat,sun', 'tuesday' -> weekday indexes; a ValidationError otherwise."""
    out: list[int] = []
    for part in text.split(","):
        ends = [e.strip().lower()[:3] for e in part.split("-")]
        if len(ends) not in (1, 2) or any(e not in _SHORT for e in ends):
            raise ValidationError(
                f"--hours: {part.strip()!r} is not a weekday or a range like mon-fri",
                field="week",
            )
        a, b = _SHORT[ends[0]], _SHORT[ends[-1]]
        if b < a:
            raise ValidationError(f"--hours: {part.strip()!r} runs backwards", field="week")
        out.extend(range(a, b + 1))
    return out


def _week(base: tuple[Any, ...], items: list[str]) -> tuple[Any, ...]:
    week = list(base) if len(base) == 7 else [()] * 7
    for item in items:
        days, sep, hours = item.partition("=")
        if not sep:
            raise ValidationError(
                f"--hours {item!r}: write DAYS=HOURS, like mon-fri=08:00-17:00", field="week"
            )
        for i in _days(days):
            week[i] = parse_day_hours(hours, WEEKDAYS[i])
    return tuple(week)


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{what}: {text!r} is not a date like 2026-03-03", field="custom_holidays"
        ) from None


def _calendar_spec(args: argparse.Namespace, base: CalendarRecord | None) -> CalendarSpec:
    spec = base.spec() if base is not None else CalendarSpec(args.name, args.tz or "")
    always = spec.always if args.always is None else bool(args.always)
    base_week = spec.week if base is not None and not base.always else ()
    if not always and not base_week and not args.hours:
        raise ValidationError(
            "A calendar that is not 24x7 needs its hours: --hours mon-fri=08:00-17:00",
            field="week",
        )
    week = () if always else _week(base_week, args.hours)
    days = set(spec.custom_holidays) | {_date(d, "--day-off") for d in args.day_off}
    for d in getattr(args, "no_day_off", []):
        gone = _date(d, "--no-day-off")
        if gone not in days:
            raise ValidationError(
                f"--no-day-off: {gone} is not a custom day off", field="custom_holidays"
            )
        days.discard(gone)
    return CalendarSpec(
        name=getattr(args, "rename", None) or spec.name,
        tz=args.tz if args.tz is not None else spec.tz,
        week=week,
        always=always,
        holiday_country=args.holidays if args.holidays is not None else spec.holiday_country,
        holiday_subdiv=args.subdiv if args.subdiv is not None else spec.holiday_subdiv,
        custom_holidays=tuple(sorted(days)),
    )


def _yes(value: str | None, current: bool) -> bool:
    return current if value is None else value == "yes"


def _policy_spec(desk: Desk, args: argparse.Namespace, base: PolicyRecord) -> PolicySpec:
    spec = base.spec()
    targets = dict(spec.targets)
    for item in args.target:
        p, sep, both = item.partition("=")
        response, slash, resolution = both.partition("/")
        if not sep or not slash or not p.strip().isdigit():
            raise ValidationError(
                f"--target {item!r}: write P=RESPONSE/RESOLUTION, like 2=1h/8h", field="targets"
            )
        n = int(p)
        old = targets.get(n)
        targets[n] = TargetSpec(
            parse_duration(response, f"P{n} response"),
            parse_duration(resolution, f"P{n} resolution"),
            old.calendar_id if old else None,
        )
    for item in args.target_calendar:
        p, sep, name = item.partition("=")
        if not sep or not p.strip().isdigit() or int(p) not in targets:
            raise ValidationError(
                f"--target-calendar {item!r}: write P=CALENDAR for a priority with targets",
                field="targets",
            )
        n = int(p)
        cal_id = None if name.strip().lower() == "policy" else _calendar(desk, name).id
        targets[n] = dataclasses.replace(targets[n], calendar_id=cal_id)
    return PolicySpec(
        args.rename or spec.name,
        _calendar(desk, args.calendar).id if args.calendar else spec.calendar_id,
        targets,
        args.auto_close if args.auto_close is not None else spec.auto_close_days,
        _yes(args.retroactive, spec.retroactive_start),
        _yes(args.active, spec.active),
    )


def _preview_out(preview: sla_policies.PolicyPreview, what: str, as_json: bool) -> int:
    if as_json:
        _print_json(
            {
                "count": preview.count,
                "per_priority": {str(p): n for p, n in preview.per_priority},
                "changes": [
                    {
                        "number": s.number,
                        "old_due": s.old_due.isoformat() if s.old_due else None,
                        "new_due": s.new_due.isoformat() if s.new_due else None,
                    }
                    for s in preview.shifts
                ],
            }
        )
        return 0
    print(f"Saving {what} would re-measure {plural(preview.count, 'open incident')}")
    for p, n in preview.per_priority:
        print(f"  P{p}: {n}")
    for s in preview.shifts:
        print(
            f"{s.number}  {s.old_due:%Y-%m-%d %H:%M} -> "
            + (f"{s.new_due:%Y-%m-%d %H:%M}" if s.new_due else "paused")
            + f" UTC  {s.title}"
        )
    return 0


def _applied_out(done: sla_changes.DueApplied, what: str, as_json: bool) -> int:
    if as_json:
        _print_json(
            {
                "measured": done.measured,
                "moved": done.moved,
                "changes": [
                    {
                        "number": n,
                        "old_due": o.isoformat() if o else None,
                        "new_due": d.isoformat() if d else None,
                    }
                    for n, o, d in done.changes
                ],
            }
        )
        return 0
    print(f"Saved {what}: {plural(done.moved, 'open incident')} got new due times")
    return 0


def run(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    noun, verb = args.command, args.sla_verb
    if noun == "calendars":
        return _run_calendars(args, desk, actor, verb)
    if noun == "policies":
        return _run_policies(args, desk, actor, verb)
    return _run_priorities(args, desk, actor, verb)


def _run_calendars(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    if verb == "list":
        records = calendars.calendars(desk)
        if args.json:
            _print_json([_calendar_json(c) for c in records])
        else:
            for c in records:
                print(f"{c.name}  ({'24x7' if c.always else c.tz})")
        return 0
    if verb == "add":
        assert actor is not None
        spec = _calendar_spec(args, None)
        done = sla_changes.apply_calendar(desk, actor, spec, None, reason=args.reason)
        assert done.calendar is not None
        if args.json:
            _print_json(_calendar_json(done.calendar))
        else:
            print(f"Added the calendar {done.calendar.name}.")
        return 0
    record = _calendar(desk, args.name)
    if verb == "show":
        if args.json:
            _print_json(_calendar_json(record))
            return 0
        print(f"{record.name}: {'24x7' if record.always else 'business hours'}, {record.tz}")
        if not record.always:
            for w, d in zip(WEEKDAYS, record.week, strict=True):
                print(f"  {w}: {day_hours_text(d)}")
            where = record.holiday_country or "none"
            if record.holiday_subdiv:
                where += f"-{record.holiday_subdiv}"
            print(f"  public holidays: {where}")
            days = ", ".join(d.isoformat() for d in record.custom_holidays) or "none"
            print(f"  custom days off: {days}")
        return 0
    if verb == "due":
        zone = ZoneInfo(record.tz)
        try:
            start = datetime.fromisoformat(args.start.strip())
        except ValueError:
            raise ValidationError(
                f"--start: {args.start!r} is not a time like '2026-03-02 11:30'", field="start"
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        due = sla_policies.due_times(
            record.spec(),
            start,
            parse_duration(args.response, "--response"),
            parse_duration(args.resolution, "--resolution"),
        )
        times = {
            "start": start.astimezone(zone).isoformat(),
            "response_due": due.response_due.astimezone(zone).isoformat(),
            "resolution_due": due.resolution_due.astimezone(zone).isoformat(),
        }
        if args.json:
            _print_json(times)
        else:
            fmt = "%a %Y-%m-%d %H:%M %Z"
            print(f"Response due   {due.response_due.astimezone(zone):{fmt}}")
            print(f"Resolution due {due.resolution_due.astimezone(zone):{fmt}}")
        return 0
    if verb == "month":
        try:
            first = date.fromisoformat(f"{args.month.strip()}-01")
        except ValueError:
            raise ValidationError(
                f"{args.month!r} is not a month like 2026-03", field="month"
            ) from None
        month_days = sla_policies.month_view(record.spec(), first.year, first.month)
        if args.json:
            _print_json(
                [
                    {"date": md.day.isoformat(), "working": md.working, "why": md.why}
                    for md in month_days
                ]
            )
        else:
            for md in month_days:
                print(
                    f"{md.day:%a %Y-%m-%d}  {'working' if md.working else 'off: ' + (md.why or '')}"
                )
        return 0
    assert verb == "edit" and actor is not None
    spec = _calendar_spec(args, record)
    if args.preview:
        return _preview_out(
            sla_changes.preview_calendar(desk, spec, record.id),
            f"the calendar {record.name}",
            args.json,
        )
    done = sla_changes.apply_calendar(desk, actor, spec, record.id, reason=args.reason)
    return _applied_out(done, f"the calendar {spec.name}", args.json)


def _run_policies(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    if verb == "list":
        records = sla_policies.policies(desk)
        if args.json:
            _print_json([_policy_json(p) for p in records])
        else:
            for p in records:
                state = "active" if p.active else "inactive"
                print(f"{p.name}  (on {p.calendar_name}; {state})")
        return 0
    record = _policy(desk, args.name)
    if verb == "show":
        if args.json:
            _print_json(_policy_json(record))
            return 0
        print(
            f"{record.name}: on {record.calendar_name}; auto-close after {record.auto_close_days} "
            f"business days; retroactive start {'on' if record.retroactive_start else 'off'}"
        )
        for t in record.targets:
            print(
                f"  P{t.priority}: respond {duration_words(t.response_s)}, "
                f"resolve {duration_words(t.resolution_s)} ({t.calendar_name})"
            )
        return 0
    if verb == "rules":
        return _rules_out(desk, escalation_rules.list_rules(desk, record.id), args.json)
    if verb == "set-rules":
        assert actor is not None
        wanted = [] if args.none else [_parse_rule(desk, text) for text in args.rule]
        saved = escalation_rules.set_rules(desk, actor, record.id, wanted, args.reason)
        if not args.json:
            print(f"{record.name}: {plural(len(saved), 'rule')} saved")
        return _rules_out(desk, saved, args.json)
    assert verb == "edit" and actor is not None
    spec = _policy_spec(desk, args, record)
    if args.preview:
        return _preview_out(
            sla_policies.preview_policy(desk, spec, record.id),
            f"the policy {record.name}",
            args.json,
        )
    done = sla_changes.apply_policy(desk, actor, spec, record.id, reason=args.reason)
    return _applied_out(done, f"the policy {spec.name.strip()}", args.json)


def _parse_rule(desk: Desk, text: str) -> EscalationRule:
    """'resolution:100:escalate_functional:Network' -> a rule; a ValidationError naming it."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (3, 4) or not parts[1].isdigit():
        raise ValidationError(
            f"--rule {text!r}: write CLOCK:THRESHOLD:ACTION[:GROUP], like resolution:75:notify_group",
            field="rules",
        )
    group_id = None
    if len(parts) == 4:
        wanted = " ".join(parts[3].split()).lower()
        groups = queries.groups(desk)
        found = next((g for g in groups if g.name.lower() == wanted), None)
        if found is None:
            known = ", ".join(g.name for g in groups)
            raise ValidationError(f"--rule {text!r}: no group named {parts[3]!r} (groups: {known})")
        group_id = found.id
    try:
        return check_rule(parts[0], int(parts[1]), parts[2], group_id)
    except ValidationError as exc:
        raise ValidationError(f"--rule {text!r}: {exc}", field="rules") from None


def _rules_out(desk: Desk, rules: list[EscalationRule], as_json: bool) -> int:
    names = {g.id: g.name for g in queries.groups(desk)}
    if as_json:
        _print_json(
            [
                {
                    "clock": r.clock,
                    "threshold": r.threshold,
                    "action": r.action.value,
                    "group": names.get(r.group_id) if r.group_id is not None else None,
                }
                for r in rules
            ]
        )
        return 0
    for r in rules:
        print("  " + r.describe(names.get(r.group_id) if r.group_id is not None else None))
    if not rules:
        print("  no rule: this policy's clocks only show, nobody is told")
    return 0


def _run_priorities(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    matrix = queries.matrix(desk)
    colors = colors_service.priority_colors(desk)
    if verb == "list":
        default = next((p for p in sla_policies.policies(desk) if p.active), None)
        by = {t.priority: t for t in default.targets} if default else {}
        rows: list[dict[str, Any]] = []
        for p in range(1, matrix.priorities + 1):
            t = by.get(p)
            rows.append(
                {
                    "priority": p,
                    "name": matrix.priority_labels[p - 1],
                    "color": colors[p - 1] if p <= len(colors) else None,
                    "policy": default.name if default else None,
                    "response_s": t.response_s if t else None,
                    "resolution_s": t.resolution_s if t else None,
                    "calendar": t.calendar_name if t else None,
                }
            )
        if args.json:
            _print_json(rows)
        else:
            for p in range(1, matrix.priorities + 1):
                t = by.get(p)
                color = colors[p - 1] if p <= len(colors) else None
                terms = (
                    f"respond {duration_words(t.response_s)}, resolve "
                    f"{duration_words(t.resolution_s)} ({t.calendar_name}, "
                    f"{default.name if default else ''})"
                    if t
                    else "no targets"
                )
                print(f"{matrix.priority_label(p)}  {color or 'desk colour'}  {terms}")
        return 0
    assert verb == "color" and actor is not None
    p = args.priority
    if not 1 <= p <= matrix.priorities:
        raise ValidationError(
            f"No priority {p}: the matrix has 1 to {matrix.priorities}", field="priority"
        )
    wanted = list(colors) + [None] * (matrix.priorities - len(colors))
    wanted[p - 1] = None if args.color.strip().lower() == "default" else args.color
    stored = colors_service.set_priority_colors(desk, actor, wanted, reason=args.reason)
    shown = stored[p - 1] if p <= len(stored) else None
    print(f"{matrix.priority_label(p)} is shown in {shown or 'the desk colour'}.")
    return 0
