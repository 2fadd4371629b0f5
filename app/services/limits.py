"""Text longer than its column: refused by the service with the limit named, at every door.
PostgreSQL would refuse the row with a database error that names no field; SQLite would keep
it whole. The limit is the column's own (the models say it once)."""

from __future__ import annotations

from typing import Any

from app.domain.errors import ValidationError


def limit_of(column: Any) -> int | None:
    """The length a String column holds (None: unlimited)."""
    length = getattr(column.type, "length", None)
    return int(length) if length else None


def check_fits(what: str, value: str | None, column: Any, field: str | None = None) -> None:
    """A ValidationError naming `what`, its length and the limit when `value` is longer than
    `column` holds."""
    check_length(what, value, limit_of(column), field)


def check_length(what: str, value: str | None, limit: int | None, field: str | None = None) -> None:
    """`check_fits` with the column's limit already read (`limit_of`): for a caller checking
    many values against the same columns."""
    if value and limit is not None and len(value) > limit:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ValidationError(
            f"The {what} {shown!r} has {len(value):,} characters; at most {limit}",
            field=field or what,
        )
