"""Imports: incidents read from another tool's log (app.domain.imports) written with their
history. Each incident is logged by `log_incident`'s own rules (title, levels, caller, group,
SLA policy), then its steps are replayed as audit rows at the times the log gives (state,
group, impact, urgency, priority; hold periods as SLA pauses), and its final fields set:
resolution, closure, reassignment and reopen counts.

Batches of incidents commit together; an incident is written whole or not at all (its own
savepoint), so a crash or a kill leaves whole incidents, and a second run skips every incident
already imported (`imported_records`, unique by source and key): running an import twice
changes nothing, and a killed import resumes where it stopped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import DeskError
from app.domain.imports import ImportedIncident, Problem
from app.domain.lifecycle import CloseReason, ResolutionCode, State
from app.domain.records import JournalKind
from app.domain.roles import Permission
from app.models import AuditEntry, Caller, Category, Group, ImportedRecord, SlaPause
from app.services.callers import new_caller
from app.services.context import Actor, Desk
from app.services.incidents.mutation import MAX_TITLE, apply_sla, audit_text, write_journal
from app.services.incidents.new import NewIncident, log_in_session
from app.services.policies import policy_book

BATCH = 250


@dataclass
class ImportResult:
    incidents: int = 0  # written now
    skipped: int = 0  # imported by an earlier run
    problems: list[Problem] = field(default_factory=list)


class _Names:
    """Groups, categories and callers by name, created on first use (in the transaction)."""

    def __init__(self) -> None:
        self.groups: dict[str, int] = {}
        self.categories: dict[tuple[str, ...], int] = {}
        self.callers: dict[str, int] = {}

    def group(self, s: Session, actor: Actor, name: str, line: int) -> int:
        gid = self.groups.get(name)
        if gid is None:
            gid = s.scalar(select(Group.id).where(Group.name == name))
            if gid is None:
                g = Group(name=name, line=line)
                s.add(g)
                s.flush()
                append_change(s, "group", g.id, "created", actor.id)
                gid = g.id
            self.groups[name] = int(gid)
        return self.groups[name]

    def category(self, s: Session, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        if path in self.categories:
            return self.categories[path]
        parent = self.category(s, path[:-1])
        cid = s.scalar(
            select(Category.id).where(
                Category.name == path[-1],
                Category.parent_id.is_(None) if parent is None else Category.parent_id == parent,
            )
        )
        if cid is None:
            c = Category(name=path[-1], parent_id=parent)
            s.add(c)
            s.flush()
            cid = c.id
        self.categories[path] = int(cid)
        return int(cid)

    def caller(self, s: Session, actor: Actor, name: str) -> int:
        if name not in self.callers:
            key = " ".join(name.split()).lower()
            cid = s.scalar(
                select(Caller.id).where(Caller.name_key == key).order_by(Caller.id).limit(1)
            )
            if cid is None:
                row = new_caller(name)
                s.add(row)
                s.flush()
                append_change(s, "caller", row.id, "created", actor.id)
                cid = row.id
            self.callers[name] = int(cid)
        return self.callers[name]

    def forget(self) -> None:
        """After a rollback: what was created in it is gone."""
        self.groups.clear()
        self.categories.clear()
        self.callers.clear()


def _write(
    desk: Desk, s: Session, actor: Actor, item: ImportedIncident, names: _Names, now: datetime
) -> None:
    book = policy_book(desk)  # log_in_session below reloads it if another desk changed it
    first = item.steps[0]
    size = len(book.matrix.impact_labels), len(book.matrix.urgency_labels)

    def level(value: int | None, n: int) -> int:
        return min(max(value or 3, 1), n)

    group_id = names.group(s, actor, first.group, first.group_line) if first.group else None
    title = item.title if len(item.title) <= MAX_TITLE else item.title[: MAX_TITLE - 1] + "…"
    inc = log_in_session(
        desk,
        s,
        actor,
        NewIncident(
            title=title,
            description=item.description,
            caller_id=names.caller(s, actor, item.caller) if item.caller else None,
            channel=item.channel,
            category_id=names.category(s, item.category),
            impact=level(first.impact, size[0]),
            urgency=level(first.urgency, size[1]),
            group_id=group_id,
            major=item.major,
            opened_at=item.opened_at,
        ),
        item.opened_at,  # logged when the source logged it: its audit and journal say so
    )
    lines = (
        f"line {item.first_line}"
        if item.first_line == item.last_line
        else f"lines {item.first_line}-{item.last_line}"
    )
    write_journal(
        s,
        inc,
        JournalKind.SYSTEM,
        f"Imported from {item.source} {item.external_id} ({lines})",
        actor,
        now,
    )
    book = policy_book(desk)  # as log_in_session found it
    version = inc.version
    state = State.NEW
    current: dict[str, object] = {
        "state": state.value,
        "group_id": inc.group_id,
        "impact": inc.impact,
        "urgency": inc.urgency,
        "priority": inc.priority,
        "hold_reason": None,
    }
    reassignments = reopens = returns = 0
    left: set[object] = set()  # the groups it was taken away from (ping-pong)
    pause_start: datetime | None = None
    resolved_at: datetime | None = None
    for step in item.steps:
        new: dict[str, object] = {
            "state": step.state.value,
            "hold_reason": step.hold_reason.value if step.hold_reason else None,
        }
        if step.group:
            new["group_id"] = names.group(s, actor, step.group, step.group_line)
        if step.impact is not None:
            new["impact"] = level(step.impact, size[0])
        if step.urgency is not None:
            new["urgency"] = level(step.urgency, size[1])
        new["priority"] = book.matrix.priority(
            int(new.get("impact", current["impact"])),  # type: ignore[call-overload]
            int(new.get("urgency", current["urgency"])),  # type: ignore[call-overload]
        )
        changed = {k: v for k, v in new.items() if current.get(k) != v}
        if not changed:
            continue
        version += 1
        if "group_id" in changed and current["group_id"] is not None:
            reassignments += 1
            left.add(current["group_id"])
            if changed["group_id"] in left:
                returns += 1
        old_state = State(str(current["state"]))
        if "state" in changed:
            if old_state in (State.RESOLVED, State.CLOSED) and step.state.active:
                reopens += 1
            if step.state is State.ON_HOLD and pause_start is None:
                pause_start = step.at
            if step.state is not State.ON_HOLD and pause_start is not None:
                s.add(
                    SlaPause(
                        incident_id=inc.id,
                        started_at=pause_start,
                        ended_at=step.at,
                        reason=str(current["hold_reason"] or "awaiting_caller"),
                    )
                )
                pause_start = None
            if step.state is State.RESOLVED:
                resolved_at = step.at
        for k, v in changed.items():
            s.add(
                AuditEntry(
                    incident_id=inc.id,
                    field=k,
                    old_value=audit_text(current.get(k)),
                    new_value=audit_text(v),
                    agent_id=actor.id,
                    at=step.at,
                    reason=f"imported from {item.source} line {step.line}",
                    incident_version=version,
                )
            )
        current.update(changed)
    final = State(str(current["state"]))
    if pause_start is not None:
        s.add(
            SlaPause(
                incident_id=inc.id,
                started_at=pause_start,
                ended_at=None,
                reason=str(current["hold_reason"] or "awaiting_caller"),
            )
        )
    inc.state = final.value
    inc.active = final.active
    inc.hold_reason = str(current["hold_reason"]) if current["hold_reason"] else None
    inc.group_id = int(current["group_id"]) if current["group_id"] is not None else None  # type: ignore[call-overload]
    if inc.group_id is not None:
        g = s.get(Group, inc.group_id)
        inc.support_line = g.line if g is not None else 1
    inc.impact = int(current["impact"])  # type: ignore[call-overload]
    inc.urgency = int(current["urgency"])  # type: ignore[call-overload]
    inc.priority = int(current["priority"])  # type: ignore[call-overload]
    inc.reassignment_count = (
        item.reassignment_count if item.reassignment_count is not None else reassignments
    )
    inc.reopen_count = item.reopen_count if item.reopen_count is not None else reopens
    inc.change_ref = item.change_ref[:40] if item.change_ref else None
    inc.made_sla = item.made_sla
    inc.group_returns = returns
    started = [st.at for st in item.steps if st.state is not State.NEW]
    inc.responded_at = min(started) if started else None
    last_at = item.steps[-1].at
    if final in (State.RESOLVED, State.CLOSED):
        inc.resolved_at = item.resolved_at or resolved_at or last_at
        inc.resolution_code = ResolutionCode.SOLUTION_PROVIDED.value
        inc.resolution_notes = item.resolution_notes or f"Imported from {item.source}"
        inc.resolved_by_id = actor.id
    if final is State.CLOSED:
        inc.closed_at = item.closed_at or last_at
        inc.closed_by_id = actor.id
        inc.close_reason = CloseReason.CALLER_CONFIRMED.value
    if final is State.CANCELLED:
        inc.cancel_reason = f"Cancelled in {item.source}"
        inc.closed_at = last_at
    inc.updated_at = max(last_at, item.opened_at)
    inc.version = version
    s.flush()
    apply_sla(s, inc, book, now)
    s.add(
        ImportedRecord(
            source=item.source, external_id=item.external_id, incident_id=inc.id, imported_at=now
        )
    )
    s.flush()


def import_incidents(
    desk: Desk,
    actor: Actor,
    items: Sequence[ImportedIncident],
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportResult:
    """Write `items` (skipping those imported before); `progress(rows)` after each batch with
    the log rows its incidents came from."""
    actor.require(Permission.CONFIGURE)  # an import creates groups and categories
    result = ImportResult()
    names = _Names()
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        now = desk.now()
        done = 0
        try:
            with desk.write() as s:
                source = chunk[0].source
                keys = [i.external_id for i in chunk]
                known = set(
                    s.scalars(
                        select(ImportedRecord.external_id).where(
                            ImportedRecord.source == source, ImportedRecord.external_id.in_(keys)
                        )
                    )
                )
                for item in chunk:
                    if item.external_id in known:
                        result.skipped += 1
                        continue
                    try:
                        with s.begin_nested():
                            _write(desk, s, actor, item, names, now)
                        done += 1
                    except DeskError as exc:
                        names.forget()
                        result.problems.append(
                            Problem(item.first_line, f"{item.external_id}: not imported: {exc}")
                        )
        except BaseException:
            names.forget()
            raise
        result.incidents += done
        if progress is not None:
            progress(sum(len(i.steps) for i in chunk))
    return result


def imported_count(desk: Desk, source: str) -> int:
    with desk.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(ImportedRecord)
                .where(ImportedRecord.source == source)
            ).scalar_one()
        )
