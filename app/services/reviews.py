"""Post-incident reviews: open one (a draft filled from the incident and its history), save it
in one write, move it through Draft -> In review -> Reviewed -> Closed.

The timeline is generated from the incident's audit and journal: each line keeps the row it
came from. A save with a stale version raises ConflictError and writes nothing; every save and
move is audited on the incident and announced to the other workstations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import ConflictError, NotFound, ValidationError
from app.domain.lifecycle import State
from app.domain.review import (
    TEXT_FIELDS,
    ActionItem,
    Measures,
    ReviewDraft,
    ReviewState,
    TimelineLine,
    check_move,
    seconds_between,
)
from app.domain.roles import Permission, can
from app.models import Agent, AuditEntry, Incident, IncidentReview, JournalEntry, Problem
from app.services.context import Actor, Desk
from app.services.history_words import Wording
from app.services.incidents.mutation import audit_entry, require_active
from app.services.policies import PolicyBook, policy_book

# the audited fields a timeline tells (the rest, such as the title's wording, stay in History)
TIMELINE_FIELDS = {
    "created": "logged",
    "state": "state",
    "group_id": "assignment",
    "assignee_id": "assignment",
    "support_line": "escalation",
    "escalated_to_supervisor": "escalation",
    "priority": "priority",
    "major": "major",
    "parent_id": "link",
    "problem_id": "link",
}

_SLA_PREFIXES = ("SLA ", "Response ")


def _state_line(old: str | None, new: str | None, hold: str | None) -> tuple[str, str]:
    new_label = State(new).label if new is not None and new in State._value2member_map_ else "?"
    if new == State.ON_HOLD.value:
        return "hold", f"Put on hold{f' ({hold})' if hold else ''}"
    if old == State.ON_HOLD.value and new == State.IN_PROGRESS.value:
        return "resume", "Resumed from hold"
    if new == State.RESOLVED.value:
        return "resolution", "Resolved"
    if old == State.RESOLVED.value and new == State.IN_PROGRESS.value:
        return "reopen", "Reopened"
    return "state", f"State: {new_label}"


def _audit_line(a: AuditEntry, who: str | None, words: Wording, extra: Mapping[str, str]) -> str:
    by = f" by {who}" if who else ""
    if a.field == "created":
        return f"Logged as {a.new_value}{by}"
    new = words.value(a.field, a.new_value)
    old = words.value(a.field, a.old_value)
    if a.field == "group_id":
        return f"Assigned to group {new or 'none'}{by}"
    if a.field == "assignee_id":
        return f"Assigned to {new}{by}" if new else f"Unassigned{by}"
    if a.field == "support_line":
        return f"Escalated from line {a.old_value} to line {a.new_value}{by}"
    if a.field == "escalated_to_supervisor":
        return f"Escalated to a supervisor{by}" if a.new_value == "yes" else f"De-escalated{by}"
    if a.field == "major":
        return f"Declared a major incident{by}" if a.new_value == "yes" else f"No longer major{by}"
    if a.field == "state" and extra:
        text = extra.get("text", "")
        return f"{text}{by}"
    return f"{words.label(a.field)}: {old or '-'} → {new or '-'}{by}"


def generate_timeline(session: Session, incident_id: int, words_for: Any) -> list[TimelineLine]:
    """The incident's history as timeline lines, oldest first, each with its evidence."""
    audits = session.execute(
        select(AuditEntry, Agent.full_name)
        .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
        .where(AuditEntry.incident_id == incident_id, AuditEntry.field.in_(TIMELINE_FIELDS))
        .order_by(AuditEntry.id)
    ).all()
    hold_reasons: dict[datetime, str | None] = dict(
        (at, v)
        for at, v in session.execute(
            select(AuditEntry.at, AuditEntry.new_value).where(
                AuditEntry.incident_id == incident_id, AuditEntry.field == "hold_reason"
            )
        ).all()
    )
    codes: dict[datetime, str | None] = dict(
        (at, v)
        for at, v in session.execute(
            select(AuditEntry.at, AuditEntry.new_value).where(
                AuditEntry.incident_id == incident_id, AuditEntry.field == "resolution_code"
            )
        ).all()
    )
    journal = session.execute(
        select(JournalEntry, Agent.full_name)
        .outerjoin(Agent, Agent.id == JournalEntry.author_id)
        .where(JournalEntry.incident_id == incident_id)
        .order_by(JournalEntry.id)
    ).all()
    values = [(a.field, v) for a, _ in audits for v in (a.old_value, a.new_value)]
    values += [("hold_reason", v) for v in hold_reasons.values()]
    values += [("resolution_code", v) for v in codes.values()]
    words: Wording = words_for(values)
    lines: list[tuple[Any, int, TimelineLine]] = []
    for a, who in audits:
        kind = TIMELINE_FIELDS[a.field]
        extra: dict[str, str] = {}
        if a.field == "state":
            hold = words.value("hold_reason", hold_reasons.get(a.at))
            kind, text = _state_line(a.old_value, a.new_value, hold)
            if kind == "resolution" and codes.get(a.at):
                text += f" ({words.value('resolution_code', codes[a.at])})"
            extra["text"] = text
        text = _audit_line(a, who, words, extra)
        lines.append((a.at, 0, TimelineLine(a.at, text, kind, "audit", a.id)))
    for j, who in journal:
        hidden = False
        if j.kind == "system":
            kind = "sla" if j.body.startswith(_SLA_PREFIXES) else "system"
            text = j.body
            # the desk's own words for a change the audit tells already: kept, not shown
            hidden = kind == "system"
        else:
            kind = "journal"
            label = "Comment" if j.kind == "comment" else "Work note"
            text = f"{label}{f' by {who}' if who else ''}: {j.body}"
        line = TimelineLine(j.created_at, text, kind, "journal", j.id, hidden=hidden)
        lines.append((j.created_at, 1, line))
    lines.sort(key=lambda t: (t[0], t[1]))
    return [ln for _at, _order, ln in lines]


