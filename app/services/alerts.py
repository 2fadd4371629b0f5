"""Monitoring alerts in: an alert logs an incident (through `log_incident`'s rules, audit and
journal), a repeat of it adds to that incident while it is open ("seen 3 times", last seen),
and its resolution adds a note and, where its rule says so, resolves the incident.

Deduplication is the database's: `alerts.open_fingerprint` is unique, so of two identical
alerts arriving at the same instant (two connections, two intake processes) one logs the
incident and the other, refused by the constraint, counts as a repeat of it. Rules map labels
to category, service, group, impact and urgency (admins edit them here or load them from a
file); an alert no rule matches gets its levels from its `severity` label and lands in the
default intake group."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.alerts import FIRING, Alert, AlertRule, check_rule, default_levels, first_match
from app.domain.errors import DeskError, NotFound, ValidationError
from app.domain.lifecycle import ResolutionCode
from app.domain.records import Channel, JournalKind
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.domain.wording import local_time, plural
from app.models import (
    AlertRow,
    AlertRuleRow,
    Category,
    ConfigItem,
    Group,
    Incident,
    JournalEntry,
    Setting,
)
from app.services import queries
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.lifecycle import resolve
from app.services.incidents.mutation import MAX_TITLE, write_journal
from app.services.incidents.new import NewIncident, log_in_session

INTAKE_SETTING = "intake"  # {"default_group_id": 3}

CREATED = "created"
REPEATED = "repeated"
RESOLVED = "resolved"
IGNORED = "ignored"


@dataclass(frozen=True)
class AlertOutcome:
    """What one alert did: logged an incident, added to one, resolved one, or nothing (why)."""

    fingerprint: str
    action: str  # CREATED, REPEATED, RESOLVED, IGNORED
    incident_number: str | None
    times_seen: int
    note: str = ""


@dataclass(frozen=True)
class AlertRecord:
    """An alert with its incident, as `incidentdesk intake alerts` lists it."""

    fingerprint: str
    name: str
    incident_number: str | None
    times_seen: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    open: bool


# -- the default group ------------------------------------------------------------------------


def default_group(desk: Desk) -> int | None:
    """Where an alert no rule routes lands: the configured intake group, else the first
    first-line group (by id), else the first group; None on a desk without groups."""
    with desk.read() as conn:
        value = conn.execute(select(Setting.value).where(Setting.key == INTAKE_SETTING)).scalar()
        if isinstance(value, dict) and isinstance(value.get("default_group_id"), int):
            gid = conn.execute(
                select(Group.id).where(Group.id == value["default_group_id"])
            ).scalar()
            if gid is not None:
                return int(gid)
        gid = conn.execute(select(Group.id).order_by(Group.line, Group.id).limit(1)).scalar()
        return int(gid) if gid is not None else None


def set_default_group(desk: Desk, actor: Actor, group_name: str) -> int:
    """Name the group alerts without a rule land in (an admin's choice, audited)."""
    actor.require(Permission.CONFIGURE)
    forget_routing()
    gid = _group_id(desk, group_name)
    with desk.write() as s:
        row = s.get(Setting, INTAKE_SETTING)
        old = row.value if row is not None else None
        old_name = None
        if isinstance(old, dict) and isinstance(old.get("default_group_id"), int):
            g = s.get(Group, old["default_group_id"])
            old_name = g.name if g is not None else None
        value = dict(old) if isinstance(old, dict) else {}
        value["default_group_id"] = gid
        if row is None:
            s.add(Setting(key=INTAKE_SETTING, value=value))
        else:
            row.value = value
        new_name = s.get(Group, gid)
        record_changes(
            s,
            actor,
            "intake",
            None,
            "Intake",
            [FieldDiff("default_group", old_name, new_name.name if new_name else None)],
            desk.now(),
        )
        append_change(s, "setting", 0, "updated", actor.id)
    return gid


# -- rules ------------------------------------------------------------------------------------


def _group_id(desk: Desk, name: str) -> int:
    for g in queries.groups(desk):
        if g.name.lower() == name.strip().lower():
            return g.id
    known = ", ".join(g.name for g in queries.groups(desk)) or "none yet"
    raise ValidationError(f"No group named {name!r} (groups: {known})", field="group")


def _category_id(desk: Desk, path: str) -> int:
    key = " > ".join(part.strip().lower() for part in path.split(">"))
    cats = queries.categories(desk)
    found = [c for c in cats if c.path.lower() == key] or [c for c in cats if c.name.lower() == key]
    if len(found) == 1:
        return found[0].id
    if found:
        raise ValidationError(
            f"The category {path!r} is ambiguous: {', '.join(c.path for c in found)}",
            field="category",
        )
    raise ValidationError(f"No category {path!r}", field="category")


def _service_id(desk: Desk, name: str) -> int:
    for svc in queries.services(desk):
        if svc.name.lower() == name.strip().lower():
            return svc.id
    raise ValidationError(f"No service named {name!r}", field="service")


def _row_values(desk: Desk, rule: AlertRule) -> dict[str, object]:
    rule = check_rule(rule)
    code = None
    if rule.resolve_code is not None:
        # the code or its label: "solution_provided" or "Solution provided"
        key = rule.resolve_code.strip().lower().replace(" ", "_")
        found = [c for c in ResolutionCode if key in (c.value, c.label.lower().replace(" ", "_"))]
        if not found:
            codes = ", ".join(c.value for c in ResolutionCode)
            raise ValidationError(
                f"Rule {rule.name!r}: unknown resolution code {rule.resolve_code!r} ({codes})",
                field="resolve_code",
            )
        code = found[0].value
    matrix = queries.matrix(desk)
    for what, level in (("impact", rule.impact), ("urgency", rule.urgency)):
        size = len(matrix.impact_labels if what == "impact" else matrix.urgency_labels)
        if level is not None and not 1 <= level <= size:
            raise ValidationError(
                f"Rule {rule.name!r}: {what} {level} is not a level of the matrix (1 to {size})",
                field=what,
            )
    return {
        "name": rule.name,
        "position": rule.position,
        "matchers": dict(rule.matchers),
        "category_id": _category_id(desk, rule.category) if rule.category else None,
        "config_item_id": _service_id(desk, rule.service) if rule.service else None,
        "group_id": _group_id(desk, rule.group) if rule.group else None,
        "impact": rule.impact,
        "urgency": rule.urgency,
        "resolve_code": code,
    }


def list_rules(desk: Desk) -> list[AlertRule]:
    """The rules in the order they are tried, with names for their category, service, group."""
    cats = {c.id: c.path for c in queries.categories(desk)}
    svcs = {s.id: s.name for s in queries.services(desk)}
    groups = {g.id: g.name for g in queries.groups(desk)}
    with desk.query() as s:
        rows = s.scalars(
            select(AlertRuleRow).order_by(AlertRuleRow.position, AlertRuleRow.id)
        ).all()
        return [
            AlertRule(
                name=r.name,
                matchers=dict(r.matchers),
                category=cats.get(r.category_id) if r.category_id else None,
                service=svcs.get(r.config_item_id) if r.config_item_id else None,
                group=groups.get(r.group_id) if r.group_id else None,
                impact=r.impact,
                urgency=r.urgency,
                resolve_code=r.resolve_code,
                position=r.position,
                id=r.id,
            )
            for r in rows
        ]


def _describe(values: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items() if k != "name" and v is not None)


def save_rule(desk: Desk, actor: Actor, rule: AlertRule) -> int:
    """Add a rule, or replace the one of the same name (admins; audited)."""
    actor.require(Permission.CONFIGURE)
    forget_routing()
    values = _row_values(desk, rule)
    with desk.write() as s:
        row = s.scalar(select(AlertRuleRow).where(AlertRuleRow.name == values["name"]))
        old = None
        if row is None:
            row = AlertRuleRow(**values)
            s.add(row)
        else:
            old = _describe({c: getattr(row, c) for c in values})
            for k, v in values.items():
                setattr(row, k, v)
        s.flush()
        record_changes(
            s,
            actor,
            "alert_rule",
            row.id,
            str(values["name"]),
            [FieldDiff("rule", old, _describe(values))],
            desk.now(),
        )
        append_change(s, "setting", row.id, "updated", actor.id)
        return int(row.id)


def remove_rule(desk: Desk, actor: Actor, name: str) -> None:
    actor.require(Permission.CONFIGURE)
    forget_routing()
    with desk.write() as s:
        row = s.scalar(select(AlertRuleRow).where(AlertRuleRow.name == " ".join(name.split())))
        if row is None:
            raise NotFound(f"No alert rule named {name!r}")
        old = _describe({c: getattr(row, c) for c in ("matchers", "group_id", "impact", "urgency")})
        s.delete(row)
        record_changes(
            s, actor, "alert_rule", row.id, row.name, [FieldDiff("rule", old, None)], desk.now()
        )
        append_change(s, "setting", row.id, "updated", actor.id)


def replace_rules(desk: Desk, actor: Actor, rules: Sequence[AlertRule]) -> int:
    """Make the rules exactly `rules` (a rules file), in one transaction: all or nothing."""
    actor.require(Permission.CONFIGURE)
    forget_routing()
    values = [_row_values(desk, r) for r in rules]  # every rule checked before any write
    now = desk.now()
    with desk.write() as s:
        before = s.scalars(select(AlertRuleRow)).all()
        for row in before:
            record_changes(
                s,
                actor,
                "alert_rule",
                row.id,
                row.name,
                [FieldDiff("rule", "from file", None)],
                now,
            )
        s.execute(delete(AlertRuleRow))
        s.flush()
        for v in values:
            row = AlertRuleRow(**v)
            s.add(row)
            s.flush()
            record_changes(
                s,
                actor,
                "alert_rule",
                row.id,
                str(v["name"]),
                [FieldDiff("rule", None, _describe(v))],
                now,
            )
        append_change(s, "setting", 0, "updated", actor.id)
    return len(values)


# -- receiving --------------------------------------------------------------------------------


def receive(desk: Desk, actor: Actor, alerts: Sequence[Alert]) -> list[AlertOutcome]:
    """Each alert in its own transaction: firing ones log or add to an incident, resolved
    ones note (and maybe resolve) theirs."""
    actor.require(Permission.LOG)
    rules, fallback = _routing(desk) if alerts else ([], None)
    return [
        _fire(desk, actor, a, rules, fallback) if a.status == FIRING else _clear(desk, actor, a)
        for a in alerts
    ]


ROUTING_TTL_S = 2.0  # a rule or default group changed elsewhere applies within this
# per desk (weakly: a desk that is gone takes its entry along, never handing it to a new one)
_routing_cache: weakref.WeakKeyDictionary[Desk, tuple[float, list[AlertRule], int | None]] = (
    weakref.WeakKeyDictionary()
)
_routing_lock = threading.Lock()


def _routing(desk: Desk) -> tuple[list[AlertRule], int | None]:
    """The rules and the default group, read at most every ROUTING_TTL_S seconds per desk (a
    busy intake would otherwise read them for every alert)."""
    with _routing_lock:
        hit = _routing_cache.get(desk)
    if hit is not None and time.monotonic() - hit[0] < ROUTING_TTL_S:
        return hit[1], hit[2]
    rules, fallback = list_rules(desk), default_group(desk)
    with _routing_lock:
        _routing_cache[desk] = (time.monotonic(), rules, fallback)
    return rules, fallback


def forget_routing() -> None:
    """Read the rules anew on the next alert (after a change made in this process)."""
    with _routing_lock:
        _routing_cache.clear()


def _open_row(s: Session, desk: Desk, fingerprint: str) -> AlertRow | None:
    # populate_existing: an UPDATE of `_repeat_open` may have counted it since it was loaded
    stmt = (
        select(AlertRow)
        .where(AlertRow.open_fingerprint == fingerprint)
        .execution_options(populate_existing=True)
    )
    if desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return s.scalars(stmt).first()


def _seen_again(zone: tzinfo, times_seen: int, first_seen: datetime, now: datetime) -> str:
    return (
        f"Alert seen again: {plural(times_seen, 'time')}, "
        f"first {local_time(first_seen, zone)}, last {local_time(now, zone)}"
    )


_incident_active = (
    select(Incident.id).where(Incident.id == AlertRow.incident_id, Incident.active).exists()
)
_incident_number = (
    select(Incident.number).where(Incident.id == AlertRow.incident_id).scalar_subquery()
)


def _repeat_open(
    s: Session, desk: Desk, actor: Actor, alert: Alert, now: datetime
) -> AlertOutcome | None:
    """A repeat of an alert whose incident is open, in three statements: its row counted and
    locked by one UPDATE (a second repeat at the same instant waits for this one's commit and
    counts on from it), the journal's note, the change feed's entry. None when no open
    incident has the fingerprint (the caller then logs one, or loses that race to another)."""
    conn = s.connection()
    found = conn.execute(
        update(AlertRow)
        .where(AlertRow.open_fingerprint == alert.fingerprint, _incident_active)
        .values(times_seen=AlertRow.times_seen + 1, last_seen=now)
        .returning(AlertRow.times_seen, AlertRow.first_seen, AlertRow.incident_id, _incident_number)
    ).first()
    if found is None:
        return None
    times_seen, first_seen, incident_id, number = found
    conn.execute(
        insert(JournalEntry).values(
            incident_id=incident_id,
            kind=JournalKind.SYSTEM.value,
            body=_seen_again(desk.zone, times_seen, first_seen, now),
            author_id=actor.id,
            created_at=now,
            time_worked_s=0,
        )
    )
    append_change(conn, "incident", incident_id, "journal", actor.id)
    return AlertOutcome(alert.fingerprint, REPEATED, number, times_seen)


def _repeat(s: Session, desk: Desk, actor: Actor, row: AlertRow, now: datetime) -> AlertOutcome:
    row.times_seen += 1
    row.last_seen = now
    inc = s.get(Incident, row.incident_id)
    assert inc is not None, "an open alert's incident exists (foreign key, cascade)"
    zone = desk.zone
    write_journal(
        s,
        inc,
        JournalKind.SYSTEM,
        _seen_again(zone, row.times_seen, row.first_seen, now),
        actor,
        now,
    )
    s.flush()
    append_change(s, "incident", inc.id, "journal", actor.id)
    return AlertOutcome(row.fingerprint, REPEATED, inc.number, row.times_seen)


def _description(alert: Alert) -> str:
    parts = [alert.description] if alert.description else []
    if alert.labels:
        parts.append("Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())))
    if alert.starts_at:
        parts.append(f"Firing since: {alert.starts_at}")
    if alert.url:
        parts.append(f"Source: {alert.url}")
    parts.append(f"Alert from {alert.source}, fingerprint {alert.fingerprint}")
    return "\n\n".join(parts)


def _title(alert: Alert) -> str:
    title = " ".join(alert.title.split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def _new_incident(
    s: Session,
    alert: Alert,
    rule: AlertRule | None,
    rows: dict[str, AlertRuleRow],
    fallback: int | None,
) -> NewIncident:
    row = rows.get(rule.name) if rule is not None else None
    impact, urgency = default_levels(alert.labels)
    category_id = row.category_id if row is not None else None
    group_id = row.group_id if row is not None else None
    if group_id is None and category_id is not None:
        category = s.get(Category, category_id)
        group_id = category.default_group_id if category is not None else None
    if group_id is None and row is not None and row.config_item_id is not None:
        svc = s.get(ConfigItem, row.config_item_id)
        group_id = svc.group_id if svc is not None else None
    return NewIncident(
        title=_title(alert),
        description=_description(alert),
        channel=Channel.MONITORING.value,
        category_id=category_id,
        config_item_id=row.config_item_id if row is not None else None,
        impact=row.impact if row is not None and row.impact is not None else impact,
        urgency=row.urgency if row is not None and row.urgency is not None else urgency,
        group_id=group_id if group_id is not None else fallback,
    )


def _fire(
    desk: Desk, actor: Actor, alert: Alert, rules: Sequence[AlertRule], fallback: int | None
) -> AlertOutcome:
    now = desk.now()
    rule = first_match(rules, alert.labels)
    with desk.write() as s:
        repeated = _repeat_open(s, desk, actor, alert, now)
        if repeated is not None:
            return repeated
        row = _open_row(s, desk, alert.fingerprint)
        if row is not None:
            inc = s.get(Incident, row.incident_id)
            if inc is not None and inc.active:
                return _repeat(s, desk, actor, row, now)
            row.open_fingerprint = None  # its incident was resolved, closed or cancelled
            s.flush()
        rule_rows = (
            {
                r.name: r
                for r in s.scalars(select(AlertRuleRow).where(AlertRuleRow.name == rule.name))
            }
            if rule is not None
            else {}
        )
        claim = AlertRow(
            fingerprint=alert.fingerprint,
            open_fingerprint=alert.fingerprint,
            rule_id=rule_rows[rule.name].id
            if rule is not None and rule.name in rule_rows
            else None,
            source=alert.source,
            name=alert.name[:300],
            labels=dict(alert.labels),
            times_seen=1,
            first_seen=now,
            last_seen=now,
        )
        try:
            with s.begin_nested():
                s.add(claim)
                s.flush()
        except IntegrityError:
            # the same alert, at the same instant, on another connection: that one logged
            # the incident (its commit is what the constraint waited for); this is a repeat
            row = _open_row(s, desk, alert.fingerprint)
            if row is None:  # the winner's alert cleared in between: take it as new again
                raise
            return _repeat(s, desk, actor, row, now)
        inc = log_in_session(
            desk, s, actor, _new_incident(s, alert, rule, rule_rows, fallback), now
        )
        claim.incident_id = inc.id
        why = f"; rule {rule.name!r}" if rule is not None else "; no rule matched"
        write_journal(
            s,
            inc,
            JournalKind.SYSTEM,
            f"Alert {alert.name!r} from {alert.source} (fingerprint {alert.fingerprint}){why}",
            actor,
            now,
        )
        s.flush()
        return AlertOutcome(alert.fingerprint, CREATED, inc.number, 1)


def _clear(desk: Desk, actor: Actor, alert: Alert) -> AlertOutcome:
    now = desk.now()
    with desk.write() as s:
        row = _open_row(s, desk, alert.fingerprint)
        if row is None:
            return AlertOutcome(
                alert.fingerprint, IGNORED, None, 0, "no open incident for this alert"
            )
        row.open_fingerprint = None
        row.resolved_at = now
        row.last_seen = now
        inc = s.get(Incident, row.incident_id)
        assert inc is not None
        code = None
        if row.rule_id is not None:
            rule_row = s.get(AlertRuleRow, row.rule_id)
            code = rule_row.resolve_code if rule_row is not None else None
        ended = f" (ended {alert.ends_at})" if alert.ends_at else ""
        write_journal(
            s,
            inc,
            JournalKind.SYSTEM,
            f"Alert resolved{ended}, after {plural(row.times_seen, 'notification')}",
            actor,
            now,
        )
        s.flush()
        append_change(s, "incident", inc.id, "journal", actor.id)
        number, incident_id, active, times = inc.number, inc.id, inc.active, row.times_seen
    if code is None or not active:
        return AlertOutcome(alert.fingerprint, RESOLVED, number, times, "note added")
    try:
        resolve(
            desk,
            actor,
            incident_id,
            None,
            code,
            f"The alert {alert.name!r} cleared (monitoring, {local_time(now, desk.zone)})",
        )
    except DeskError as exc:
        with desk.write() as s:
            inc2 = s.get(Incident, incident_id)
            assert inc2 is not None
            write_journal(
                s, inc2, JournalKind.SYSTEM, f"Not resolved by the alert: {exc}", actor, now
            )
            s.flush()
            append_change(s, "incident", incident_id, "journal", actor.id)
        return AlertOutcome(
            alert.fingerprint, RESOLVED, number, times, f"note added; not resolved: {exc}"
        )
    return AlertOutcome(alert.fingerprint, RESOLVED, number, times, "incident resolved")


def alerts(desk: Desk, *, open_only: bool = True, limit: int = 200) -> list[AlertRecord]:
    """The alerts with their incidents, the newest seen first."""
    stmt = (
        select(AlertRow, Incident.number, Incident.active)
        .outerjoin(Incident, Incident.id == AlertRow.incident_id)
        .order_by(AlertRow.last_seen.desc(), AlertRow.id.desc())
        .limit(limit)
    )
    if open_only:
        stmt = stmt.where(AlertRow.open_fingerprint.is_not(None))
    with desk.query() as s:
        return [
            AlertRecord(
                fingerprint=r.fingerprint,
                name=r.name,
                incident_number=number,
                times_seen=r.times_seen,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
                resolved_at=r.resolved_at,
                open=r.open_fingerprint is not None and bool(active),
            )
            for r, number, active in s.execute(stmt).all()
        ]
