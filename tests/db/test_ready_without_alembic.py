"""Start-up pays only for the first paint: a database already on this release's schema is
recognised by one query, without importing Alembic (both engines); the constant that query
compares with is Alembic's head."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from app.db import schema
from app.db.migrate import head_revision
from app.services import defaults

ROOT = Path(__file__).resolve().parents[2]

START = """
import json, sys
from app.db.config import DatabaseConfig
from app.main import _open_database
from app.views.main_window import MainWindow  # what the first paint needs
engine, desk = _open_database(DatabaseConfig(sys.argv[1], "test"), False)
print(json.dumps({"alembic": sorted(m for m in sys.modules if m.split(".")[0] in ("alembic", "mako")),
                  "holidays": "holidays" in sys.modules,  # calendars' tables: when a clock needs them
                  "migrate": "app.db.migrate" in sys.modules}))
engine.dispose()
"""


def test_head_revision_is_alembics_head() -> None:
    assert head_revision() == schema.HEAD_REVISION


def test_readiness_is_one_query_of_the_stored_revision(db_url: str) -> None:
    from app.db.engine import make_engine

    engine = make_engine(db_url)
    try:
        assert schema.stored_revision(engine) is None  # an empty database: no schema yet
        assert not schema.is_current(engine)
        assert defaults.prepare_database(engine) is True  # migrated
        assert schema.stored_revision(engine) == schema.HEAD_REVISION
        assert schema.is_current(engine)
        assert defaults.prepare_database(engine) is False  # nothing to migrate any more
    finally:
        engine.dispose()


def test_a_current_database_starts_without_alembic(engine: Engine, db_url: str) -> None:
    defaults.upgrade_database(engine)
    engine.dispose()
    out = subprocess.run(
        [sys.executable, "-c", START, db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"alembic": [], "holidays": False, "migrate": False}
