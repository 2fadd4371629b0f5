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
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.changes import append_change, append_changes
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
    """Firing alerts log or add to an incident, resolved ones note (and maybe resolve) theirs.

    Firing alerts are written by the desk's group writer (`_GroupWriter`): those that other
    connections send meanwhile go into the same transaction, one after the other, so a storm
    of alerts costs one commit and one change-feed notification per group rather than per
    alert, and each alert is still counted once, in order. A refused alert (a rule of the desk
    says no) is undone alone: what the alerts before it did stays, as it would have in
    transactions of their own. The answer comes once the group is committed. Resolved alerts
    are each written in a transaction of their own."""
    actor.require(Permission.LOG)
    if not alerts:
        return []
    rules, fallback = _routing(desk)
    if all(a.status == FIRING for a in alerts):
        return _writer(desk).write(desk, _Ticket(actor, tuple(alerts), rules, fallback))
    return [
        _writer(desk).write(desk, _Ticket(actor, (a,), rules, fallback))[0]
        if a.status == FIRING
        else _clear(desk, actor, a)
        for a in alerts
    ]


ROUTING_TTL_S = 2.0  # a rule or default group changed elsewhere applies within this
# per desk (weakly: a desk that is gone takes its entry along, never handing it to a new one)
_routing_cache: weakref.WeakKeyDictionary[Desk, tuple[float, list[AlertRule], int | None]] = (
    weakref.WeakKeyDictionary()
)
_routing_lock = threading.Lock()
_routing_load = threading.Lock()  # held by the thread reading them anew


def _routing(desk: Desk) -> tuple[list[AlertRule], int | None]:
    """The rules and the default group, read at most every ROUTING_TTL_S seconds per desk (a
    busy intake would otherwise read them for every alert). One thread reads them anew; the
    others meanwhile go on with the ones it is replacing."""
    hit = _fresh_routing(desk)
    if hit is not None and (hit[0] or not _routing_load.acquire(blocking=False)):
        return hit[1], hit[2]
    if hit is None:
        _routing_load.acquire()
    try:
        hit = _fresh_routing(desk)
        if hit is not None and hit[0]:  # another thread read them while this one waited
            return hit[1], hit[2]
        rules, fallback = list_rules(desk), default_group(desk)
        with _routing_lock:
            _routing_cache[desk] = (time.monotonic(), rules, fallback)
        return rules, fallback
    finally:
        _routing_load.release()


def _fresh_routing(desk: Desk) -> tuple[bool, list[AlertRule], int | None] | None:
    """What `_routing` keeps for `desk`, and whether it is fresh; None when nothing."""
    with _routing_lock:
        hit = _routing_cache.get(desk)
    if hit is None:
        return None
    return time.monotonic() - hit[0] < ROUTING_TTL_S, hit[1], hit[2]


def forget_routing() -> None:
    """Read the rules anew on the next alert (after a change made in this process)."""
    with _routing_lock:
        _routing_cache.clear()


def _open_row(s: Session, desk: Desk, fingerprint: str) -> AlertRow | None:
    # populate_existing: the counts of a group (`_Counts`) are written without the ORM
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


_LOOKUP_CHUNK = 500  # fingerprints per IN (...)


@dataclass
class _Open:
    """An open alert (its incident active) as the group counts it."""

    id: int
    times_seen: int
    first_seen: datetime
    incident_id: int
    number: str
    last_seen: datetime | None = None  # set once the group counted it


class _Counts:
    """A group's open alerts, read and locked in one statement, counted in memory and written
    back at the end (one UPDATE of the counts, one INSERT of the journal notes, one of the
    change-feed entries with one notification), so a group costs the same few statements
    however many repeats it holds."""

    def __init__(self, s: Session, desk: Desk, fingerprints: Sequence[str]) -> None:
        self.open: dict[str, _Open] = {}
        self.notes: list[dict[str, object]] = []
        self.changes: dict[int | None, list[int]] = {}  # incident ids by agent
        wanted = sorted(set(fingerprints))  # locked in this order (below)
        conn = s.connection()
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            stmt = (
                select(
                    AlertRow.open_fingerprint,
                    AlertRow.id,
                    AlertRow.times_seen,
                    AlertRow.first_seen,
                    AlertRow.incident_id,
                    Incident.number,
                )
                .join(Incident, Incident.id == AlertRow.incident_id)
                .where(
                    AlertRow.open_fingerprint.in_(wanted[start : start + _LOOKUP_CHUNK]),
                    Incident.active,
                )
            )
            if desk.dialect == "postgresql":
                # a repeat on another connection waits for this group's commit, and counts on;
                # in the fingerprints' order, so two intake processes' groups never hold some
                # of each other's rows (a deadlock)
                stmt = stmt.with_for_update(of=AlertRow).order_by(AlertRow.open_fingerprint)
            for fp, *values in conn.execute(stmt):
                self.open[fp] = _Open(*values)

    def repeat(self, desk: Desk, actor: Actor, alert: Alert, now: datetime) -> AlertOutcome | None:
        """Count a repeat of an open alert; None when `alert` has no open incident."""
        found = self.open.get(alert.fingerprint)
        if found is None:
            return None
        found.times_seen += 1
        found.last_seen = now
        body = _seen_again(desk.zone, found.times_seen, found.first_seen, now)
        self.notes.append(
            {
                "incident_id": found.incident_id,
                "kind": JournalKind.SYSTEM.value,
                "body": body,
                "author_id": actor.id,
                "created_at": now,
                "time_worked_s": 0,
            }
        )
        self.changes.setdefault(actor.id, []).append(found.incident_id)
        return AlertOutcome(alert.fingerprint, REPEATED, found.number, found.times_seen)

    def opened(self, fingerprint: str, row: AlertRow, number: str) -> None:
        """The slow way logged or counted `row`: the group's next repeats count on from it."""
        if row.incident_id is not None:
            self.open[fingerprint] = _Open(
                row.id, row.times_seen, row.first_seen, row.incident_id, number
            )

    def write(self, s: Session) -> None:
        counted = [
            {"_id": o.id, "_times": o.times_seen, "_last": o.last_seen}
            for o in self.open.values()
            if o.last_seen is not None
        ]
        if not counted:
            return
        conn = s.connection()
        conn.execute(
            update(AlertRow)
            .where(AlertRow.id == bindparam("_id"))
            .values(times_seen=bindparam("_times"), last_seen=bindparam("_last")),
            counted,
        )
        conn.execute(insert(JournalEntry), self.notes)
        for agent_id, ids in self.changes.items():
            append_changes(conn, "incident", ids, "journal", agent_id)


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


