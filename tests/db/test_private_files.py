"""The built-in SQLite database (password hashes, callers' personal data) is private to its user:
the folder 0700, the database and its -wal and -shm 0600, whatever the umask; one an older
version left world-readable is tightened at the next start. A database named elsewhere keeps
what its folder gives (a team's share)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db.config import default_sqlite_url, user_data_dir
from app.db.engine import make_engine, sqlite_path

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    old = os.umask(0o022)  # the usual umask: SQLite alone would make the files 0644
    try:
        yield tmp_path
    finally:
        os.umask(old)


def _write(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (secret TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('a password hash')"))
        with engine.connect() as conn:  # while a connection is open, -wal and -shm are there
            conn.execute(text("SELECT count(*) FROM t")).scalar_one()
            path = sqlite_path(url)
            assert path is not None
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            assert all(f.exists() for f in files)
            assert [mode(f) for f in files] == [0o600, 0o600, 0o600], [oct(mode(f)) for f in files]
    finally:
        engine.dispose()


def test_the_built_in_database_is_private_from_the_start(home: Path) -> None:
    url = default_sqlite_url()
    assert str(home) in url and not user_data_dir().exists()
    _write(url)
    assert mode(user_data_dir()) == 0o700


def test_one_left_world_readable_is_tightened(home: Path) -> None:
    url = default_sqlite_url()
    _write(url)
    path = sqlite_path(url)
    assert path is not None
    user_data_dir().chmod(0o755)
    path.chmod(0o644)
    _write(url)
    assert mode(user_data_dir()) == 0o700 and mode(path) == 0o600


def test_a_database_named_elsewhere_keeps_its_folder_s_permissions(home: Path) -> None:
    shared = home / "team-share"
    shared.mkdir(mode=0o770)
    shared.chmod(0o770)
    url = f"sqlite:///{shared / 'desk.sqlite3'}"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()
    assert mode(shared) == 0o770
    assert mode(shared / "desk.sqlite3") == 0o644  # the umask's: the site decides there
