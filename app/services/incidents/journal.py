"""The journal: work notes and comments for the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import (
    PermissionDenied,
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import State
from app.domain.mail_out import Notice
from app.domain.records import JournalKind, JournalRecord
from app.models import Incident
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    guard,
    load_locked,
    write_journal,
)
from app.services.incidents.task_rule import clean_time
from app.services.outbox import queue_notice


def _to_children(session: Session, inc: Incident, text: str, actor: Actor, now: datetime) -> None:
    """A comment the caller sees goes to the callers of the children too (open or resolved
    ones, and theirs in turn), saying where it came from."""
    seen = {inc.id}
    parents = [(inc.id, inc.number)]
    while parents:
        pid, number = parents.pop()
        children = (
            session.execute(
                select(Incident).where(
                    Incident.parent_id == pid,
                    Incident.state.notin_([State.CLOSED.value, State.CANCELLED.value]),
                )
            )
            .scalars()
            .all()
        )
        for child in children:
            if child.id in seen:
                continue
            seen.add(child.id)
            write_journal(session, child, JournalKind.COMMENT, f"From {number}: {text}", actor, now)
            queue_notice(session, child, Notice.COMMENT, now, f"From {number}: {text}")
            session.flush()
            append_change(session, "incident", child.id, "journal", actor.id)
            parents.append((child.id, child.number))


def add_journal(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    kind: str,
    body: str,
    time_worked_s: int | None = None,
    files: Sequence[tuple[str, bytes]] = (),
) -> JournalRecord:
    """A work note (internal) or a comment (the caller sees it), with the time the author
    worked on it if they say, and the files that come with it (a pasted screenshot: `files`
    as (name, bytes), kept on the entry in the same transaction; one over the admin's limit
    refuses the whole entry, naming it). Appending needs no version."""
    text = (body or "").strip()
    if not text and files:
        text = "Attached " + ", ".join(name for name, _data in files)
    if not text:
        raise ValidationError("The note is empty", field="body")
    try:
        jk = JournalKind(kind)
    except ValueError:
        raise ValidationError(
            f"Unknown journal kind {kind!r}; use work_note or comment", field="kind"
        ) from None
    if jk is JournalKind.SYSTEM:
        raise PermissionDenied("System entries are written by the desk itself")
    seconds = clean_time(time_worked_s)
    now = desk.now()
    with desk.write() as session:
        inc = load_locked(session, incident_id, desk)
        guard(session, inc, actor, IncidentAction.ADD_NOTE)
        entry = write_journal(session, inc, jk, text, actor, now)
        entry.time_worked_s = seconds
        if jk is JournalKind.COMMENT:
            queue_notice(session, inc, Notice.COMMENT, now, text)
        session.flush()
        if files:
            from app.services.attachments import add_to_entry

            add_to_entry(session, actor, inc.id, entry.id, files, now)
        append_change(session, "incident", inc.id, "journal", actor.id)
        if jk is JournalKind.COMMENT:
            _to_children(session, inc, text, actor, now)
        return JournalRecord(entry.id, inc.id, jk, text, actor.full_name, now, seconds)
