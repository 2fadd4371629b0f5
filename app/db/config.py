"""Where the database is: --db, then INCIDENTDESK_DB, then the user's or the site's config file,
then the one an installer baked into the application's folder (``incidentdesk package``), then
the built-in SQLite file in the user data folder. And the site a new database is set up
for (its time zone and public holidays): the `[site]` section of the same config file, else the
system's time zone with no public holidays."""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from app.domain.errors import ValidationError

APP_NAME = "IncidentDesk"
ENV_DB = "INCIDENTDESK_DB"
ENV_LISTEN_DB = "INCIDENTDESK_LISTEN_DB"
CONFIG_FILE = "incidentdesk.ini"
BUNDLE_CONFIG_FILE = "incidentdesk-site.ini"  # next to the built application's executable


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


def bundle_config_file() -> Path | None:
    """The site configuration an installer built in (``incidentdesk package``): next to the
    executable of a built application; None when running from the source tree."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent / BUNDLE_CONFIG_FILE


def config_files() -> list[Path]:
    """The config files, first wins: the user's, the site's (/etc/xdg/IncidentDesk on Linux),
    the installer's."""
    files = [user_config_file(), site_config_file()]
    bundled = bundle_config_file()
    if bundled is not None:
        files.append(bundled)
    return files


def default_sqlite_url() -> str:
    return f"sqlite:///{user_data_dir() / 'incidentdesk.sqlite3'}"


def _parse(path: Path) -> configparser.ConfigParser | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ValidationError(f"{path}: not a valid config file ({exc})", field="config") from exc
    return parser


def _from_file(path: Path) -> str | None:
    parser = _parse(path)
    if parser is None:
        return None
    url = parser.get("database", "url", fallback="").strip()
    return url or None


_USERINFO_PASSWORD = re.compile(r"(://[^/@:?#]*):[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"((?:[?&;]|\s|^)password=)[^&;\s]*", re.IGNORECASE)
HIDDEN = "***"


def redact_url(url: object) -> str:
    """The database address for any message or log: its password as ***, whether in the
    user-info part (postgresql://ann:secret@host/db), in the query (?password=secret) or in a
    libpq keyword string (host=x password=secret), even when the address cannot be parsed."""
    text = url.render_as_string(hide_password=False) if hasattr(url, "render_as_string") else str(url)
    text = _USERINFO_PASSWORD.sub(rf"\1:{HIDDEN}@", text)
    return _QUERY_PASSWORD.sub(rf"\1{HIDDEN}", text)


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
    for path in config_files():
        url = _from_file(path)
        if url:
            return DatabaseConfig(normalise_url(url), str(path))
    return DatabaseConfig(default_sqlite_url(), "built-in")


def listen_address(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(address, where it came from) of the server the change feed's LISTEN connects to, when
    queries go through a pooler that cannot carry LISTEN (PgBouncer in transaction mode):
    INCIDENTDESK_LISTEN_DB, else the `[database] listen_url` of the first config file that has
    one (user's, site's, installer's)::

        [database]
        url = postgresql://pgbouncer.example.org:6432/incidentdesk
        listen_url = postgresql://db.example.org:5432

    What the address leaves out (user, password, database, TLS mode) is the database URL's.
    None: the feed listens where the queries go."""
    env = os.environ if environ is None else environ
    found: tuple[str, str] | None = None
    if env.get(ENV_LISTEN_DB, "").strip():
        found = env[ENV_LISTEN_DB].strip(), ENV_LISTEN_DB
    else:
        for path in config_files():
            parser = _parse(path)
            value = parser.get("database", "listen_url", fallback="").strip() if parser else ""
            if value:
                found = value, str(path)
                break
    if found is None:
        return None
    address, source = found
    if not address.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        raise ValidationError(
            f"{source}: the listener address {redact_url(address)!r} is not a PostgreSQL address "
            "(postgresql://host:port); LISTEN is PostgreSQL's",
            field="listen_url",
        )
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = normalise_url(address)
    try:
        host = make_url(url).host
    except (ValueError, ArgumentError) as exc:
        raise ValidationError(
            f"{source}: the listener address {redact_url(address)!r} cannot be read ({exc})",
            field="listen_url",
        ) from exc
    if not host:
        raise ValidationError(
            f"{source}: the listener address {redact_url(address)!r} names no server "
            "(postgresql://host:port)",
            field="listen_url",
        )
    return url, source


def save_user_database(url: str) -> Path:
    """The user's database address (never a password) in their incidentdesk.ini, the rest of
    the file kept; the file."""
    path = user_config_file()
    parser = _parse(path) or configparser.ConfigParser()
    if not parser.has_section("database"):
        parser.add_section("database")
    parser.set("database", "url", url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        parser.write(f)
    tmp.replace(path)
    return path


# -- the site -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteConfig:
    """What a new database's default calendar is set up with; an admin changes it later in
    the application (it is then kept in the database, not here)."""

    timezone: str
    holiday_country: str | None
    holiday_subdiv: str | None
    source: str  # the config file it came from, or "system"


def system_zone_name(environ: dict[str, str] | None = None) -> str:
    """The machine's IANA time zone (TZ, /etc/timezone, /etc/localtime), or UTC."""
    env = os.environ if environ is None else environ
    tz = env.get("TZ", "").strip().lstrip(":")
    if tz and _known_zone(tz):
        return tz
    tzfile = Path("/etc/timezone")
    if tzfile.is_file():
        name = tzfile.read_text().strip()
        if name and _known_zone(name):
            return name
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if _known_zone(name):
                return name
    return "UTC"


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def site_config(environ: dict[str, str] | None = None) -> SiteConfig:
    """The `[site]` section of the first config file that has one (user's, then the site's):

        [site]
        timezone = Europe/Brussels
        holiday_country = BE
        holiday_subdiv =

    A missing `timezone` is the system's; no `holiday_country`, no public holidays. Without a
    `[site]` section: the system's zone, no public holidays. A zone that does not exist is an
    error that names the file (the holiday country is checked where the calendar is made)."""
    for path in config_files():
        parser = _parse(path)
        if parser is None or not parser.has_section("site"):
            continue
        zone = parser.get("site", "timezone", fallback="").strip()
        if zone and not _known_zone(zone):
            raise ValidationError(
                f"{path}: [site] timezone = {zone} is not an IANA time zone "
                "(such as Europe/Brussels or America/New_York)",
                field="timezone",
            )
        country = parser.get("site", "holiday_country", fallback="").strip() or None
        subdiv = parser.get("site", "holiday_subdiv", fallback="").strip() or None
        return SiteConfig(zone or system_zone_name(environ), country, subdiv, str(path))
    return SiteConfig(system_zone_name(environ), None, None, "system")


# -- intake -------------------------------------------------------------------------------------

ENV_INTAKE_TOKEN = "INCIDENTDESK_INTAKE_TOKEN"


def intake_token(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(token, where it came from) for the intake listeners: INCIDENTDESK_INTAKE_TOKEN, else
    the `[intake] token` of the first config file that has one (user's, then the site's)::

        [intake]
        token = a-long-random-secret
    """
    env = os.environ if environ is None else environ
    token = env.get(ENV_INTAKE_TOKEN, "").strip()
    if token:
        return token, ENV_INTAKE_TOKEN
    for path in config_files():
        parser = _parse(path)
        if parser is None:
            continue
        token = parser.get("intake", "token", fallback="").strip()
        if token:
            return token, str(path)
    return None
