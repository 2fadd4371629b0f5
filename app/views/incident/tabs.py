"""The incident window's tabs as text: journal, history, related records, SLA clocks and pauses."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, tzinfo

from app.domain.lifecycle import (
    HoldReason,
    ResolutionCode,
)
from app.domain.records import (
    AuditRecord,
    IncidentRecord,
    JournalRecord,
    KnownErrorRecord,
    PauseRecord,
)
from app.domain.wording import clock_text, local_time
from app.services.attachments import AttachmentRecord, size_words
from app.services.tasks import TimeTotals, duration_text

# -- which action, when -------------------------------------------------------------------------


def journal_html(
    entries: list[JournalRecord],
    zone: tzinfo,
    muted: str,
    files: Sequence[AttachmentRecord] = (),
    thumbs: Collection[int] = (),
) -> str:
    """Newest first. Each entry shows the files that came with it (an image as its thumbnail,
    the resource ``attachment:ID`` of the document, when `thumbs` has it; any file as a link
    that opens it); an image attached to the incident alone (dropped on the window) shows at
    its time."""
    by_entry: dict[int, list[AttachmentRecord]] = {}
    for a in files:
        if a.journal_id is not None:
            by_entry.setdefault(a.journal_id, []).append(a)
    entry_ids = {e.id for e in entries}
    items: list[tuple[datetime, int, str]] = []
    for e in entries:
        kind = {"work_note": "Work note", "comment": "Comment → caller", "system": "System"}[
            e.kind.value
        ]
        body = html_text(e.body).replace("\n", "<br>")
        worked = f" · worked {duration_text(e.time_worked_s)}" if e.time_worked_s else ""
        with_files = "".join(_file_html(a, a.id in thumbs, muted) for a in by_entry.get(e.id, []))
        items.append(
            (
                e.created_at,
                0,
                f"<p><b>{html_text(kind)}</b> <span style='color:{muted}'>· "
                f"{html_text(e.author or '')} · {local_time(e.created_at, zone)}{worked}</span>"
                f"<br>{body}</p>{with_files}",
            )
        )
    for a in files:
        if a.id in thumbs and (a.journal_id is None or a.journal_id not in entry_ids):
            items.append(
                (
                    a.added_at,
                    1,
                    f"<p><b>Image</b> <span style='color:{muted}'>· {html_text(a.filename)} · "
                    f"{local_time(a.added_at, zone)}</span><br>"
                    f"<a href='attachment:{a.id}'><img src='attachment:{a.id}'></a></p>",
                )
            )
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return "".join(html for _at, _n, html in items) or "<p>No journal entries yet.</p>"


def _file_html(a: AttachmentRecord, thumb: bool, muted: str) -> str:
    """One file of an entry: its thumbnail (an image) or its name, linked to open it."""
    name = html_text(a.filename)
    size = size_words(a.size)
    if thumb:
        return (
            f"<p style='margin-left:16px'><a href='attachment:{a.id}'>"
            f"<img src='attachment:{a.id}'></a><br>"
            f"<span style='color:{muted}'>{name} · {size}</span></p>"
        )
    return (
        f"<p style='margin-left:16px'>File <a href='attachment:{a.id}'>{name}</a> "
        f"<span style='color:{muted}'>· {html_text(a.content_type)} · {size}</span></p>"
    )


def time_text(totals: TimeTotals | None) -> str:
    """'Worked 1 h 20 min: Ana Agent 50 min, Ben Network 30 min · Service Desk 50 min, ...'."""
    if totals is None or not totals.total_s:
        return ""
    people = ", ".join(f"{n} {duration_text(s)}" for n, s in totals.by_person)
    groups = ", ".join(f"{n} {duration_text(s)}" for n, s in totals.by_group)
    return f"Worked {duration_text(totals.total_s)}: {people}" + (f" · {groups}" if groups else "")


def history_cells(rows: list[AuditRecord], zone: tzinfo) -> list[tuple[str, str, str, str, str]]:
    """When, who, field, change, reason: newest first, in words ("Group", "Service Desk → Network")."""
    out = []
    for a in reversed(rows):
        label = a.label or a.field.replace("_", " ").capitalize()
        if a.field == "created":
            change = f"as {a.new_text or a.new}"
        else:
            old = a.old_text if a.label else a.old
            new = a.new_text if a.label else a.new
            change = f"{_short(old) or '—'} → {_short(new) or '—'}"
        out.append((local_time(a.at, zone), a.by or "", label, change, a.reason or ""))
    return out


def _short(text: str | None, width: int = 48) -> str | None:
    """One line of a long value (a description): the full text is in the cell's tooltip."""
    if text is None:
        return None
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def related_html(r: IncidentRecord, known_error: KnownErrorRecord | None = None) -> str:
    if known_error is not None:
        workaround = html_text(known_error.workaround.strip() or "none recorded").replace(
            "\n", "<br>"
        )
        problem = (
            f" ({html_text(known_error.problem_number)})" if known_error.problem_number else ""
        )
        ke = (
            f"{html_text(known_error.title)}{problem}</p>"
            f"<p style='margin-left:16px'><b>Workaround:</b> {workaround}"
        )
    else:
        ke = "none" if not r.known_error_id else "(no longer on the desk)"
    lines = [
        f"<p><b>Parent:</b> {html_text(r.parent_number or 'none')}</p>",
        f"<p><b>Problem:</b> {html_text(r.problem_number or 'none')}</p>",
        f"<p><b>Known error:</b> {ke}</p>",
        f"<p><b>Change:</b> {html_text(r.change_ref or 'none')} · "
        f"<b>Caused by:</b> {html_text(r.caused_by_number or r.caused_by_change or 'not known')}</p>",
        f"<p><b>Category:</b> {html_text(r.category_path or 'none')} · "
        f"<b>Service:</b> {html_text(r.service_name or 'none')}</p>",
        f"<p><b>Reassignments:</b> {r.reassignment_count} · <b>Reopened:</b> {r.reopen_count}</p>",
    ]
    if r.resolution_code:
        lines.append(
            f"<p><b>Resolution:</b> {html_text(ResolutionCode(r.resolution_code).label)} — "
            f"{html_text(r.resolution_notes or '')}</p>"
        )
    return "".join(lines)


def sla_html(r: IncidentRecord, pauses: list[PauseRecord], now: datetime, zone: tzinfo) -> str:
    lines = [
        f"<p>{html_text(clock_text(r.response, 'Response', now, zone))}"
        f"{' · responded ' + local_time(r.responded_at, zone) if r.responded_at else ''}</p>",
        f"<p>{html_text(clock_text(r.resolution, 'Resolution', now, zone))}</p>",
        f"<p>Opened {local_time(r.opened_at, zone)}</p>",
        "<p><b>Pauses</b></p>",
    ]
    if not pauses:
        lines.append("<p>None.</p>")
    for p in pauses:
        reason = (
            HoldReason(p.reason).label if p.reason in HoldReason._value2member_map_ else p.reason
        )
        lines.append(
            f"<p>{local_time(p.start, zone)} → {local_time(p.end, zone) or 'now'}: {html_text(reason)}</p>"
        )
    return "".join(lines)


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
