"""The command line's verbs for mail to callers (the same services, rules and audit):

    mail server [--json]                       the desk's mail server, or that there is none
    mail server --host H [--port P] --from ADDRESS [--tls none|starttls|ssl] [--user U]
                [--reason R] --as ADMIN        send through it (the password: INCIDENTDESK_SMTP_PASSWORD)
    mail server --off [--reason R] --as ADMIN  no more mail to callers (nothing is queued)
    mail outbox [--waiting] [--json]           the newest mails to callers and what became of them
    mail send                                  send what is due now (the desk's round does it too)
    mail retry --as ADMIN                      try every unsent mail again at the next round
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.domain.mail_out import OutboxRecord, check_server
from app.domain.wording import local_time, plural
from app.services import outbox
from app.services.context import Actor, Desk

NOUNS = ("mail",)


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    mail = sub.add_parser("mail", help="mail to callers: the server, the queue", parents=[plain])
    msub = mail.add_subparsers(dest="mail_verb", metavar="ACTION", required=True)
    server = msub.add_parser("server", parents=[acting], help="show or set the mail server")
    server.add_argument("--host")
    server.add_argument("--port", type=int)
    server.add_argument("--from", dest="sender", metavar="ADDRESS", help="the desk's address")
    server.add_argument("--tls", choices=("none", "starttls", "ssl"))
    server.add_argument("--user", help="to sign in to the server ('' for none)")
    server.add_argument("--off", action="store_true", help="send no mail to callers")
    server.add_argument("--reason")
    server.add_argument("--json", action="store_true")
    box = msub.add_parser("outbox", parents=[plain], help="the mails to callers")
    box.add_argument("--waiting", action="store_true", help="only those not sent yet")
    box.add_argument("--json", action="store_true")
    msub.add_parser("send", parents=[plain], help="send what is due now")
    msub.add_parser("retry", parents=[acting], help="try every unsent mail again")


def needs_actor(args: argparse.Namespace) -> bool:
    if args.mail_verb == "retry":
        return True
    return args.mail_verb == "server" and _changes_server(args)


def _changes_server(args: argparse.Namespace) -> bool:
    return bool(
        args.off
        or any(v is not None for v in (args.host, args.port, args.sender, args.tls, args.user))
    )


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _record_json(r: OutboxRecord) -> dict[str, Any]:
    return {
        "incident": r.incident_number,
        "kind": r.kind,
        "to": r.to_address,
        "subject": r.subject,
        "status": r.status,
        "attempts": r.attempts,
        "created_at": r.created_at,
        "next_attempt_at": r.next_attempt_at if r.status in ("queued", "waiting") else None,
        "sent_at": r.sent_at,
        "last_error": r.last_error,
    }


def run(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    verb = args.mail_verb
    if verb == "server":
        return _server(args, desk, actor)
    if verb == "outbox":
        records = outbox.outbox(desk, waiting_only=args.waiting)
        if args.json:
            _print_json([_record_json(r) for r in records])
            return 0
        zone = desk.zone
        for r in records:
            when = local_time(r.sent_at or r.created_at, zone)  # type: ignore[arg-type]
            line = f"{when}  {r.incident_number or '-'}  {r.kind:<8}  {r.status:<8}  {r.to_address}"
            if r.last_error and r.status != "sent":
                line += f"  ({plural(r.attempts, 'try', 'tries')}: {r.last_error})"
            print(line)
        if not records:
            print("No mail to callers" + (" waiting" if args.waiting else ""))
        return 0
    if verb == "send":
        if outbox.mail_server(desk) is None:
            print("No mail server is configured: nothing is sent (see 'mail server')")
            return 0
        done = outbox.deliver(desk)
        print(
            f"{plural(done.sent, 'mail')} sent, {done.retrying} to try again later, "
            f"{done.gave_up} given up" + (f": {done.problem}" if done.problem else "")
        )
        return 0
    assert verb == "retry" and actor is not None
    n = outbox.retry_now(desk, actor)
    print(f"{plural(n, 'mail')} will be tried at the next round")
    return 0


def _server(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    current = outbox.mail_server(desk)
    if _changes_server(args):
        assert actor is not None
        if args.off:
            outbox.configure(desk, actor, None, args.reason)
            print("Mail to callers is off: nothing more is queued")
            return 0
        host = args.host if args.host is not None else (current.host if current else "")
        sender = args.sender if args.sender is not None else (current.sender if current else "")
        port = args.port if args.port is not None else (current.port if current else 25)
        tls = args.tls or (current.tls if current else "none")
        user = args.user if args.user is not None else (current.user if current else None)
        current = outbox.configure(
            desk, actor, check_server(host, port, sender, tls, user), args.reason
        )
    if args.json:
        _print_json(current.as_setting() if current else None)
    elif current is None:
        print("No mail server: the desk sends no mail to callers")
    else:
        print(f"Mail to callers goes through {current.describe()}")
        if current.user and not outbox.password_set():
            print(
                f"  (the runner that sends needs {outbox.PASSWORD_ENV} for {current.user})",
                file=sys.stderr,
            )
    return 0
