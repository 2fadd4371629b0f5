"""Reference data an admin shapes: groups (and their supervisors), categories, services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.db.changes import append_change
from app.domain.assignment import AssignmentMode, check_mode
from app.domain.catalog import (
    KINDS,
    check_kind,
    check_level,
    check_line,
    descendants,
    starting_levels,
)
from app.domain.catalog import paths as category_paths
from app.domain.errors import NotFound, ValidationError
from app.domain.records import CategoryRecord, GroupDetail, ServiceRecord
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.domain.wording import plural
from app.models import (
    Agent,
    AlertRuleRow,
    Category,
    ConfigItem,
    EscalationRuleRow,
    Group,
    Incident,
    IncidentService,
    KnownError,
    Problem,
    SlaPolicyRow,
    agent_groups,
)
from app.services import queries
from app.services.admin_audit import record_changes
from app.services.context import SYSTEM_USER, Actor, Desk
from app.services.limits import check_fits
from app.services.policies import policy_book


def _find_agent(s: Session, username: str, field: str) -> Agent:
    agent = s.scalar(select(Agent).where(Agent.username == username.strip().lower()))
    if agent is None or agent.username == SYSTEM_USER:
        raise ValidationError(f"No user named {username.strip()!r}", field=field)
    return agent


def _group_by_name(s: Session, name: str, *, lock: bool = True) -> Group:
    stmt = select(Group).where(func.lower(Group.name) == name.strip().lower())
    g = s.scalar(stmt.with_for_update() if lock else stmt)
    if g is None:
        known = ", ".join(s.scalars(select(Group.name).order_by(Group.name))) or "none yet"
        raise NotFound(f"No group named {name.strip()!r} (groups: {known})")
    return g


def _member_names(s: Session, group_id: int) -> list[str]:
    return sorted(
        s.scalars(
            select(Agent.full_name)
            .join(agent_groups, agent_groups.c.agent_id == Agent.id)
            .where(agent_groups.c.group_id == group_id)
        )
    )


def add_group(
    desk: Desk,
    actor: Actor,
    name: str,
    line: int,
    *,
    supervisor_id: int | None = None,
    supervisor: str | None = None,
    email: str | None = None,
    assignment: str = AssignmentMode.MANUAL.value,
    members: Sequence[str] = (),
) -> int:
    """A new support group (a supervisor and members by user name); audited and live."""
    actor.require(Permission.CONFIGURE)
    name = name.strip()
    if not name:
        raise ValidationError("A group needs a name", field="name")
    check_fits("group name", name, Group.name, "name")
    check_line(line)
    mode = check_mode(assignment)
    with desk.write() as s:
        if s.scalar(select(Group.id).where(Group.name == name)) is not None:
            raise ValidationError(f"A group named {name!r} exists already", field="name")
        if supervisor and supervisor.strip():
            supervisor_id = _find_agent(s, supervisor, "supervisor").id
        people = [_find_agent(s, m, "members") for m in dict.fromkeys(members)]
        g = Group(
            name=name,
            line=line,
            supervisor_id=supervisor_id,
            email=(email or "").strip() or None,
            assignment=mode.value,
        )
        s.add(g)
        s.flush()
        for person in people:
            s.execute(agent_groups.insert().values(agent_id=person.id, group_id=g.id))
        diffs = [FieldDiff("Group", None, name), FieldDiff("Support line", None, f"Line {line}")]
        if supervisor_id is not None:
            sup = s.get(Agent, supervisor_id)
            diffs.append(FieldDiff("Supervisor", None, sup.full_name if sup else None))
        if g.email:
            diffs.append(FieldDiff("E-mail", None, g.email))
        if mode is not AssignmentMode.MANUAL:
            diffs.append(FieldDiff("Assignment", None, mode.label))
        if people:
            diffs.append(FieldDiff("Members", None, ", ".join(_member_names(s, g.id))))
        record_changes(s, actor, "group", g.id, g.name, diffs, desk.now(), None)
        append_change(s, "group", g.id, "created", actor.id)
        return g.id


def set_supervisor(desk: Desk, actor: Actor, group_id: int, agent_id: int | None) -> None:
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        g = s.get(Group, group_id)
        if g is None:
            raise ValidationError(f"No group with id {group_id}", field="group")
        if agent_id != g.supervisor_id:
            before = s.get(Agent, g.supervisor_id) if g.supervisor_id is not None else None
            after = s.get(Agent, agent_id) if agent_id is not None else None
            diff = FieldDiff(
                "Supervisor",
                before.full_name if before else None,
                after.full_name if after else None,
            )
            record_changes(s, actor, "group", g.id, g.name, [diff], desk.now(), None)
        g.supervisor_id = agent_id
        append_change(s, "group", g.id, "updated", actor.id)


def group_details(desk: Desk) -> list[GroupDetail]:
    """Every group (deactivated ones too) by line and name, with its members and open work."""
    sup = aliased(Agent)
    with desk.query() as s:
        rows = s.execute(
            select(Group, sup.username, sup.full_name)
            .outerjoin(sup, sup.id == Group.supervisor_id)
            .order_by(Group.line, Group.name)
        ).all()
        members = s.execute(
            select(agent_groups.c.group_id, Agent.username, Agent.full_name)
            .join(Agent, Agent.id == agent_groups.c.agent_id)
            .order_by(Agent.full_name)
        ).all()
        open_counts = {
            gid: int(n)
            for gid, n in s.execute(
                select(Incident.group_id, func.count())
                .where(Incident.active == true(), Incident.group_id.is_not(None))
                .group_by(Incident.group_id)
            ).all()
        }
    by_group: dict[int, list[tuple[str, str]]] = {}
    for gid, username, full_name in members:
        by_group.setdefault(gid, []).append((username, full_name))
    return [
        GroupDetail(
            g.id,
            g.name,
            g.line,
            username,
            full_name,
            g.email,
            g.assignment,
            bool(g.active),
            tuple(by_group.get(g.id, [])),
            int(open_counts.get(g.id, 0)),
        )
        for g, username, full_name in rows
    ]


def group_detail(desk: Desk, name: str) -> GroupDetail:
    found = next((g for g in group_details(desk) if g.name.lower() == name.strip().lower()), None)
    if found is None:
        known = ", ".join(g.name for g in group_details(desk)) or "none yet"
        raise NotFound(f"No group named {name.strip()!r} (groups: {known})")
    return found


def set_group_active(
    desk: Desk, actor: Actor, name: str, active: bool, *, reason: str | None = None
) -> None:
    """Deactivate a group (it leaves the pickers and takes no new incidents; its history stays)
    or activate it again. Refused while open incidents are in it or an active category routes
    to it, naming them: move them first."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        g = _group_by_name(s, name)
        if bool(g.active) == active:
            return
        if not active:
            parts = [
                _open_text(s, Incident.group_id == g.id),
                _names(
                    s,
                    Category.name,
                    (Category.default_group_id == g.id) & (Category.active == true()),
                    "active category",
                    "active categories",
                ),
                _names(s, AlertRuleRow.name, AlertRuleRow.group_id == g.id, "alert rule"),
                _rules_text(s, g.id),
            ]
            found = [p for p in parts if p]
            if found:
                raise ValidationError(
                    f"The group {g.name} cannot be deactivated while something routes to it: "
                    f"{'; '.join(found)}. Move them to another group first",
                    field="active",
                )
        diff = FieldDiff("Active", "yes" if g.active else "no", "yes" if active else "no")
        g.active = active
        record_changes(s, actor, "group", g.id, g.name, [diff], desk.now(), reason)
        append_change(s, "group", g.id, "updated", actor.id)


