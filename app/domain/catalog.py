"""Rules of the catalog an admin shapes: where an incident logged in a category starts (its
impact and urgency), category paths, and the wording of a service's kind. Plain Python: the
services log with it, the new-incident form shows what the services will do with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.domain.errors import ValidationError

# what an incident starts with when neither the agent nor its category says (the lowest level
# of the default 3 x 3 matrix)
FALLBACK_LEVEL = 3
SUPPORT_LINES = (1, 2, 3)
KINDS = {"service": "Service", "ci": "Configuration item"}


def starting_levels(
    impact: int | None,
    urgency: int | None,
    category_impact: int | None,
    category_urgency: int | None,
    impacts: int,
    urgencies: int,
) -> tuple[int, int]:
    """The impact and urgency an incident is logged with: what was given; else its category's
    default; else level 3. A default beyond a smaller matrix's levels takes its lowest level."""

    def one(given: int | None, default: int | None, levels: int) -> int:
        if given is not None:
            return given
        chosen = default if default is not None else FALLBACK_LEVEL
        return max(1, min(chosen, levels))

    return one(impact, category_impact, impacts), one(urgency, category_urgency, urgencies)


def check_level(value: int | None, levels: int, what: str) -> int | None:
    """A category's default impact or urgency: None (no default) or 1..levels."""
    if value is None:
        return None
    if not 1 <= value <= levels:
        raise ValidationError(
            f"The default {what} must be a level of the priority matrix, 1 to {levels}; got {value}",
            field=f"default_{what}",
        )
    return value


def check_line(line: int) -> int:
    if line not in SUPPORT_LINES:
        raise ValidationError(f"Support line must be 1, 2 or 3, got {line}", field="line")
    return line


def check_kind(kind: str, name: str) -> str:
    if kind not in KINDS:
        raise ValidationError(
            f"{name.strip() or 'A service'}: the kind is 'service' or 'ci', not {kind!r}",
            field="kind",
        )
    return kind


def paths(rows: Iterable[tuple[int, str, int | None]]) -> dict[int, str]:
    """Each category's path from the top ("Software > Email > Outlook"), from (id, name, parent
    id) rows; a parent that cannot be found (or a loop) stops the path where it is."""
    by_id: Mapping[int, tuple[str, int | None]] = {i: (n, p) for i, n, p in rows}
    out: dict[int, str] = {}
    for cid in by_id:
        names: list[str] = []
        seen: set[int] = set()
        at: int | None = cid
        while at is not None and at in by_id and at not in seen:
            seen.add(at)
            name, at = by_id[at]
            names.append(name)
        out[cid] = " > ".join(reversed(names))
    return out


def descendants(rows: Iterable[tuple[int, int | None]], root: int) -> set[int]:
    """The ids under `root` (children, theirs, ...), from (id, parent id) rows."""
    children: dict[int, list[int]] = {}
    for cid, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    out: set[int] = set()
    todo = list(children.get(root, []))
    while todo:
        cid = todo.pop()
        if cid not in out:
            out.add(cid)
            todo.extend(children.get(cid, []))
    return out
