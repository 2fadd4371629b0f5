"""Is the schema ready? One query, and no Alembic: start-up pays for the migration machinery only
when a migration is due (app.db.migrate, imported then).

HEAD_REVISION names the newest migration shipped; a test checks it against Alembic's head, so a
new migration cannot forget to move it."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HEAD_REVISION = "0020"


def stored_revision(engine: Engine) -> str | None:
    """The revision in alembic_version (None: no schema yet), with one query."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if _no_such_table(exc):
            return None
        raise


def is_current(engine: Engine) -> bool:
    return stored_revision(engine) == HEAD_REVISION


def _no_such_table(exc: DBAPIError) -> bool:
    text_ = str(exc.orig).lower()
    return (
        "no such table" in text_
        or "does not exist" in text_
        or "undefinedtable" in type(exc.orig).__name__.lower()
    )
