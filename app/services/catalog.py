"""Reference data an admin shapes: groups (and their supervisors), categories, services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import NotFound, ValidationError
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.domain.wording import plural
from app.models import (
    Agent,
    Category,
    ConfigItem,
    Group,
    Incident,
    IncidentService,
    KnownError,
    Problem,
    agent_groups,
)
from app.services.admin_audit import record_changes
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


# -- deleting what nothing refers to -----------------------------------------------------------


def _incidents_text(s: Session, where: ColumnElement[bool]) -> str | None:
    """'12 incidents (3 open: INC0000001, INC0000004, INC0000009)', or None without any."""
    n = int(s.execute(select(func.count()).select_from(Incident).where(where)).scalar_one())
    if not n:
        return None
    open_n = int(
        s.execute(
            select(func.count()).select_from(Incident).where(where, Incident.active == true())
        ).scalar_one()
    )
    if not open_n:
        return f"{plural(n, 'incident')} (none open)"
    numbers = list(
        s.execute(
            select(Incident.number)
            .where(where, Incident.active == true())
            .order_by(Incident.id)
            .limit(5)
        ).scalars()
    )
    more = ", ..." if open_n > len(numbers) else ""
    return f"{plural(n, 'incident')} ({open_n:,} open: {', '.join(numbers)}{more})"


def _refuse(what: str, parts: list[str | None], instead: str) -> None:
    found = [p for p in parts if p]
    if found:
        raise ValidationError(
            f"{what} cannot be deleted, referred to by {'; '.join(found)}. {instead}", field="name"
        )


def _names(
    s: Session, column: Any, where: ColumnElement[bool], kind: str, many: str | None = None
) -> str | None:
    names = list(s.execute(select(column).where(where).order_by(column)).scalars())
    if not names:
        return None
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{plural(len(names), kind, many)} ({shown})"


def delete_group(desk: Desk, actor: Actor, name: str) -> None:
    """Delete a group nothing refers to (its members leave it); otherwise refuse, naming the
    incidents (which open), categories, services and problems that refer to it."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        g = s.scalar(select(Group).where(Group.name == name.strip()).with_for_update())
        if g is None:
            raise NotFound(f"No group named {name.strip()!r}")
        _refuse(
            f"The group {g.name}",
            [
                _incidents_text(s, Incident.group_id == g.id),
                _names(
                    s, Category.name, Category.default_group_id == g.id, "category", "categories"
                ),
                _names(s, ConfigItem.name, ConfigItem.group_id == g.id, "service"),
                _names(s, Problem.number, Problem.group_id == g.id, "problem"),
            ],
            "Rename it or move what refers to it first",
        )
        record_changes(
            s, actor, "group", g.id, g.name, [FieldDiff("Group", g.name, None)], desk.now(), None
        )
        s.execute(agent_groups.delete().where(agent_groups.c.group_id == g.id))
        s.delete(g)
        append_change(s, "group", g.id, "deleted", actor.id)


def delete_category(desk: Desk, actor: Actor, category_id: int) -> None:
    """Delete a category nothing refers to; otherwise refuse, naming the incidents, the
    subcategories and the known errors that do (deactivate it instead)."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = s.get(Category, category_id, with_for_update=True)
        if c is None:
            raise NotFound(f"No category with id {category_id}")
        _refuse(
            f"The category {c.name}",
            [
                _incidents_text(s, Incident.category_id == c.id),
                _names(
                    s, Category.name, Category.parent_id == c.id, "subcategory", "subcategories"
                ),
                _names(s, KnownError.title, KnownError.category_id == c.id, "known error"),
            ],
            "Deactivate it instead: it leaves the pickers and stays in the history",
        )
        record_changes(
            s,
            actor,
            "category",
            c.id,
            c.name,
            [FieldDiff("Category", c.name, None)],
            desk.now(),
            None,
        )
        s.delete(c)
        append_change(s, "category", c.id, "deleted", actor.id)


def delete_service(desk: Desk, actor: Actor, name: str) -> None:
    """Delete a service or configuration item no incident refers to."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = s.scalar(select(ConfigItem).where(ConfigItem.name == name.strip()).with_for_update())
        if c is None:
            raise NotFound(f"No service or configuration item named {name.strip()!r}")
        _refuse(
            f"The {'service' if c.kind == 'service' else 'configuration item'} {c.name}",
            [
                _incidents_text(
                    s,
                    or_(
                        Incident.config_item_id == c.id,
                        Incident.id.in_(
                            select(IncidentService.incident_id).where(
                                IncidentService.config_item_id == c.id
                            )
                        ),
                    ),
                )
            ],
            "Deactivate it instead: it leaves the pickers and stays in the history",
        )
        record_changes(
            s,
            actor,
            "service",
            c.id,
            c.name,
            [FieldDiff("Service", c.name, None)],
            desk.now(),
            None,
        )
        s.delete(c)
        append_change(s, "service", c.id, "deleted", actor.id)


def edit_group(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    new_name: str | None = None,
    line: int | None = None,
    supervisor: str | None = None,
    email: str | None = None,
) -> None:
    """Rename a group, move it to another support line, give it a supervisor (a user name; ""
    for none) or an e-mail address ("" for none); audited field by field."""
    actor.require(Permission.CONFIGURE)
    if line is not None and line not in (1, 2, 3):
        raise ValidationError(f"Support line must be 1, 2 or 3, got {line}", field="line")
    with desk.write() as s:
        g = s.scalar(select(Group).where(Group.name == name.strip()).with_for_update())
        if g is None:
            raise NotFound(f"No group named {name.strip()!r}")
        diffs: list[FieldDiff] = []
        if new_name is not None and new_name.strip() != g.name:
            wanted = new_name.strip()
            if not wanted:
                raise ValidationError("A group needs a name", field="name")
            if s.scalar(select(Group.id).where(Group.name == wanted)) is not None:
                raise ValidationError(f"A group named {wanted!r} exists already", field="name")
            diffs.append(FieldDiff("Name", g.name, wanted))
            g.name = wanted
        if line is not None and line != g.line:
            diffs.append(FieldDiff("Support line", f"Line {g.line}", f"Line {line}"))
            g.line = line
        if supervisor is not None:
            sup = None
            if supervisor.strip():
                sup = s.scalar(select(Agent).where(Agent.username == supervisor.strip().lower()))
                if sup is None:
                    raise ValidationError(
                        f"No user named {supervisor.strip()!r}", field="supervisor"
                    )
            if (sup.id if sup else None) != g.supervisor_id:
                before = s.get(Agent, g.supervisor_id) if g.supervisor_id is not None else None
                diffs.append(
                    FieldDiff(
                        "Supervisor",
                        before.full_name if before else None,
                        sup.full_name if sup else None,
                    )
                )
                g.supervisor_id = sup.id if sup else None
        if email is not None and (email.strip() or None) != g.email:
            diffs.append(FieldDiff("E-mail", g.email, email.strip() or None))
            g.email = email.strip() or None
        if diffs:
            record_changes(s, actor, "group", g.id, g.name, diffs, desk.now(), None)
            append_change(s, "group", g.id, "updated", actor.id)