def _measures(inc: Incident, book: PolicyBook, detected_at: Any = None) -> Measures:
    calendar = book.business_calendar(inc.sla_policy_id)
    opened = inc.opened_at
    detected = detected_at or opened

    def business(end: Any) -> int | None:
        if end is None or calendar is None:
            return None
        return calendar.working_seconds(opened, max(opened, end))

    return Measures(
        opened_at=opened,
        detected_at=detected,
        owned_at=inc.responded_at,
        resolved_at=inc.resolved_at,
        own_wall_s=seconds_between(opened, inc.responded_at),
        own_business_s=business(inc.responded_at),
        resolve_wall_s=seconds_between(opened, inc.resolved_at),
        resolve_business_s=business(inc.resolved_at),
        detect_wall_s=seconds_between(detected, opened) or 0,
        calendar=calendar.name if calendar is not None else None,
    )


def _require(actor: Actor) -> None:
    actor.require(Permission.REVIEW)


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(Agent.id, Agent.full_name).where(Agent.id.in_(wanted))).all()
    return {int(i): str(n) for i, n in rows}


def _draft(
    session: Session, desk: Desk, inc: Incident, row: IncidentReview | None, book: PolicyBook
) -> ReviewDraft:
    if row is None:
        timeline = generate_timeline(
            session, inc.id, lambda values: Wording.read(session, values, book, desk.zone)
        )
        texts = {"summary": inc.title, "root_cause": "", "trigger": _trigger(inc)}
        return ReviewDraft(
            incident_id=inc.id,
            incident_number=inc.number,
            version=0,
            state=ReviewState.DRAFT,
            owner_id=None,
            approver_id=None,
            texts=texts,
            whys=(),
            timeline=tuple(timeline),
            actions=(),
            title=inc.title,
            measures=_measures(inc, book),
        )
    content = json.loads(row.content or "{}")
    names = _names(session, (row.owner_id, row.approver_id, row.approved_by_id))
    return ReviewDraft(
        incident_id=inc.id,
        incident_number=inc.number,
        version=row.version,
        state=ReviewState(row.state),
        owner_id=row.owner_id,
        approver_id=row.approver_id,
        texts={k: str(v) for k, v in content.get("texts", {}).items()},
        whys=tuple(str(w) for w in content.get("whys", [])),
        timeline=tuple(TimelineLine.from_json(d) for d in json.loads(row.timeline or "[]")),
        actions=tuple(ActionItem.from_json(a) for a in content.get("actions", [])),
        review_id=row.id,
        owner_name=names.get(row.owner_id) if row.owner_id else None,
        approver_name=names.get(row.approver_id) if row.approver_id else None,
        approved_by=names.get(row.approved_by_id) if row.approved_by_id else None,
        updated_at=row.updated_at,
        title=inc.title,
        measures=_measures(inc, book),
    )