# -- categories ---------------------------------------------------------------------------


def _matrix_levels(desk: Desk) -> tuple[int, int]:
    matrix = policy_book(desk).matrix
    return matrix.impacts, matrix.urgencies


def _group_id(s: Session, name: str | None) -> int | None:
    """A group by name for a default or an owner; "" or None: none. A deactivated one is
    refused."""
    if name is None or not name.strip():
        return None
    g = _group_by_name(s, name, lock=False)
    if not g.active:
        raise ValidationError(
            f"The group {g.name} is deactivated: pick an active group", field="group"
        )
    return g.id


def _category_paths(s: Session) -> dict[int, str]:
    rows = s.execute(select(Category.id, Category.name, Category.parent_id)).all()
    return category_paths((r[0], r[1], r[2]) for r in rows)


def _under(s: Session, category_id: int) -> set[int]:
    rows = s.execute(select(Category.id, Category.parent_id)).all()
    return descendants(((r[0], r[1]) for r in rows), category_id)


def _check_sibling(s: Session, name: str, parent_id: int | None, own: int | None) -> None:
    clash = s.scalar(
        select(Category.id).where(
            Category.name == name,
            Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
            Category.id != (own or 0),
        )
    )
    if clash is not None:
        where = "at the top" if parent_id is None else f"under {_category_paths(s)[parent_id]}"
        raise ValidationError(f"A category named {name!r} exists already {where}", field="name")


