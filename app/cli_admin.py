"""The command line's admin verbs: ``incidentdesk matrix ...`` for scripted roll-outs.

    matrix show [--json]                       the active matrix (the JSON the others read)
    matrix preview FILE [--json]               which open incidents FILE's matrix would move
    matrix apply FILE --reason R [--json]      save FILE's matrix and move exactly those

FILE is the JSON ``matrix show --json`` prints ("-" reads standard input). ``preview --json``
prints ``{"count": N, "changes": [{"number": ..., "old": P, "new": P}, ...]}``; ``apply`` moves
exactly the incidents ``preview`` lists (in one transaction, each audited with the new version
and the reason) and needs an admin (``--as``). Nothing is written by ``show`` or ``preview``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.domain import inbound
from app.domain.errors import ValidationError
from app.domain.matrix import PriorityMatrix, matrix_from_json, matrix_to_json
from app.domain.wording import plural
from app.services import matrix as matrix_service
from app.services import queries
from app.services.context import Actor, Desk


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    matrix = sub.add_parser(
        "matrix", help="the priority matrix (impact x urgency)", parents=[plain]
    )
    msub = matrix.add_subparsers(dest="matrix_command", metavar="ACTION", required=True)
    show = msub.add_parser("show", parents=[plain], help="the active matrix")
    show.add_argument("--json", action="store_true", help="as JSON (what preview and apply read)")
    preview = msub.add_parser(
        "preview", parents=[plain], help="the open incidents a matrix would move (writes nothing)"
    )
    preview.add_argument("file", metavar="FILE", help="a matrix as JSON ('-': standard input)")
    preview.add_argument("--json", action="store_true")
    apply = msub.add_parser(
        "apply",
        parents=[acting],
        help="save a matrix as the next version and move the open incidents it changes",
    )
    apply.add_argument("file", metavar="FILE", help="a matrix as JSON ('-': standard input)")
    apply.add_argument(
        "--reason", required=True, help="why: written into every moved incident's history"
    )
    apply.add_argument("--json", action="store_true")


def needs_actor(args: argparse.Namespace) -> bool:
    return bool(args.matrix_command == "apply")


def read_matrix(name: str) -> PriorityMatrix:
    """The matrix in file `name` ("-": standard input), or a ValidationError naming the file."""
    where = "standard input" if name == "-" else name
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {where}: {exc.strerror or exc}", field="file") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{where} is not UTF-8 text (byte {exc.start:,} cannot be read)", field="file"
        ) from exc
    try:
        data = inbound.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{where} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", field="file"
        ) from exc
    try:
        return matrix_from_json(data)
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc}", field=exc.field) from exc


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _grid(matrix: PriorityMatrix) -> list[str]:
    head = ["Impact \\ Urgency"] + [matrix.urgency_label(u) for u in range(1, matrix.urgencies + 1)]
    rows = [
        [matrix.impact_label(i)] + [matrix.priority_label(p) for p in matrix.cells[i - 1]]
        for i in range(1, matrix.impacts + 1)
    ]
    widths = [max(len(r[c]) for r in [head, *rows]) for c in range(len(head))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *rows]
    ]


def run(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    command = args.matrix_command
    if command == "show":
        active = queries.matrix(desk)
        if args.json:
            _print_json(matrix_to_json(active))
            return 0
        print(f"Priority matrix version {active.version}")
        for line in _grid(active):
            print(line)
        return 0
    proposed = read_matrix(args.file)
    if command == "preview":
        shifts = matrix_service.preview(desk, proposed)
        if args.json:
            _print_json(
                {
                    "count": len(shifts),
                    "changes": [
                        {"number": s.number, "old": s.old_priority, "new": s.new_priority}
                        for s in shifts
                    ],
                }
            )
            return 0
        print(f"{plural(len(shifts), 'open incident')} would change priority")
        for s in shifts:
            print(
                f"{s.number}  {proposed.priority_label(s.old_priority)} -> "
                f"{proposed.priority_label(s.new_priority)}  {s.title}"
            )
        return 0
    assert command == "apply" and actor is not None
    done = matrix_service.apply_matrix(desk, actor, proposed, args.reason)
    if args.json:
        _print_json(
            {
                "version": done.version,
                "count": done.count,
                "changes": [{"number": n, "old": o, "new": p} for n, o, p in done.changes],
            }
        )
        return 0
    print(
        f"Saved priority matrix version {done.version}: {plural(done.count, 'open incident')} re-prioritised"
    )
    for old, new, n in done.pairs:
        print(f"  {proposed.priority_label(old)} -> {proposed.priority_label(new)}: {n}")
    return 0


# -- users ------------------------------------------------------------------------------------

USER_VERBS = ("edit", "deactivate", "activate", "reset-password", "delete")


def add_user_verbs(
    us_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    acting: argparse.ArgumentParser,
) -> None:
    from app.domain.roles import Role

    edit = us_sub.add_parser(
        "edit", parents=[acting], help="change a user's name, e-mail, role or groups"
    )
    edit.add_argument("username")
    edit.add_argument("--name", help="full name")
    edit.add_argument("--email")
    edit.add_argument("--role", choices=[r.value for r in Role])
    edit.add_argument(
        "--group", action="append", metavar="G", help="the user's groups, all of them (repeatable)"
    )
    edit.add_argument("--no-groups", action="store_true", help="in no group")
    edit.add_argument("--json", action="store_true")
    for verb, what in (("deactivate", "cannot sign in or change anything; their work stays theirs"),
                       ("activate", "may sign in again")):  # fmt: skip
        p = us_sub.add_parser(verb, parents=[acting], help=f"{verb} a user ({what})")
        p.add_argument("username")
        p.add_argument("--reason")
        p.add_argument("--json", action="store_true")
    reset = us_sub.add_parser(
        "reset-password",
        parents=[acting],
        help="a new password: typed on standard input, or generated and printed once",
    )
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the new password from standard input"
    )
    reset.add_argument(
        "--json",
        action="store_true",
        help='{"username": U, "password": P}; P only when generated (shown once)',
    )
    delete = us_sub.add_parser(
        "delete", parents=[acting], help="delete a user nothing refers to (else: deactivate)"
    )
    delete.add_argument("username")


def run_users(args: argparse.Namespace, desk: Desk, actor: Actor, password: str | None) -> int:
    from app.services import users

    verb = args.users_command
    if verb == "edit":
        if args.group and args.no_groups:
            raise ValidationError("--group and --no-groups contradict each other", field="groups")
        groups = [] if args.no_groups else args.group
        rec = users.edit_user(
            desk,
            actor,
            args.username,
            full_name=args.name,
            email=args.email,
            role=args.role,
            groups=groups,
        )
        if args.json:
            import dataclasses

            _print_json(dataclasses.asdict(rec))
            return 0
        print(
            f"{rec.username}: {rec.full_name}, {rec.role}; {', '.join(rec.group_names) or 'no group'}"
        )
        return 0
    if verb in ("deactivate", "activate"):
        rec = users.set_active(desk, actor, args.username, verb == "activate", reason=args.reason)
        if args.json:
            import dataclasses

            _print_json(dataclasses.asdict(rec))
            return 0
        print(f"{rec.username} ({rec.full_name}) is {'active' if rec.active else 'deactivated'}.")
        return 0
    if verb == "reset-password":
        new = users.reset_password(desk, actor, args.username, password)
        if args.json:
            _print_json(
                {
                    "username": args.username.strip().lower(),
                    "password": new if password is None else None,
                }
            )
        elif password is None:
            print(f"New password for {args.username.strip().lower()} (shown once): {new}")
        else:
            print(f"The password of {args.username.strip().lower()} is changed.")
        return 0
    assert verb == "delete"
    users.delete_user(desk, actor, args.username)
    print(f"Deleted {args.username.strip().lower()}.")
    return 0


def show_user(args: argparse.Namespace, desk: Desk) -> int:
    """`users show USERNAME`: the user, their groups and their admin history."""
    import dataclasses

    from app.domain.errors import NotFound
    from app.domain.roles import Role
    from app.services import users

    name = args.username.strip().lower()
    rec = next((u for u in users.list_users(desk) if u.username == name), None)
    if rec is None:
        raise NotFound(f"No user named {args.username!r}")
    if args.json:
        _print_json(dataclasses.asdict(rec))
        return 0
    print(
        f"{rec.username}  {rec.full_name} ({Role(rec.role).label}{'' if rec.active else ', deactivated'})"
    )
    print(f"  e-mail: {rec.email or '-'}")
    print(f"  groups: {', '.join(rec.group_names) or '-'}")
    history = _history_lines(desk, "user", rec.id)
    if history:
        print("History:")
        print("\n".join(history))
    return 0


# -- groups, categories, services --------------------------------------------------------------

CATALOG = ("groups", "categories", "services")
READS = ("list", "show")


def add_catalog_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    from app.domain.assignment import AssignmentMode

    modes = [m.value for m in AssignmentMode]
    for noun, what, key, key_help in (
        ("groups", "support groups", "NAME", None),
        ("categories", "the category tree", "PATH", 'a category by its path: "Software > Email"'),
        ("services", "services and configuration items", "NAME", None),
    ):
        p = sub.add_parser(noun, help=what, parents=[plain])
        psub = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
        lst = psub.add_parser("list", parents=[plain], help=f"list {what}")
        lst.add_argument("--all", action="store_true", help="deactivated ones too")
        lst.add_argument("--json", action="store_true")
        show = psub.add_parser("show", parents=[plain], help="one, with its admin history")
        show.add_argument("name", metavar=key, help=key_help)
        show.add_argument("--json", action="store_true")
        for verb, does in (
            ("deactivate", "it leaves the pickers; what refers to it keeps it"),
            ("activate", "offered again"),
        ):
            v = psub.add_parser(verb, parents=[acting], help=f"{verb} ({does})")
            v.add_argument("name", metavar=key, help=key_help)
            v.add_argument("--reason")
            v.add_argument("--json", action="store_true")
        delete = psub.add_parser(
            "delete",
            parents=[acting],
            help="delete one nothing refers to (else: the refusal names what does)",
        )
        delete.add_argument("name", metavar=key, help=key_help)
        add = psub.add_parser("add", parents=[acting], help=f"a new one of the {what}")
        edit = psub.add_parser("edit", parents=[acting], help="change what is given")
        edit.add_argument("name", metavar=key, help=key_help)
        edit.add_argument("--rename", metavar="NEW_NAME")
        edit.add_argument("--reason", help="why: kept in the admin history")
        for q in (add, edit):
            q.add_argument("--json", action="store_true")
        if noun == "groups":
            add.add_argument("name", metavar="NAME")
            add.add_argument(
                "--line", type=int, required=True, choices=(1, 2, 3), help="support line"
            )
            edit.add_argument("--line", type=int, choices=(1, 2, 3), help="support line")
            for q in (add, edit):
                q.add_argument("--supervisor", metavar="USERNAME", help="'' for none")
                q.add_argument("--email", help="'' for none")
                q.add_argument(
                    "--assignment", choices=modes, help="how its incidents get an assignee"
                )
                q.add_argument(
                    "--member",
                    action="append",
                    metavar="USERNAME",
                    help="its members, all of them (repeatable)",
                )
            edit.add_argument("--no-members", action="store_true", help="nobody in it")
            edit.add_argument("--add-member", action="append", metavar="USERNAME", default=[])
            edit.add_argument("--remove-member", action="append", metavar="USERNAME", default=[])
        elif noun == "categories":
            add.add_argument(
                "name",
                metavar="PATH",
                help='the new one\'s path: "Software > Email" (under Software)',
            )
            edit.add_argument(
                "--parent", metavar="PATH", help="move it under PATH ('' for the top)"
            )
            for q in (add, edit):
                q.add_argument("--group", metavar="NAME", help="its default group ('' for none)")
                q.add_argument(
                    "--impact", type=int, metavar="N", help="its default impact (0: none)"
                )
                q.add_argument(
                    "--urgency", type=int, metavar="N", help="its default urgency (0: none)"
                )
        else:
            add.add_argument("name", metavar="NAME")
            for q in (add, edit):
                q.add_argument(
                    "--kind", choices=("service", "ci"), help="a service or a configuration item"
                )
                q.add_argument("--group", metavar="NAME", help="its owner group ('' for none)")
                q.add_argument("--description", help="'' for none")


def catalog_needs_actor(args: argparse.Namespace) -> bool:
    return bool(args.catalog_command not in READS)


def _group_json(g: Any) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "line": g.line,
        "supervisor": g.supervisor_username,
        "supervisor_name": g.supervisor_name,
        "email": g.email,
        "assignment": g.assignment,
        "active": g.active,
        "members": [{"username": u, "name": n} for u, n in g.members],
        "open_incidents": g.open_incidents,
    }


def _category_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "path": c.path,
        "parent_id": c.parent_id,
        "default_group": c.default_group_name,
        "default_impact": c.default_impact,
        "default_urgency": c.default_urgency,
        "active": c.active,
    }


def _service_json(x: Any) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "kind": x.kind,
        "group": x.group_name,
        "description": x.description,
        "active": x.active,
    }


def _group_line(g: Any) -> str:
    from app.domain.assignment import AssignmentMode

    off = "" if g.active else "; deactivated"
    return (
        f"{g.name}  (line {g.line}; supervisor: {g.supervisor_name or '-'}; "
        f"{AssignmentMode(g.assignment).label.lower()}; "
        f"{plural(len(g.members), 'member')}; {g.open_incidents:,} open{off})"
    )


def _category_line(c: Any) -> str:
    parts = [f"-> {c.default_group_name or 'no default group'}"]
    if c.default_impact:
        parts.append(f"impact {c.default_impact}")
    if c.default_urgency:
        parts.append(f"urgency {c.default_urgency}")
    if not c.active:
        parts.append("deactivated")
    return f"{c.path}  ({'; '.join(parts)})"


def _service_line(x: Any) -> str:
    from app.domain.catalog import KINDS

    parts = [KINDS[x.kind].lower(), f"owner: {x.group_name or '-'}"]
    if not x.active:
        parts.append("deactivated")
    return f"{x.name}  ({'; '.join(parts)})"


def _history_lines(desk: Desk, entity: str, entity_id: int) -> list[str]:
    from app.domain.wording import local_time
    from app.services import admin_audit

    out = []
    for e in admin_audit.admin_history(desk, entity, entity_id, limit=50):
        why = f"  ({e.reason})" if e.reason else ""
        out.append(
            f"  {local_time(e.at, desk.zone)}  {e.who or '-'}  {e.field}: "
            f"{e.old or '-'} -> {e.new or '-'}{why}"
        )
    return out


def _members(args: argparse.Namespace, desk: Desk) -> list[str] | None:
    from app.services import catalog

    if args.member and args.no_members:
        raise ValidationError("--member and --no-members contradict each other", field="members")
    if (args.member or args.no_members) and (args.add_member or args.remove_member):
        raise ValidationError(
            "give all the members (--member, --no-members) or changes (--add-member, "
            "--remove-member), not both",
            field="members",
        )
    if args.no_members:
        return []
    if args.member:
        return list(args.member)
    if not (args.add_member or args.remove_member):
        return None
    now = [u for u, _n in catalog.group_detail(desk, args.name).members]
    gone = {m.strip().lower() for m in args.remove_member}
    return [u for u in now if u not in gone] + [m for m in args.add_member if m not in now]


def run_catalog(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    noun, verb = args.command, args.catalog_command
    if noun == "groups":
        return _run_groups(args, desk, actor, verb)
    if noun == "categories":
        return _run_categories(args, desk, actor, verb)
    return _run_services(args, desk, actor, verb)


def _say(args: argparse.Namespace, data: dict[str, Any], text: str) -> int:
    if getattr(args, "json", False):
        _print_json(data)
    else:
        print(text)
    return 0


def _run_groups(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    from app.services import catalog

    if verb == "list":
        groups = [g for g in catalog.group_details(desk) if args.all or g.active]
        if args.json:
            _print_json([_group_json(g) for g in groups])
        else:
            for g in groups:
                print(_group_line(g))
        return 0
    if verb == "show":
        g = catalog.group_detail(desk, args.name)
        if args.json:
            _print_json(_group_json(g))
            return 0
        print(_group_line(g))
        print(f"  e-mail: {g.email or '-'}")
        print(f"  members: {', '.join(f'{n} ({u})' for u, n in g.members) or '-'}")
        history = _history_lines(desk, "group", g.id)
        if history:
            print("History:")
            print("\n".join(history))
        return 0
    assert actor is not None
    name = args.name.strip()
    if verb == "add":
        catalog.add_group(
            desk,
            actor,
            name,
            args.line,
            supervisor=args.supervisor,
            email=args.email,
            assignment=args.assignment or "manual",
            members=args.member or (),
        )
        g = catalog.group_detail(desk, name)
        return _say(args, _group_json(g), f"Added the group {g.name} (line {g.line}).")
    if verb == "edit":
        members = _members(args, desk)
        catalog.edit_group(
            desk,
            actor,
            name,
            new_name=args.rename,
            line=args.line,
            supervisor=args.supervisor,
            email=args.email,
            assignment=args.assignment,
            members=members,
            reason=args.reason,
        )
        g = catalog.group_detail(desk, args.rename or name)
        return _say(args, _group_json(g), f"Saved the group {g.name}.")
    if verb in ("deactivate", "activate"):
        catalog.set_group_active(desk, actor, name, verb == "activate", reason=args.reason)
        g = catalog.group_detail(desk, name)
        state = "active" if g.active else "deactivated"
        return _say(args, _group_json(g), f"The group {g.name} is {state}.")
    assert verb == "delete"
    catalog.delete_group(desk, actor, name)
    print(f"Deleted {name}.")
    return 0


def _run_categories(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    from app.services import catalog

    if verb == "list":
        cats = queries.categories(desk, inactive=args.all)
        if args.json:
            _print_json([_category_json(c) for c in cats])
        else:
            for c in cats:
                print(_category_line(c))
        return 0
    if verb == "show":
        c = catalog.find_category(desk, args.name)
        if args.json:
            _print_json(_category_json(c))
            return 0
        print(_category_line(c))
        history = _history_lines(desk, "category", c.id)
        if history:
            print("History:")
            print("\n".join(history))
        return 0
    assert actor is not None
    if verb == "add":
        *above, last = [part.strip() for part in args.name.split(">")]
        parent = catalog.find_category(desk, " > ".join(above)).id if above else None
        group_id = catalog.group_detail(desk, args.group).id if args.group else None
        new_id = catalog.add_category(
            desk,
            actor,
            last,
            parent_id=parent,
            default_group_id=group_id,
            default_impact=args.impact or None,
            default_urgency=args.urgency or None,
        )
        c = next(x for x in queries.categories(desk, inactive=True) if x.id == new_id)
        return _say(args, _category_json(c), f"Added the category {c.path}.")
    c = catalog.find_category(desk, args.name)
    if verb == "edit":
        parent = None
        if args.parent is not None:
            parent = catalog.find_category(desk, args.parent).id if args.parent.strip() else 0
        catalog.edit_category(
            desk,
            actor,
            c.id,
            name=args.rename,
            parent_id=parent,
            default_group=args.group,
            default_impact=args.impact,
            default_urgency=args.urgency,
            reason=args.reason,
        )
        c = next(x for x in queries.categories(desk, inactive=True) if x.id == c.id)
        return _say(args, _category_json(c), f"Saved the category {c.path}.")
    if verb in ("deactivate", "activate"):
        n = catalog.set_category_active(desk, actor, c.id, verb == "activate", reason=args.reason)
        c = next(x for x in queries.categories(desk, inactive=True) if x.id == c.id)
        under = n - 1 if n else 0
        more = f" with {plural(under, 'category', 'categories')} under it" if under else ""
        state = "active" if c.active else "deactivated"
        return _say(args, _category_json(c), f"The category {c.path} is {state}{more}.")
    assert verb == "delete"
    catalog.delete_category(desk, actor, c.id)
    print(f"Deleted {args.name.strip()}.")
    return 0


def _run_services(args: argparse.Namespace, desk: Desk, actor: Actor | None, verb: str) -> int:
    from app.domain.catalog import KINDS
    from app.services import catalog

    if verb == "list":
        items = queries.services(desk, inactive=args.all)
        if args.json:
            _print_json([_service_json(x) for x in items])
        else:
            for x in items:
                print(_service_line(x))
        return 0
    if verb == "show":
        x = catalog.find_service(desk, args.name)
        if args.json:
            _print_json(_service_json(x))
            return 0
        print(_service_line(x))
        print(f"  description: {x.description or '-'}")
        history = _history_lines(desk, "service", x.id)
        if history:
            print("History:")
            print("\n".join(history))
        return 0
    assert actor is not None
    name = args.name.strip()
    if verb == "add":
        catalog.add_service(
            desk,
            actor,
            name,
            kind=args.kind or "service",
            group=args.group,
            description=args.description,
        )
        x = catalog.find_service(desk, name)
        return _say(args, _service_json(x), f"Added the {KINDS[x.kind].lower()} {x.name}.")
    if verb == "edit":
        catalog.edit_service(
            desk,
            actor,
            name,
            new_name=args.rename,
            kind=args.kind,
            group=args.group,
            description=args.description,
            reason=args.reason,
        )
        x = catalog.find_service(desk, args.rename or name)
        return _say(args, _service_json(x), f"Saved {x.name}.")
    if verb in ("deactivate", "activate"):
        catalog.set_service_active(desk, actor, name, verb == "activate", reason=args.reason)
        x = catalog.find_service(desk, name)
        state = "active" if x.active else "deactivated"
        return _say(args, _service_json(x), f"{x.name} is {state}.")
    assert verb == "delete"
    catalog.delete_service(desk, actor, name)
    print(f"Deleted {name}.")
    return 0