def _trigger(inc: Incident) -> str:
    reasons = []
    if inc.major:
        reasons.append("a major incident")
    if inc.priority <= 2:
        reasons.append(f"priority {inc.priority}")
    return f"{inc.number} was {' and '.join(reasons)}" if reasons else ""


def open_review(desk: Desk, actor: Actor, incident_id: int) -> ReviewDraft:
    """The incident's review as saved, or a new draft filled from the incident (not saved: the
    wizard saves it when asked, in one write)."""
    _require(actor)
    book = policy_book(desk)
    with desk.query() as session:
        inc = session.get(Incident, incident_id)
        if inc is None:
            raise NotFound(f"No incident with id {incident_id}")
        row = session.scalars(
            select(IncidentReview).where(IncidentReview.incident_id == incident_id)
        ).first()
        return _draft(session, desk, inc, row, book)


def refresh_timeline(desk: Desk, actor: Actor, draft: ReviewDraft) -> ReviewDraft:
    """The draft with lines for history written since its timeline was generated (edited,
    hidden and added lines stay as they are)."""
    _require(actor)
    with desk.query() as session:
        book = policy_book(desk)
        fresh = generate_timeline(
            session, draft.incident_id, lambda v: Wording.read(session, v, book, desk.zone)
        )
    known = {(ln.source, ln.source_id) for ln in draft.timeline if ln.source != "manual"}
    added = [ln for ln in fresh if (ln.source, ln.source_id) not in known]
    if not added:
        return draft
    lines = sorted((*draft.timeline, *added), key=lambda ln: ln.at)
    return _replace(draft, timeline=tuple(lines))


def _replace(draft: ReviewDraft, **changes: Any) -> ReviewDraft:
    return replace(draft, **changes)


