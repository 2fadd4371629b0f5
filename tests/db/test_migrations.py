"""Migrations on both engines: upgrade, idempotence, refusing a newer schema, models == migration."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from app.db.engine import make_engine
from app.db.migrate import current_revision, head_revision, is_empty, needs_upgrade, upgrade
from app.domain.errors import DatabaseTooNew
from app.models import Base

# objects the migration makes by hand per engine, outside the models: full-text search
# (SQLite FTS5 tables and their shadow tables; PostgreSQL's search table, tsvector column and
# GIN indexes) and PostgreSQL's partial open-queue index
SEARCH_TABLE_PREFIXES = ("incident_fts", "known_error_fts", "incident_search")
# PostgreSQL's own trail of incident changes (migration 0019): written by a trigger, never
# by the application, so it has no model (nor its index)
DATABASE_ONLY_TABLES = ("incident_db_trail", "ix_incident_db_trail")
SEARCH_INDEXES = {"ix_incidents_open_queue", "ix_known_errors_doc", "ix_incident_search_doc"}
SEARCH_COLUMNS = {("known_errors", "doc")}


def _name_of(diff: Any) -> tuple[str, str]:
    """(kind, name) of one compare_metadata entry."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return _name_of(diff[0])
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return kind, diff[1].name
    if kind in ("add_index", "remove_index"):
        return kind, diff[1].name or ""
    if kind in ("add_column", "remove_column"):
        return kind, f"{diff[2]}.{diff[3].name}"
    return kind, str(diff[1:])


def _ignored(diff: Any) -> bool:
    kind, name = _name_of(diff)
    if kind == "remove_table":
        return name.startswith(SEARCH_TABLE_PREFIXES) or name in DATABASE_ONLY_TABLES
    if kind == "remove_index":
        return name in SEARCH_INDEXES or name.startswith(DATABASE_ONLY_TABLES)
    if kind == "remove_column":
        return tuple(name.split(".", 1)) in SEARCH_COLUMNS
    return False


def schema_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, Base.metadata) if not _ignored(d)]


def test_upgrade_on_empty_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert is_empty(engine)
        assert current_revision(engine) is None
        assert needs_upgrade(engine)
        assert upgrade(engine) == head_revision()
        assert current_revision(engine) == head_revision()
        assert not needs_upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        search = "incident_fts" if engine.dialect.name == "sqlite" else "incident_search"
        assert search in tables
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before = set(inspect(engine).get_table_names())
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_refuses_a_newer_database(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    with pytest.raises(DatabaseTooNew) as info:
        upgrade(engine)
    message = str(info.value)
    assert "newer" in message
    assert "f00dfeed9999" in message
    assert head_revision() in message
    with pytest.raises(DatabaseTooNew):
        needs_upgrade(engine)
    # and nothing was touched
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            "f00dfeed9999"
        )


def test_models_match_the_migration(engine: Engine) -> None:
    assert schema_diff(engine) == []


def test_diff_filter_still_sees_real_differences(engine: Engine) -> None:
    """The ignore list must not hide a missing model index (guards the test above)."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_incidents_queue"))
    names = [_name_of(d) for d in schema_diff(engine)]
    assert ("add_index", "ix_incidents_queue") in names