def _level_text(n: int | None) -> str | None:
    return None if n is None else str(n)


def add_category(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    parent_id: int | None = None,
    default_group_id: int | None = None,
    default_impact: int | None = None,
    default_urgency: int | None = None,
) -> int:
    """A new category (under `parent_id`, else at the top) with its defaults; audited, live."""
    actor.require(Permission.CONFIGURE)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A category needs a name", field="name")
    check_fits("category name", name, Category.name, "name")
    if ">" in name:
        raise ValidationError(
            f"A category's name cannot contain '>' (it separates a path): {name!r}", field="name"
        )
    impacts, urgencies = _matrix_levels(desk)
    check_level(default_impact, impacts, "impact")
    check_level(default_urgency, urgencies, "urgency")
    with desk.write() as s:
        if parent_id is not None:
            parent = s.get(Category, parent_id)
            if parent is None:
                raise ValidationError(f"No category with id {parent_id}", field="parent")
            if parent.parent_id is not None:
                raise ValidationError(
                    f"{_category_paths(s)[parent_id]} is a subcategory: a category has one "
                    "level of subcategories, put it under a top-level one",
                    field="parent",
                )
        _check_sibling(s, name, parent_id, None)
        group = s.get(Group, default_group_id) if default_group_id is not None else None
        if default_group_id is not None and group is None:
            raise ValidationError(f"No group with id {default_group_id}", field="group")
        if group is not None and not group.active:
            raise ValidationError(
                f"The group {group.name} is deactivated: pick an active group", field="group"
            )
        c = Category(
            name=name,
            parent_id=parent_id,
            default_group_id=default_group_id,
            default_impact=default_impact,
            default_urgency=default_urgency,
        )
        s.add(c)
        s.flush()
        path = _category_paths(s)[c.id]
        diffs = [FieldDiff("Category", None, path)]
        if group is not None:
            diffs.append(FieldDiff("Default group", None, group.name))
        if default_impact is not None:
            diffs.append(FieldDiff("Default impact", None, str(default_impact)))
        if default_urgency is not None:
            diffs.append(FieldDiff("Default urgency", None, str(default_urgency)))
        record_changes(s, actor, "category", c.id, path, diffs, desk.now(), None)
        append_change(s, "category", c.id, "created", actor.id)
        return c.id


def find_category(desk: Desk, path: str) -> CategoryRecord:
    """A category by its path ("Software > Email", any case; deactivated ones too)."""
    wanted = " > ".join(" ".join(part.split()) for part in path.split(">")).casefold()
    cats = queries.categories(desk, inactive=True)
    found = next((c for c in cats if c.path.casefold() == wanted), None)
    if found is None:
        raise ValidationError(
            f'No category {path.strip()!r} (write its path: "Software > Email")', field="category"
        )
    return found


