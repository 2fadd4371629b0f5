"""CSV export of a queue view: every row the view shows, in its order, in the words the queue
shows them (priority and state labels, names, times in the site's zone)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TextIO

from app.domain.records import QueueFilter
from app.domain.wording import local_time
from app.services import queries
from app.services.context import Desk

COLUMNS = (
    "Number", "Priority", "State", "Title", "Caller", "Group", "Assignee", "Updated",
    "Resolution due", "SLA", "Major",
)  # fmt: skip
PAGE = 1000


def export_queue_csv(
    desk: Desk,
    flt: QueueFilter,
    out: TextIO,
    *,
    sort: str = "priority",
    descending: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the view's rows to `out` (a header, then one line per incident); how many."""
    zone = desk.zone
    matrix = queries.matrix(desk)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    after: tuple[object, ...] | None = None
    n = 0
    while True:
        page = queries.queue_page(
            desk, flt, sort=sort, descending=descending, after=after, limit=PAGE
        )
        for r in page.rows:
            sla = "breached" if r.sla_breached else ("paused" if r.sla_paused else "")
            writer.writerow([
                r.number, matrix.priority_label(r.priority), r.state.label, r.title,
                r.caller_name or "", r.group_name or "", r.assignee_name or "",
                local_time(r.updated_at, zone), local_time(r.resolution_due, zone), sla,
                "yes" if r.major else "",
            ])  # fmt: skip
        n += len(page.rows)
        if progress is not None:
            progress(len(page.rows))
        if page.next_cursor is None or not page.rows:
            return n
        after = page.next_cursor
