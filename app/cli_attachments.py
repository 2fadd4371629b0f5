"""The command line's verbs for attachments (the same service and admin audit):

attachments limit                              the largest file kept, in MB
attachments limit MB [--reason R] --as ADMIN   set it (every door: window, journal, mail)
"""

from __future__ import annotations

import argparse

from app.services import attachments
from app.services.context import Actor, Desk

NOUNS = ("attachments",)


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    plain: argparse.ArgumentParser,
    acting: argparse.ArgumentParser,
) -> None:
    noun = sub.add_parser("attachments", help="files kept with incidents", parents=[plain])
    asub = noun.add_subparsers(dest="attachments_verb", metavar="ACTION", required=True)
    limit = asub.add_parser("limit", parents=[acting], help="show or set the largest file kept")
    limit.add_argument("mb", nargs="?", type=float, metavar="MB")
    limit.add_argument("--reason")


def needs_actor(args: argparse.Namespace) -> bool:
    return args.mb is not None


def run(args: argparse.Namespace, desk: Desk, actor: Actor | None) -> int:
    if args.mb is None:
        mb = attachments.limit_mb(desk)
    else:
        assert actor is not None, "needs_actor"
        mb = attachments.set_limit_mb(desk, actor, args.mb, reason=args.reason)
    print(f"The largest file kept: {mb:g} MB")
    return 0