def edit_category(
    desk: Desk,
    actor: Actor,
    category_id: int,
    *,
    name: str | None = None,
    parent_id: int | None = None,
    default_group: str | None = None,
    default_impact: int | None = None,
    default_urgency: int | None = None,
    reason: str | None = None,
) -> None:
    """Change a category; None leaves a field as it is. `parent_id` 0 moves it to the top;
    `default_group` "" and a default level 0 clear the default. Audited field by field."""
    actor.require(Permission.CONFIGURE)
    impacts, urgencies = _matrix_levels(desk)
    if default_impact:
        check_level(default_impact, impacts, "impact")
    if default_urgency:
        check_level(default_urgency, urgencies, "urgency")
    with desk.write() as s:
        c = s.get(Category, category_id, with_for_update=True)
        if c is None:
            raise NotFound(f"No category with id {category_id}")
        before = _category_paths(s)
        diffs: list[FieldDiff] = []
        new_name = c.name if name is None else " ".join(name.split())
        if not new_name:
            raise ValidationError("A category needs a name", field="name")
        check_fits("category name", new_name, Category.name, "name")
        if ">" in new_name:
            raise ValidationError(
                f"A category's name cannot contain '>' (it separates a path): {new_name!r}",
                field="name",
            )
        new_parent = c.parent_id if parent_id is None else (parent_id or None)
        if new_parent is not None:
            target = s.get(Category, new_parent)
            if target is None:
                raise ValidationError(f"No category with id {new_parent}", field="parent")
            if c.active and not target.active and new_parent != c.parent_id:
                raise ValidationError(
                    f"{before[new_parent]} is deactivated: {before[c.id]} cannot move under it",
                    field="parent",
                )
            under = _under(s, c.id)
            if new_parent == c.id or new_parent in under:
                raise ValidationError(
                    f"{before[c.id]} cannot move under {before[new_parent]}: that is inside it",
                    field="parent",
                )
            if target.parent_id is not None or under:
                why = (
                    f"{before[new_parent]} is a subcategory"
                    if target.parent_id is not None
                    else f"{before[c.id]} has subcategories"
                )
                raise ValidationError(
                    f"{before[c.id]} cannot move under {before[new_parent]}: {why}, and a "
                    "category has one level of subcategories",
                    field="parent",
                )
        if (new_name, new_parent) != (c.name, c.parent_id):
            _check_sibling(s, new_name, new_parent, c.id)
            if new_name != c.name:
                diffs.append(FieldDiff("Name", c.name, new_name))
            if new_parent != c.parent_id:
                diffs.append(
                    FieldDiff(
                        "Parent",
                        before[c.parent_id] if c.parent_id is not None else None,
                        before[new_parent] if new_parent is not None else None,
                    )
                )
            c.name, c.parent_id = new_name, new_parent
        if default_group is not None:
            gid = _group_id(s, default_group)
            if gid != c.default_group_id:
                old = s.get(Group, c.default_group_id) if c.default_group_id else None
                new = s.get(Group, gid) if gid else None
                diffs.append(
                    FieldDiff("Default group", old.name if old else None, new.name if new else None)
                )
                c.default_group_id = gid
        for field, value, attr in (
            ("Default impact", default_impact, "default_impact"),
            ("Default urgency", default_urgency, "default_urgency"),
        ):
            if value is None:
                continue
            wanted = value or None
            if wanted != getattr(c, attr):
                diffs.append(FieldDiff(field, _level_text(getattr(c, attr)), _level_text(wanted)))
                setattr(c, attr, wanted)
        if diffs:
            s.flush()
            path = _category_paths(s)[c.id]
            record_changes(s, actor, "category", c.id, path, diffs, desk.now(), reason)
            append_change(s, "category", c.id, "updated", actor.id)


