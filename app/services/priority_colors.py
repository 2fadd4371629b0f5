"""The colour each priority is shown in (the queue, the matrix editor), as an admin sets it.

Stored in the database (setting "priority_colors": the colour of priority 1, 2, ... as "#rrggbb",
or null where the desk's own ramp gives it), so every workstation shows the same. A change is
audited in the admin audit (entity "priority", field "P2 colour") and logged in the change feed
("priority"), which every workstation follows: the queue repaints its priority column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.matrix import MAX_PRIORITIES
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.models import Setting
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.mutation import require_active
from app.services.settings import write_setting

SETTING = "priority_colors"
ENTITY = "priority"
_HEX = re.compile(r"^#[0-9a-f]{6}$")


def check_color(value: str | None, priority: int) -> str | None:
    """'#b3001b' (lower case), None for the desk's own colour, or a ValidationError naming the
    priority."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not text.startswith("#"):
        text = f"#{text}"
    if not _HEX.match(text):
        raise ValidationError(
            f"P{priority} colour: {value!r} is not a colour like #b3001b",
            field=f"P{priority} colour",
        )
    return text


def _stored(value: object) -> tuple[str | None, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v if isinstance(v, str) and _HEX.match(v) else None for v in value)


def priority_colors(desk: Desk) -> tuple[str | None, ...]:
    """The colour of priority 1, 2, ... ('#rrggbb'), None where the desk's own is shown."""
    with desk.read() as conn:
        value = conn.execute(select(Setting.value).where(Setting.key == SETTING)).scalar()
    return _stored(value)


def set_priority_colors(
    desk: Desk, actor: Actor, colors: Sequence[str | None], *, reason: str | None = None
) -> tuple[str | None, ...]:
    """Set the colour of priority 1, 2, ... (None: the desk's own); returns them as stored."""
    actor.require(Permission.CONFIGURE)
    if len(colors) > MAX_PRIORITIES:
        raise ValidationError(
            f"At most {MAX_PRIORITIES} priorities have a colour, got {len(colors)}", field="colors"
        )
    checked = [check_color(c, p) for p, c in enumerate(colors, start=1)]
    while checked and checked[-1] is None:
        checked.pop()
    with desk.write() as s:
        require_active(s, actor)
        before = _stored(s.scalar(select(Setting.value).where(Setting.key == SETTING)))
        diffs = []
        for p in range(1, max(len(before), len(checked)) + 1):
            old = before[p - 1] if p <= len(before) else None
            new = checked[p - 1] if p <= len(checked) else None
            if old != new:
                diffs.append(FieldDiff(f"P{p} colour", old or "the desk's", new or "the desk's"))
        if diffs:
            write_setting(s, SETTING, checked)
            record_changes(s, actor, ENTITY, None, "Priorities", diffs, desk.now(), reason)
            append_change(s, ENTITY, 0, "updated", actor.id)
    return tuple(checked)
