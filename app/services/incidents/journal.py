"""The journal: work notes and comments for the caller."""

from __future__ import annotations

from app.db.changes import append_change
from app.domain.errors import (
    PermissionDenied,
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.records import JournalKind, JournalRecord
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    guard,
    load_locked,
    write_journal,
)
from app.services.incidents.task_rule import clean_time


def add_journal(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    kind: str,
    body: str,
    time_worked_s: int | None = None,
) -> JournalRecord:
    """A work note (internal) or a comment (the caller sees it), with the time the author
    worked on it if they say. Appending needs no version."""
    text = (body or "").strip()
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
        session.flush()
        append_change(session, "incident", inc.id, "journal", actor.id)
        return JournalRecord(entry.id, inc.id, jk, text, actor.full_name, now, seconds)