def set_category_active(
    desk: Desk, actor: Actor, category_id: int, active: bool, *, reason: str | None = None
) -> int:
    """Deactivate a category and the ones under it (they leave the pickers; incidents keep
    them), or activate one again (its parent must be active). Returns how many changed."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = s.get(Category, category_id, with_for_update=True)
        if c is None:
            raise NotFound(f"No category with id {category_id}")
        path = _category_paths(s)
        if active:
            parent = s.get(Category, c.parent_id) if c.parent_id is not None else None
            if parent is not None and not parent.active:
                raise ValidationError(
                    f"{path[c.id]} is under {path[parent.id]}, which is deactivated: activate "
                    "that first",
                    field="active",
                )
            if c.default_group_id is not None:
                routable = s.get(Group, c.default_group_id)
                if routable is not None and not routable.active:
                    raise ValidationError(
                        f"{path[c.id]} routes to {routable.name}, which is deactivated: give it "
                        "another default group first",
                        field="active",
                    )
            targets = [c]
        else:
            under = _under(s, c.id)
            targets = [c] + [
                x for x in (s.get(Category, i) for i in sorted(under)) if x is not None
            ]
        changed = 0
        for x in targets:
            if bool(x.active) == active:
                continue
            x.active = active
            diff = FieldDiff("Active", "no" if active else "yes", "yes" if active else "no")
            record_changes(s, actor, "category", x.id, path[x.id], [diff], desk.now(), reason)
            append_change(s, "category", x.id, "updated", actor.id)
            changed += 1
        return changed


def category_levels(
    category: CategoryRecord | None, impacts: int, urgencies: int
) -> tuple[int | None, int | None]:
    """The impact and urgency a category starts an incident with (None: it names none), as
    ``starting_levels`` takes them: the new-incident form shows them when the category is
    picked."""
    if category is None:
        return None, None
    impact, urgency = starting_levels(
        None, None, category.default_impact, category.default_urgency, impacts, urgencies
    )
    return (
        impact if category.default_impact is not None else None,
        urgency if category.default_urgency is not None else None,
    )


# -- services and configuration items ---------------------------------------------------------


def add_service(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    kind: str = "service",
    group_id: int | None = None,
    group: str | None = None,
    description: str | None = None,
) -> int:
    """A new service or configuration item (owner group by id or name); audited and live."""
    actor.require(Permission.CONFIGURE)
    check_kind(kind, name)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A service needs a name", field="name")
    check_fits("service name", name, ConfigItem.name, "name")
    check_fits("description", (description or "").strip(), ConfigItem.description)
    with desk.write() as s:
        if s.scalar(select(ConfigItem.id).where(ConfigItem.name == name)) is not None:
            raise ValidationError(
                f"A service or configuration item named {name!r} exists already", field="name"
            )
        if group is not None:
            group_id = _group_id(s, group)
        owner = s.get(Group, group_id) if group_id is not None else None
        if group_id is not None and owner is None:
            raise ValidationError(f"No group with id {group_id}", field="group")
        c = ConfigItem(
            name=name, kind=kind, group_id=group_id, description=(description or "").strip() or None
        )
        s.add(c)
        s.flush()
        diffs = [FieldDiff(KINDS[kind], None, name)]
        if owner is not None:
            diffs.append(FieldDiff("Owner group", None, owner.name))
        if c.description:
            diffs.append(FieldDiff("Description", None, c.description))
        record_changes(s, actor, "service", c.id, name, diffs, desk.now(), None)
        append_change(s, "service", c.id, "created", actor.id)
        return c.id


def _service_by_name(s: Session, name: str) -> ConfigItem:
    c = s.scalar(
        select(ConfigItem).where(ConfigItem.name == " ".join(name.split())).with_for_update()
    )
    if c is None:
        raise NotFound(f"No service or configuration item named {name.strip()!r}")
    return c


def find_service(desk: Desk, name: str) -> ServiceRecord:
    wanted = " ".join(name.split()).casefold()
    found = next(
        (x for x in queries.services(desk, inactive=True) if x.name.casefold() == wanted), None
    )
    if found is None:
        raise NotFound(f"No service or configuration item named {name.strip()!r}")
    return found


def edit_service(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    new_name: str | None = None,
    kind: str | None = None,
    group: str | None = None,
    description: str | None = None,
    reason: str | None = None,
) -> None:
    """Rename, change the kind, the owner group ("" for none) or the description ("" for none)
    of a service or configuration item; audited field by field."""
    actor.require(Permission.CONFIGURE)
    if kind is not None:
        check_kind(kind, name)
    with desk.write() as s:
        c = _service_by_name(s, name)
        diffs: list[FieldDiff] = []
        if new_name is not None and " ".join(new_name.split()) != c.name:
            wanted = " ".join(new_name.split())
            if not wanted:
                raise ValidationError("A service needs a name", field="name")
            check_fits("service name", wanted, ConfigItem.name, "name")
            if s.scalar(select(ConfigItem.id).where(ConfigItem.name == wanted)) is not None:
                raise ValidationError(
                    f"A service or configuration item named {wanted!r} exists already",
                    field="name",
                )
            diffs.append(FieldDiff("Name", c.name, wanted))
            c.name = wanted
        if kind is not None and kind != c.kind:
            diffs.append(FieldDiff("Kind", KINDS[c.kind], KINDS[kind]))
            c.kind = kind
        if group is not None:
            gid = _group_id(s, group)
            if gid != c.group_id:
                old = s.get(Group, c.group_id) if c.group_id else None
                new = s.get(Group, gid) if gid else None
                diffs.append(
                    FieldDiff("Owner group", old.name if old else None, new.name if new else None)
                )
                c.group_id = gid
        if description is not None and (description.strip() or None) != c.description:
            check_fits("description", description.strip(), ConfigItem.description)
            diffs.append(FieldDiff("Description", c.description, description.strip() or None))
            c.description = description.strip() or None
        if diffs:
            record_changes(s, actor, "service", c.id, c.name, diffs, desk.now(), reason)
            append_change(s, "service", c.id, "updated", actor.id)


def set_service_active(
    desk: Desk, actor: Actor, name: str, active: bool, *, reason: str | None = None
) -> None:
    """Deactivate a service or configuration item (it leaves the pickers; incidents keep it)
    or activate it again."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = _service_by_name(s, name)
        if bool(c.active) == active:
            return
        diff = FieldDiff("Active", "yes" if c.active else "no", "yes" if active else "no")
        c.active = active
        record_changes(s, actor, "service", c.id, c.name, [diff], desk.now(), reason)
        append_change(s, "service", c.id, "updated", actor.id)


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


