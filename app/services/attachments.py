"""Attachments: files kept on an incident or on one of its journal entries (the incident
window's drops and file dialog, a screenshot pasted into a note, mail intake).

The bytes live in the database (`attachment_blobs`), once per content: two identical files,
on one incident or on many, share one blob keyed by their SHA-256. Each file on an incident
is an `attachments` row with its own name, content type, the journal entry it came with (if
any) and who added it, when; each writes a line of the incident's history. A file over the
admin's limit (`attachment_max_mb`, 25 MB unless set) is refused with its size and the limit,
whichever door it came through; an empty one is kept (a zero-byte log is evidence too).
Lists never read the bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import NotFound, ValidationError
from app.models import Attachment, AttachmentBlob, Incident
from app.services.context import Actor, Desk

MAX_NAME = 255


@dataclass(frozen=True)
class AttachmentRecord:
    id: int
    incident_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    added_at: datetime
    added_by_id: int | None
    journal_id: int | None = None  # the journal entry it came with

    @property
    def image(self) -> bool:
        return self.content_type.startswith("image/")


def _clean_name(filename: str) -> str:
    # a name, never a path: "../../etc/passwd" is kept as "passwd"
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in base if ch.isprintable()).strip() or "attachment"
    return name[:MAX_NAME]


def over_limit(name: str, size: int, limit: int) -> str:
    """'capture.pcap is 30 MB: the limit is 10 MB a file (set by the admin)'."""
    return f"{name} is {_mb(size)}: the limit is {_mb(limit)} a file (set by the admin)"


def check_size(session: Session, name: str, size: int, then: str = "") -> None:
    limit = limit_bytes(session)
    if size > limit:
        raise ValidationError(over_limit(name, size, limit) + then, field="attachment")


def add_in_session(
    session: Session,
    actor: Actor,
    incident_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    now: datetime,
    journal_id: int | None = None,
) -> Attachment:
    """Keep `data` on the incident (on its journal entry `journal_id`) inside the caller's
    transaction (mail intake logs the incident and its attachments in one commit), within the
    admin's limit; a line of the incident's history says what was attached."""
    from app.services.incidents.mutation import audit_entry

    name = _clean_name(filename)
    check_size(session, name, len(data))
    digest = hashlib.sha256(data).hexdigest()
    # does the blob exist? its key only: never the bytes
    if session.scalar(select(AttachmentBlob.sha256).where(AttachmentBlob.sha256 == digest)) is None:
        session.add(AttachmentBlob(sha256=digest, size=len(data), data=data))
        session.flush()
    row = Attachment(
        incident_id=incident_id,
        sha256=digest,
        journal_id=journal_id,
        filename=name,
        content_type=(content_type or "application/octet-stream").strip().lower()[:120],
        size=len(data),
        added_by_id=actor.id,
        added_at=now,
    )
    session.add(row)
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"No incident with id {incident_id}")
    audit_entry(session, inc, actor, now, "attachment", None, f"{name} ({size_words(len(data))})")
    session.flush()
    append_change(session, "incident", incident_id, "attachment", actor.id)
    return row


def add_to_entry(
    session: Session,
    actor: Actor,
    incident_id: int,
    journal_id: int,
    files: Sequence[tuple[str, bytes]],
    now: datetime,
) -> list[Attachment]:
    """The files that came with a journal entry, in the entry's transaction: one over the
    limit refuses them all, and the entry with them (nothing half-written)."""
    for filename, data in files:
        check_size(session, _clean_name(filename), len(data), "; nothing was added")
    return [
        add_in_session(
            session, actor, incident_id, name, detect_type(data, name), data, now, journal_id
        )
        for name, data in files
    ]


def size_words(n: int) -> str:
    """'512 B', '12 KB', '4.8 MB'."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _record(row: Attachment) -> AttachmentRecord:
    return AttachmentRecord(
        row.id,
        row.incident_id,
        row.filename,
        row.content_type,
        row.size,
        row.sha256,
        row.added_at,
        row.added_by_id,
        row.journal_id,
    )


def attachments(desk: Desk, incident_id: int) -> list[AttachmentRecord]:
    """The incident's files, in the order they were added (no bytes)."""
    with desk.query() as s:
        rows = s.scalars(
            select(Attachment).where(Attachment.incident_id == incident_id).order_by(Attachment.id)
        ).all()
        return [_record(r) for r in rows]


