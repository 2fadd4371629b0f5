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
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"Cannot read {where}: {exc.strerror or exc}", field="file") from exc
    try:
        data = json.loads(text)
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
    reset = us_sub.add_parser(
        "reset-password",
        parents=[acting],
        help="a new password: typed on standard input, or generated and printed once",
    )
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the new password from standard input"
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
        print(f"{rec.username} ({rec.full_name}) is {'active' if rec.active else 'deactivated'}.")
        return 0
    if verb == "reset-password":
        new = users.reset_password(desk, actor, args.username, password)
        if password is None:
            print(f"New password for {args.username.strip().lower()} (shown once): {new}")
        else:
            print(f"The password of {args.username.strip().lower()} is changed.")
        return 0
    assert verb == "delete"
    users.delete_user(desk, actor, args.username)
    print(f"Deleted {args.username.strip().lower()}.")
    return 0


# -- groups, categories, services --------------------------------------------------------------

CATALOG = ("groups", "categories", "services")


def add_catalog_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    for noun, what, key in (
        ("groups", "support groups", "NAME"),
        ("categories", "the category tree", "PATH"),
        ("services", "services and configuration items", "NAME"),
    ):
        p = sub.add_parser(noun, help=what, parents=[plain])
        psub = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
        lst = psub.add_parser("list", parents=[plain], help=f"list {what}")
        lst.add_argument("--json", action="store_true")
        delete = psub.add_parser(
            "delete",
            parents=[acting],
            help="delete one nothing refers to (else: the refusal names what does)",
        )
        delete.add_argument(
            "name",
            metavar=key,
            help='a category by its path: "Software > Email"' if noun == "categories" else None,
        )
        if noun == "groups":
            add = psub.add_parser("add", parents=[acting], help="a new support group")
            add.add_argument("name", metavar="NAME")
            add.add_argument(
                "--line", type=int, required=True, choices=(1, 2, 3), help="support line"
            )
            add.add_argument("--supervisor", metavar="USERNAME")
            add.add_argument("--email")
            edit = psub.add_parser(
                "edit", parents=[acting], help="rename, move to a line, supervisor, e-mail"
            )
            edit.add_argument("name", metavar="NAME")
            edit.add_argument("--rename", metavar="NEW_NAME")
            edit.add_argument("--line", type=int, choices=(1, 2, 3))
            edit.add_argument("--supervisor", metavar="USERNAME", help="'' for none")
            edit.add_argument("--email", help="'' for none")


def catalog_needs_actor(args: argparse.Namespace) -> bool:
    return bool(args.catalog_command != "list")


def run_catalog(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    import dataclasses

    from app.services import catalog

    noun = args.command
    if args.catalog_command == "list":
        records: list[Any]
        if noun == "groups":
            records = queries.groups(desk)
            rows = [
                f"{g.name}  (line {g.line}; supervisor: {g.supervisor_name or '-'})"
                for g in records
            ]
        elif noun == "categories":
            records = queries.categories(desk)
            rows = [f"{c.path}  (-> {c.default_group_name or 'no default group'})" for c in records]
        else:
            records = queries.services(desk)
            rows = [
                f"{s.name}  ({'service' if s.kind == 'service' else 'configuration item'})"
                for s in records
            ]
        if args.json:
            _print_json([dataclasses.asdict(r) for r in records])
        else:
            for line in rows:
                print(line)
        return 0
    assert actor is not None
    if args.catalog_command == "add":
        catalog.add_group(desk, actor, args.name, args.line)
        if args.supervisor or args.email:
            catalog.edit_group(
                desk, actor, args.name.strip(), supervisor=args.supervisor, email=args.email
            )
        print(f"Added the group {args.name.strip()} (line {args.line}).")
        return 0
    if args.catalog_command == "edit":
        catalog.edit_group(
            desk,
            actor,
            args.name,
            new_name=args.rename,
            line=args.line,
            supervisor=args.supervisor,
            email=args.email,
        )
        print(f"Saved the group {(args.rename or args.name).strip()}.")
        return 0
    if noun == "groups":
        catalog.delete_group(desk, actor, args.name)
    elif noun == "services":
        catalog.delete_service(desk, actor, args.name)
    else:
        path = " > ".join(part.strip() for part in args.name.split(">"))
        found = next((c for c in queries.categories(desk) if c.path.lower() == path.lower()), None)
        if found is None:
            raise ValidationError(
                f'No category {args.name!r} (write its path: "Software > Email")', field="category"
            )
        catalog.delete_category(desk, actor, found.id)
    print(f"Deleted {args.name.strip()}.")
    return 0
