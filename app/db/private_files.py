"""The built-in SQLite database holds password hashes and callers' personal data: its folder and
its files (the database, its -wal and -shm) are private to the user who runs the application
(0700 and 0600), whatever the umask, on creation and again at every start (a file an older
version made world-readable is tightened).

A database file the configuration names elsewhere (a folder a team shares) keeps the
permissions its folder and umask give: there, who may read it is the site's choice. SQLite
cannot enforce roles (anyone who can read the file can read everything, and change it); a
shared desk should run PostgreSQL (README, "Roles").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


def is_builtin(path: Path) -> bool:
    """Whether `path` is the built-in database (the user data folder's)."""
    from app.db.config import default_sqlite_url

    builtin = Path(default_sqlite_url().removeprefix("sqlite:///"))
    return path.expanduser().absolute() == builtin.absolute()


def make_private(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) when missing, and tighten
    what is there; nothing on Windows, where the user profile's folders are private already."""
    if os.name == "nt":
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(path.parent, PRIVATE_DIR)
    if not path.exists():  # SQLite would create it with the umask's 0644: make it first
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for p in [path, *(path.with_name(path.name + s) for s in SIDE_FILES)]:
        if p.exists():
            _tighten(p, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    st = path.stat()
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != mode:
        path.chmod(mode)
