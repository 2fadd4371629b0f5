"""Where the database is: --db, then INCIDENTDESK_DB, then the user's or the site's config file,
then the built-in SQLite file in the user data folder."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.domain.errors import ValidationError

APP_NAME = "IncidentDesk"
ENV_DB = "INCIDENTDESK_DB"
CONFIG_FILE = "incidentdesk.ini"


@dataclass(frozen=True)
class DatabaseConfig:
    url: str
    source: str  # where the URL came from, for messages and the status bar


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE


def site_config_file() -> Path:
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE


def default_sqlite_url() -> str:
    return f"sqlite:///{user_data_dir() / 'incidentdesk.sqlite3'}"


def _from_file(path: Path) -> str | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ValidationError(f"{path}: not a valid config file ({exc})", field="config") from exc
    url = parser.get("database", "url", fallback="").strip()
    return url or None


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// (psycopg 3 driver) and plain file paths for SQLite."""
    url = url.strip()
    if not url:
        raise ValidationError("The database address is empty", field="db")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:  # a plain path means a SQLite file
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme = url.split("://", 1)[0]
    if scheme not in ("sqlite", "postgresql+psycopg", "sqlite+pysqlite"):
        raise ValidationError(
            f"Unsupported database address {url.split('://', 1)[0]}://...; "
            "use sqlite:///path/to/file or postgresql://user@host/dbname",
            field="db",
        )
    return url


def resolve(cli_value: str | None = None, environ: dict[str, str] | None = None) -> DatabaseConfig:
    env = os.environ if environ is None else environ
    if cli_value:
        return DatabaseConfig(normalise_url(cli_value), "--db")
    if env.get(ENV_DB):
        return DatabaseConfig(normalise_url(env[ENV_DB]), ENV_DB)
    for path in (user_config_file(), site_config_file()):
        url = _from_file(path)
        if url:
            return DatabaseConfig(normalise_url(url), str(path))
    return DatabaseConfig(default_sqlite_url(), "built-in")