@dataclass
class _Ticket:
    """One request's firing alerts, waiting for the group writer; then what they did."""

    actor: Actor
    alerts: tuple[Alert, ...]
    rules: Sequence[AlertRule]
    fallback: int | None
    outcomes: list[AlertOutcome] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False
    ready: threading.Event = field(default_factory=threading.Event)

    def result(self) -> list[AlertOutcome]:
        if self.error is not None:
            raise self.error
        return self.outcomes


GROUP_MAX = 64  # requests written in one transaction at most


class _GroupWriter:
    """Group commit for one desk's firing alerts. A request that finds the writer idle writes
    at once (no waiting for company); requests arriving while a group is being written queue,
    and when it is committed the first of them writes the queue (up to GROUP_MAX) as the next
    group, on its own thread. So one transaction of this process writes alerts at a time, and
    under load each carries what arrived during the one before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._busy = False

    def write(self, desk: Desk, ticket: _Ticket) -> list[AlertOutcome]:
        with self._lock:
            self._queue.append(ticket)
            lead = not self._busy
            self._busy = True
        if not lead:
            ticket.ready.wait()  # written by another thread's group, or this one's turn
        if not ticket.done:  # at the head of the queue: write the next group
            with self._lock:
                group = self._queue[:GROUP_MAX]
                del self._queue[:GROUP_MAX]
            try:
                _write_group(desk, group)
            finally:
                with self._lock:
                    if self._queue:
                        self._queue[0].ready.set()
                    else:
                        self._busy = False
        return ticket.result()

    def writing(self) -> bool:
        """Whether a group is being written now."""
        with self._lock:
            return self._busy

    def waiting(self) -> int:
        """How many requests are queued behind the group being written."""
        with self._lock:
            return len(self._queue)


_writers: weakref.WeakKeyDictionary[Desk, _GroupWriter] = weakref.WeakKeyDictionary()


def _writer(desk: Desk) -> _GroupWriter:
    with _routing_lock:
        found = _writers.get(desk)
        if found is None:
            found = _writers[desk] = _GroupWriter()
        return found


def _write_group(desk: Desk, group: Sequence[_Ticket]) -> None:
    """Every ticket's alerts in one transaction, ticket after ticket and alert after alert
    (each counted on from the one before); each ticket done (its outcomes, or its error) and
    woken. A refusal (DeskError) or a lost race that cannot be taken as a repeat
    (IntegrityError) ends its own ticket only, undone to its savepoint; any other failure, the
    commit included, is every ticket's."""
    try:
        with desk.write() as s:
            counts = _Counts(s, desk, [a.fingerprint for t in group for a in t.alerts])
            for t in group:
                for alert in t.alerts:
                    now = desk.now()
                    repeated = counts.repeat(desk, t.actor, alert, now)
                    if repeated is not None:
                        t.outcomes.append(repeated)
                        continue
                    try:
                        with s.begin_nested():
                            rule = first_match(t.rules, alert.labels)
                            outcome, row = _fire_new(s, desk, t.actor, alert, rule, t.fallback, now)
                    except (DeskError, IntegrityError) as exc:
                        t.error = exc
                        break
                    counts.opened(alert.fingerprint, row, outcome.incident_number or "")
                    t.outcomes.append(outcome)
            counts.write(s)
    except BaseException as exc:
        for t in group:
            t.outcomes, t.error = [], exc
    for t in group:
        t.done = True
        t.ready.set()


def _fire_new(
    s: Session,
    desk: Desk,
    actor: Actor,
    alert: Alert,
    rule: AlertRule | None,
    fallback: int | None,
    now: datetime,
) -> tuple[AlertOutcome, AlertRow]:
    """A firing alert with no open incident counted by the group: logged anew, or (its
    incident was logged meanwhile on another connection) counted as a repeat."""
    row = _open_row(s, desk, alert.fingerprint)
    if row is not None:
        inc = s.get(Incident, row.incident_id)
        if inc is not None and inc.active:
            return _repeat(s, desk, actor, row, now), row
        row.open_fingerprint = None  # its incident was resolved, closed or cancelled
        s.flush()
    rule_rows = (
        {r.name: r for r in s.scalars(select(AlertRuleRow).where(AlertRuleRow.name == rule.name))}
        if rule is not None
        else {}
    )
    claim = AlertRow(
        fingerprint=alert.fingerprint,
        open_fingerprint=alert.fingerprint,
        rule_id=rule_rows[rule.name].id if rule is not None and rule.name in rule_rows else None,
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
        return _repeat(s, desk, actor, row, now), row
    inc = log_in_session(desk, s, actor, _new_incident(s, alert, rule, rule_rows, fallback), now)
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
    return AlertOutcome(alert.fingerprint, CREATED, inc.number, 1), claim


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
