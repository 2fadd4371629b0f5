"""The groups a write transaction has read, held on its session until it ends.

One change reads the incident's group and its target's several times (the rules, the routing,
the support line, the automatic assignment): each is read once per transaction, and the two a
change names are read together. The session's identity map alone would let a group go and read
it again at the next look-up, so the session keeps a hold on them (`session.info`). A group held
here is never carried into another transaction: each session is one transaction
(`Desk.write`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Group

HELD = "groups"  # session.info key: group id -> Group


def _held(session: Session) -> dict[int, Group]:
    held: dict[int, Group] = session.info.setdefault(HELD, {})
    return held


def hold_groups(session: Session, group_ids: Iterable[int | None]) -> None:
    """Read, in one query, those of `group_ids` this transaction has not read yet."""
    held = _held(session)
    missing = sorted({g for g in group_ids if g is not None and g not in held})
    if not missing:
        return
    if len(missing) == 1:
        group = session.get(Group, missing[0])
        if group is not None:
            held[group.id] = group
        return
    for group in session.scalars(select(Group).where(Group.id.in_(missing))):
        held[group.id] = group


def group_of(session: Session, group_id: int | None) -> Group | None:
    """A group, read once per transaction (None: no such group, or no id)."""
    if group_id is None:
        return None
    hold_groups(session, (group_id,))
    return _held(session).get(group_id)