def content(desk: Desk, attachment_id: int) -> tuple[AttachmentRecord, bytes]:
    """One file and its bytes (to open or save it)."""
    with desk.query() as s:
        row = s.get(Attachment, attachment_id)
        if row is None:
            raise NotFound(f"No attachment with id {attachment_id}")
        # the bytes by key, one column: no ORM object around 25 MB
        data = s.scalar(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == row.sha256))
        assert data is not None, "foreign key"
        return _record(row), bytes(data)


# -- the incident window's door ------------------------------------------------------------

LIMIT_SETTING = "attachment_max_mb"  # the admin's limit, in MB a file (25 unless set)
DEFAULT_LIMIT_MB = 25

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BM", "image/bmp"),
)


def detect_type(data: bytes, filename: str) -> str:
    """The content type from the bytes (their signature), else from the name, else text or
    octet-stream: what a file claims to be is not trusted."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    import mimetypes

    guessed, _ = mimetypes.guess_type(filename)
    if guessed and not guessed.startswith("image/"):
        return guessed
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def limit_bytes(session: Session) -> int:
    from app.models import Setting

    value = session.execute(select(Setting.value).where(Setting.key == LIMIT_SETTING)).scalar()
    mb = DEFAULT_LIMIT_MB if value is None else float(value)
    return int(mb * 1024 * 1024)


def _mb(n: float) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


def add_attachment(
    desk: Desk, actor: Actor, incident_id: int, filename: str, data: bytes
) -> AttachmentRecord:
    """Keep a file on the incident (a file dialog, a drop, a pasted screenshot): whoever may
    add a note may attach. Over the admin's limit it is refused with the limit named; the same
    bytes already stored (on any incident) are not stored again."""
    from app.domain.incident_rights import IncidentAction
    from app.services.incidents.mutation import guard, load_locked

    now = desk.now()
    with desk.write() as session:
        name = _clean_name(filename)
        check_size(session, name, len(data), "; nothing was attached")
        inc = load_locked(session, incident_id, desk)
        guard(session, inc, actor, IncidentAction.ADD_NOTE)
        row = add_in_session(session, actor, inc.id, name, detect_type(data, name), data, now)
        return _record(row)


def image_bytes(
    desk: Desk,
    incident_id: int,
    max_size: int = 8 * 1024 * 1024,
    known: Iterable[int] = (),
) -> dict[int, bytes]:
    """The bytes of the incident's images (for thumbnails), those up to `max_size`, but for
    the `known` ones (a window that has their thumbnails already does not read them again)."""
    skip = sorted(set(known))
    query = (
        select(Attachment.id, AttachmentBlob.data)
        .join(AttachmentBlob, AttachmentBlob.sha256 == Attachment.sha256)
        .where(
            Attachment.incident_id == incident_id,
            Attachment.content_type.like("image/%"),
            Attachment.size <= max_size,
        )
    )
    if skip:
        query = query.where(Attachment.id.notin_(skip))
    with desk.query() as s:
        return {r.id: bytes(r.data) for r in s.execute(query).all()}


# -- the admin's limit -----------------------------------------------------------------------

MAX_LIMIT_MB = 1024  # a file a database row can still hand around


def limit_mb(desk: Desk) -> float:
    """The largest file the desk keeps, in MB (25 unless the admin set it)."""
    with desk.query() as s:
        return limit_bytes(s) / (1024 * 1024)


def set_limit_mb(desk: Desk, actor: Actor, mb: float, *, reason: str | None = None) -> float:
    """An admin sets the largest file kept, in MB, at every door (window, journal, mail);
    recorded in the admin audit with the reason. Files already kept stay."""
    from app.domain.roles import Permission
    from app.domain.sla_config import FieldDiff
    from app.services.admin_audit import record_changes
    from app.services.incidents.mutation import require_active
    from app.services.settings import write_setting

    actor.require(Permission.CONFIGURE)
    if not 0 < mb <= MAX_LIMIT_MB:
        raise ValidationError(
            f"The limit is {mb:g} MB: give more than 0 and at most {MAX_LIMIT_MB} MB a file",
            field="limit",
        )
    with desk.write() as session:
        require_active(session, actor)
        before = limit_bytes(session)
        after = int(mb * 1024 * 1024)
        if after != before:
            write_setting(session, LIMIT_SETTING, mb)
            diff = FieldDiff("Largest file kept", _mb(before), _mb(after))
            record_changes(
                session, actor, "attachments", None, "Attachments", [diff], desk.now(), reason
            )
            append_change(session, "attachments", 0, "updated", actor.id)
    return mb
