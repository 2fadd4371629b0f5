"""Databases made once per test process and copied for each test that needs one.

Migrating a new database takes Alembic a second or more on either engine, and a Qt test's
desk (users with hashed passwords, groups, categories, callers) more again: hundreds of tests
paid that each. A template is built the first time a test of this process asks for it (a
SQLite file, or a PostgreSQL database named after the process, so parallel workers never share
one); each test then gets its own copy: the file copied, or `CREATE DATABASE ... TEMPLATE`.
Every copy is the test's alone, exactly as if it had been built for it. The templates go
when the session ends (`drop_templates`, from tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

_built: dict[tuple[str, str], tuple[str, Any]] = {}  # (engine, key) -> (template, build's result)
_folders: list[Path] = []


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def template(
    kind: str,
    key: str,
    build: Callable[[str], Any],
    *,
    pg_admin: Callable[[], Any],
    pg_url: Callable[[str], str],
) -> tuple[str, Any]:
    """The template `key` on `kind` ('sqlite' or 'postgresql'), built by `build(url)` on first
    use (build must close what it opened); returns its name (a file path or a database name)
    and what build returned."""
    if (kind, key) not in _built:
        if kind == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix=f"incidentdesk-template-{key}-"))
            _folders.append(folder)
            name = str(folder / "template.sqlite3")
            result = build(f"sqlite:///{name}")
            for extra in ("-wal", "-shm", "-journal"):  # closed cleanly: the file holds it all
                if Path(name + extra).exists() and Path(name + extra).stat().st_size:
                    raise RuntimeError(f"template {name} left {extra} behind: not closed")
        else:
            name = f"incidentdesk_template_{key}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with pg_admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            result = build(pg_url(name))
        _built[(kind, key)] = (name, result)
    return _built[(kind, key)]


def copy_sqlite(template_path: str, dest: Path) -> str:
    """A copy of the template file at `dest`; its SQLAlchemy URL."""
    shutil.copyfile(template_path, dest)
    return f"sqlite:///{dest}"


def pg_create_sql(name: str, template_name: str | None) -> str:
    return f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template_name}"' if template_name else "")


def drop_templates(pg_admin: Callable[[], Any]) -> None:
    for (kind, _key), (name, _result) in list(_built.items()):
        if kind == "postgresql":
            try:
                with pg_admin() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:  # the server went away: nothing left to drop
                pass
    _built.clear()
    for folder in _folders:
        shutil.rmtree(folder, ignore_errors=True)
    _folders.clear()