def _content(draft: ReviewDraft) -> str:
    texts = {k: draft.text(k) for k in TEXT_FIELDS if draft.text(k)}
    return json.dumps(
        {
            "texts": texts,
            "whys": list(draft.whys),
            "actions": [a.to_json() for a in draft.actions],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _timeline_json(lines: Sequence[TimelineLine]) -> str:
    return json.dumps([ln.to_json() for ln in lines], ensure_ascii=False)


def _check_people(session: Session, draft: ReviewDraft) -> None:
    for who, key in (("owner", draft.owner_id), ("approver", draft.approver_id)):
        if key is None:
            continue
        agent = session.get(Agent, key)
        if agent is None:
            raise ValidationError(f"No user with id {key} to be the review's {who}", field=who)


def _locked_review(session: Session, desk: Desk, incident_id: int) -> IncidentReview | None:
    stmt = select(IncidentReview).where(IncidentReview.incident_id == incident_id)
    if desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def _audit(
    session: Session,
    inc: Incident,
    actor: Actor,
    now: datetime,
    old: str | None,
    new: str,
    reason: str | None = None,
) -> None:
    audit_entry(session, inc, actor, now, "review", old, new, reason)


def save_review(desk: Desk, actor: Actor, draft: ReviewDraft) -> ReviewDraft:
    """Write the whole draft in one transaction. Version 0 creates the review; otherwise the
    saved version must still be `draft.version` (else ConflictError, nothing written)."""
    _require(actor)
    now = desk.now()
    book = policy_book(desk)
    with desk.write() as session:
        require_active(session, actor)
        inc = session.get(Incident, draft.incident_id)
        if inc is None:
            raise NotFound(f"No incident with id {draft.incident_id}")
        _check_people(session, draft)
        row = _locked_review(session, desk, inc.id)
        label = f"Review of {inc.number}"
        if row is None:
            if draft.version != 0:
                raise NotFound(f"The review of {inc.number} was deleted")
            row = IncidentReview(
                incident_id=inc.id,
                state=ReviewState.DRAFT.value,
                created_by_id=actor.id,
                created_at=now,
                version=1,
            )
            session.add(row)
            kind = "created"
            _audit(session, inc, actor, now, None, ReviewState.DRAFT.label, "review started")
        else:
            if draft.version == 0 or row.version != draft.version:
                raise ConflictError(label, draft.version, row.version)
            if row.state == ReviewState.CLOSED.value:
                raise ValidationError(f"{label} is closed: it can no longer change", field="review")
            row.version += 1
            kind = "saved"
        row.owner_id, row.approver_id = draft.owner_id, draft.approver_id
        row.content = _content(draft)
        row.timeline = _timeline_json(draft.timeline)
        row.updated_at = now
        session.flush()
        append_change(session, "incident", inc.id, "review", actor.id)
        append_change(session, "review", row.id, kind, actor.id)
        session.flush()
        return _draft(session, desk, inc, row, book)


def move_review(
    desk: Desk, actor: Actor, incident_id: int, version: int, to: ReviewState
) -> ReviewDraft:
    """Send for review (the owner, every page complete), approve (someone other than the owner:
    the named approver), send back to draft, or close an approved review."""
    now = desk.now()
    book = policy_book(desk)
    with desk.write() as session:
        require_active(session, actor)
        inc = session.get(Incident, incident_id)
        if inc is None:
            raise NotFound(f"No incident with id {incident_id}")
        row = _locked_review(session, desk, incident_id)
        if row is None:
            raise NotFound(f"{inc.number} has no review yet: save it first")
        if row.version != version:
            raise ConflictError(f"Review of {inc.number}", version, row.version)
        current = _draft(session, desk, inc, row, book)
        check_move(current, to, actor.id, can_review=can(actor.role, Permission.REVIEW))
        before = ReviewState(row.state)
        row.state = to.value
        if to is ReviewState.REVIEWED:
            row.approved_by_id, row.approved_at = actor.id, now
        elif to is ReviewState.DRAFT:
            row.approved_by_id, row.approved_at = None, None
        row.version += 1
        row.updated_at = now
        _audit(session, inc, actor, now, before.label, to.label)
        session.flush()
        append_change(session, "incident", inc.id, "review", actor.id)
        append_change(session, "review", row.id, to.value, actor.id)
        session.flush()
        return _draft(session, desk, inc, row, book)


def problem_from_action(
    desk: Desk, actor: Actor, incident_id: int, version: int, index: int
) -> ReviewDraft:
    """A problem record (PRB...) for the saved review's action item `index` (0-based), named in
    the item; one transaction: the problem, the review's new version, the audit."""
    _require(actor)
    actor.require(Permission.RECORD_PROBLEMS)
    from app.domain.records import problem_number

    now = desk.now()
    book = policy_book(desk)
    with desk.write() as session:
        require_active(session, actor)
        inc = session.get(Incident, incident_id)
        if inc is None:
            raise NotFound(f"No incident with id {incident_id}")
        row = _locked_review(session, desk, incident_id)
        if row is None:
            raise NotFound(f"{inc.number} has no review yet: save it first")
        if row.version != version:
            raise ConflictError(f"Review of {inc.number}", version, row.version)
        content = json.loads(row.content or "{}")
        actions = content.get("actions", [])
        if not 0 <= index < len(actions):
            raise ValidationError(
                f"The review of {inc.number} has no action {index + 1}", field="actions"
            )
        item = ActionItem.from_json(actions[index])
        if item.problem_number:
            raise ValidationError(
                f"Action {index + 1} has a problem already: {item.problem_number}",
                field="actions",
            )
        if not item.text.strip():
            raise ValidationError(f"Action {index + 1}: say what is to be done", field="actions")
        problem = Problem(
            number=f"~{inc.id}-{row.id}-{index}",
            title=item.text.strip()[:300],
            description=(
                f"From the post-incident review of {inc.number} ({item.kind} action, "
                f"owner {item.owner or '-'}, due {item.due or '-'})"
            ),
            created_by_id=actor.id,
            created_at=now,
        )
        session.add(problem)
        session.flush()
        problem.number = problem_number(problem.id)
        actions[index] = replace(item, problem_number=problem.number).to_json()
        content["actions"] = actions
        row.content = json.dumps(content, ensure_ascii=False, sort_keys=True)
        row.version += 1
        row.updated_at = now
        _audit(session, inc, actor, now, None, f"Problem {problem.number}", item.text.strip())
        session.flush()
        append_change(session, "problem", problem.id, "created", actor.id)
        append_change(session, "incident", inc.id, "review", actor.id)
        append_change(session, "review", row.id, "problem", actor.id)
        session.flush()
        return _draft(session, desk, inc, row, book)
