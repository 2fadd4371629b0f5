"""Reference data an admin shapes: groups (and their supervisors), categories, services."""

from __future__ import annotations

from sqlalchemy import select

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.roles import Permission
from app.models import (
    Category,
    ConfigItem,
    Group,
)
from app.services.context import Actor, Desk


def add_group(
    desk: Desk, actor: Actor, name: str, line: int, *, supervisor_id: int | None = None
) -> int:
    actor.require(Permission.CONFIGURE)
    name = name.strip()
    if not name:
        raise ValidationError("A group needs a name", field="name")
    if line not in (1, 2, 3):
        raise ValidationError(f"Support line must be 1, 2 or 3, got {line}", field="line")
    with desk.write() as s:
        if s.scalar(select(Group.id).where(Group.name == name)) is not None:
            raise ValidationError(f"A group named {name!r} exists already", field="name")
        g = Group(name=name, line=line, supervisor_id=supervisor_id)
        s.add(g)
        s.flush()
        append_change(s, "group", g.id, "created", actor.id)
        return g.id


def set_supervisor(desk: Desk, actor: Actor, group_id: int, agent_id: int | None) -> None:
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        g = s.get(Group, group_id)
        if g is None:
            raise ValidationError(f"No group with id {group_id}", field="group")
        g.supervisor_id = agent_id
        append_change(s, "group", g.id, "updated", actor.id)


def add_category(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    parent_id: int | None = None,
    default_group_id: int | None = None,
) -> int:
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = Category(name=name.strip(), parent_id=parent_id, default_group_id=default_group_id)
        s.add(c)
        s.flush()
        return c.id


def add_service(
    desk: Desk, actor: Actor, name: str, *, kind: str = "service", group_id: int | None = None
) -> int:
    actor.require(Permission.CONFIGURE)
    if kind not in ("service", "ci"):
        raise ValidationError(
            f"{name.strip() or 'A service'}: the kind is 'service' or 'ci', not {kind!r}",
            field="kind",
        )
    if not name.strip():
        raise ValidationError("A service needs a name", field="name")
    with desk.write() as s:
        c = ConfigItem(name=name.strip(), kind=kind, group_id=group_id)
        s.add(c)
        s.flush()
        return c.id