def _open_text(s: Session, where: ColumnElement[bool]) -> str | None:
    """'3 open incidents (INC0000001, INC0000004, INC0000009)', or None without any."""
    open_ = Incident.active == true()
    n = int(s.execute(select(func.count()).select_from(Incident).where(where, open_)).scalar_one())
    if not n:
        return None
    numbers = list(
        s.execute(
            select(Incident.number).where(where, open_).order_by(Incident.id).limit(5)
        ).scalars()
    )
    more = ", ..." if n > len(numbers) else ""
    return f"{plural(n, 'open incident')} ({', '.join(numbers)}{more})"


def _rules_text(s: Session, group_id: int) -> str | None:
    """'2 escalation rules (of Default)': the SLA policies whose rules escalate to the group."""
    rows = s.execute(
        select(SlaPolicyRow.name)
        .join(EscalationRuleRow, EscalationRuleRow.policy_id == SlaPolicyRow.id)
        .where(EscalationRuleRow.group_id == group_id)
        .order_by(SlaPolicyRow.name)
    ).all()
    if not rows:
        return None
    policies = ", ".join(dict.fromkeys(r[0] for r in rows))
    return f"{plural(len(rows), 'escalation rule')} (of {policies})"


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
    assignment: str | None = None,
    members: Sequence[str] | None = None,
    reason: str | None = None,
) -> None:
    """Rename a group, move it to another support line, give it a supervisor (a user name; ""
    for none), an e-mail address ("" for none), an assignment mode or its members (user names,
    all of them); None leaves a field as it is. Audited field by field, and live."""
    actor.require(Permission.CONFIGURE)
    if line is not None:
        check_line(line)
    mode = check_mode(assignment) if assignment is not None else None
    with desk.write() as s:
        g = _group_by_name(s, name)
        diffs: list[FieldDiff] = []
        if new_name is not None and new_name.strip() != g.name:
            wanted = new_name.strip()
            if not wanted:
                raise ValidationError("A group needs a name", field="name")
            check_fits("group name", wanted, Group.name, "name")
            if s.scalar(select(Group.id).where(Group.name == wanted)) is not None:
                raise ValidationError(f"A group named {wanted!r} exists already", field="name")
            diffs.append(FieldDiff("Name", g.name, wanted))
            g.name = wanted
        if line is not None and line != g.line:
            diffs.append(FieldDiff("Support line", f"Line {g.line}", f"Line {line}"))
            g.line = line
        if supervisor is not None:
            sup = _find_agent(s, supervisor, "supervisor") if supervisor.strip() else None
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
        if mode is not None and mode.value != g.assignment:
            diffs.append(FieldDiff("Assignment", check_mode(g.assignment).label, mode.label))
            g.assignment = mode.value
        if members is not None:
            wanted_ids = {_find_agent(s, m, "members").id for m in members}
            current = set(
                s.scalars(select(agent_groups.c.agent_id).where(agent_groups.c.group_id == g.id))
            )
            if wanted_ids != current:
                before_names = _member_names(s, g.id)
                gone = current - wanted_ids
                if gone:
                    s.execute(
                        agent_groups.delete().where(
                            agent_groups.c.group_id == g.id, agent_groups.c.agent_id.in_(gone)
                        )
                    )
                for agent_id in sorted(wanted_ids - current):
                    s.execute(agent_groups.insert().values(agent_id=agent_id, group_id=g.id))
                diffs.append(
                    FieldDiff(
                        "Members",
                        ", ".join(before_names) or None,
                        ", ".join(_member_names(s, g.id)) or None,
                    )
                )
                for agent_id in sorted(gone | (wanted_ids - current)):
                    append_change(s, "agent", agent_id, "updated", actor.id)
        if diffs:
            record_changes(s, actor, "group", g.id, g.name, diffs, desk.now(), reason)
            append_change(s, "group", g.id, "updated", actor.id)
