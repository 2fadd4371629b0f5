"""Alembic migrations, run from code. Refuses a database newer than this release."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from app.domain.errors import DatabaseTooNew

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> None:
    rev = current_revision(engine)
    if rev is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {s.revision for s in script.walk_revisions()}
    if rev not in known:
        raise DatabaseTooNew(
            f"This database was upgraded by a newer Incident Desk (schema {rev}); "
            f"this release knows schema up to {head_revision()}. Install the newer release."
        )


def needs_upgrade(engine: Engine) -> bool:
    check_not_newer(engine)
    return current_revision(engine) != head_revision()


def upgrade(engine: Engine) -> str:
    """Bring the schema to head; returns the revision now in place."""
    check_not_newer(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("incidents")
