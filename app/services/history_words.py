"""Names for what the audit keeps as ids, read in one query per kind of row: the history and
the conflict dialog say "Group: Service Desk -> Network", never "group id 1 -> 4"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, aliased

from app.domain.history_words import REFERENCES, field_label, value_words
from app.models import Agent, Caller, Category, ConfigItem, Group, Incident, KnownError, Problem
from app.models.policy import SlaPolicyRow
from app.services.policies import PolicyBook

_parent = aliased(Category, name="parent_cat")


def _name_query(kind: str, ids: list[int]) -> Any:
    if kind == "caller":
        return select(Caller.id, Caller.name).where(Caller.id.in_(ids))
    if kind == "category":
        return (
            select(Category.id, Category.name, _parent.name)
            .outerjoin(_parent, _parent.id == Category.parent_id)
            .where(Category.id.in_(ids))
        )
    if kind == "service":
        return select(ConfigItem.id, ConfigItem.name).where(ConfigItem.id.in_(ids))
    if kind == "group":
        return select(Group.id, Group.name).where(Group.id.in_(ids))
    if kind == "agent":
        return select(Agent.id, Agent.full_name).where(Agent.id.in_(ids))
    if kind == "incident":
        return select(Incident.id, Incident.number).where(Incident.id.in_(ids))
    if kind == "problem":
        return select(Problem.id, Problem.number).where(Problem.id.in_(ids))
    if kind == "known_error":
        return select(KnownError.id, KnownError.title).where(KnownError.id.in_(ids))
    assert kind == "policy", kind
    return select(SlaPolicyRow.id, SlaPolicyRow.name).where(SlaPolicyRow.id.in_(ids))


def reference_names(
    conn: Connection | Session, values: Iterable[tuple[str, str | None]]
) -> dict[tuple[str, str], str]:
    """(kind, id as text) -> name, for every (field, raw value) that refers to a row."""
    wanted: dict[str, set[int]] = {}
    for field, raw in values:
        kind = REFERENCES.get(field)
        if kind is not None and raw is not None and raw.isdigit():
            wanted.setdefault(kind, set()).add(int(raw))
    names: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        for row in conn.execute(_name_query(kind, sorted(ids))).all():
            if kind == "category" and row[2]:
                names[(kind, str(row[0]))] = f"{row[2]} > {row[1]}"
            else:
                names[(kind, str(row[0]))] = str(row[1])
    return names


class Wording:
    """Words for audited values, with the names read once for a batch of changes."""

    def __init__(
        self, names: Mapping[tuple[str, str], str], book: PolicyBook | None, zone: tzinfo
    ) -> None:
        self.names, self.book, self.zone = names, book, zone

    @classmethod
    def read(
        cls,
        conn: Connection | Session,
        values: Iterable[tuple[str, str | None]],
        book: PolicyBook | None,
        zone: tzinfo,
    ) -> Wording:
        return cls(reference_names(conn, values), book, zone)

    def _level(self, field: str, n: int) -> str:
        if self.book is None or not self.book.matrices:
            return str(n)
        if field == "priority":
            return self.book.priority_label(n)
        matrix = self.book.matrix
        count = matrix.impacts if field == "impact" else matrix.urgencies
        if not 1 <= n <= count:
            return str(n)
        return matrix.impact_label(n) if field == "impact" else matrix.urgency_label(n)

    def label(self, field: str) -> str:
        return field_label(field)

    def value(self, field: str, raw: str | None) -> str | None:
        return value_words(field, raw, self.zone, names=self.names, level=self._level)
