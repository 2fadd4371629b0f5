"""Choosing the database a workstation works on (the connection wizard, File > Change
connection...): the address it is saved as (never with a password), the password in the
system keyring, and a connection test that says precisely what failed and what to do."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from app.db import config as db_config
from app.db import schema
from app.db.engine import make_engine
from app.domain.errors import DatabaseTooNew, ValidationError

KEYRING_SERVICE = "IncidentDesk"
SSL_MODES = ("prefer", "require", "verify-full", "disable")
LOCAL = "local"
SHARED = "postgresql"


class Failure(enum.StrEnum):
    HOST_UNKNOWN = "host_unknown"
    HOST_UNREACHABLE = "host_unreachable"
    TLS_REFUSED = "tls_refused"
    TLS_UNTRUSTED = "tls_untrusted"
    PASSWORD_NEEDED = "password_needed"
    WRONG_PASSWORD = "wrong_password"
    ROLE_UNKNOWN = "role_unknown"
    NOT_ALLOWED = "not_allowed"
    DATABASE_MISSING = "database_missing"
    OTHER = "other"


class Schema(enum.StrEnum):
    CURRENT = "current"
    EMPTY = "empty"  # no schema yet: an admin creates it
    OLDER = "older"  # an admin upgrades it
    NEWER = "newer"  # this workstation needs the newer release


@dataclass(frozen=True)
class Shared:
    """A PostgreSQL server's address, as the wizard asks for it."""

    host: str
    port: int = 5432
    database: str = "incidentdesk"
    user: str = ""
    sslmode: str = "prefer"

    def url(self, password: str | None = None) -> str:
        host = self.host.strip()
        if not host:
            raise ValidationError("Say which server: its host name or address", field="host")
        if not (0 < self.port < 65536):
            raise ValidationError(f"Port {self.port}: a number from 1 to 65535", field="port")
        if not self.database.strip():
            raise ValidationError("Say which database on the server", field="database")
        if not self.user.strip():
            raise ValidationError("Say which database user to sign in as", field="user")
        if self.sslmode not in SSL_MODES:
            raise ValidationError(f"TLS mode {self.sslmode!r}: one of {', '.join(SSL_MODES)}", field="sslmode")
        return URL.create(
            "postgresql+psycopg",
            username=self.user.strip(),
            password=password or None,
            host=host,
            port=self.port,
            database=self.database.strip(),
            query={"sslmode": self.sslmode},
        ).render_as_string(hide_password=False)

    @classmethod
    def from_url(cls, url: str) -> Shared:
        u = make_url(url)
        mode = u.query.get("sslmode", "prefer")
        return cls(
            host=u.host or "",
            port=u.port or 5432,
            database=u.database or "",
            user=u.username or "",
            sslmode=mode if isinstance(mode, str) and mode in SSL_MODES else "prefer",
        )


@dataclass(frozen=True)
class Check:
    """What the connection test found: `failure` None means it connected."""

    failure: Failure | None
    schema: Schema | None
    message: str  # what happened, then what to do

    @property
    def connected(self) -> bool:
        return self.failure is None

    @property
    def usable(self) -> bool:
        return self.failure is None and self.schema is Schema.CURRENT


# -- what went wrong ---------------------------------------------------------------------------

# libpq says most of it only in words: (what failed, words that say it), first match wins
_RULES: tuple[tuple[Failure, tuple[str, ...]], ...] = (
    (Failure.TLS_REFUSED, ("server does not support ssl", "ssl is not enabled", "ssl off")),
    (
        Failure.TLS_UNTRUSTED,
        ("certificate verify failed", "root certificate file", "does not match host name"),
    ),
    (Failure.WRONG_PASSWORD, ("password authentication failed",)),
    (Failure.PASSWORD_NEEDED, ("no password supplied", "fe_sendauth")),
    (Failure.NOT_ALLOWED, ("no pg_hba.conf entry",)),
    (
        Failure.HOST_UNKNOWN,
        ("could not translate host name", "failed to resolve host", "name or service not known",
         "nodename nor servname", "temporary failure in name resolution"),
    ),
    (
        Failure.HOST_UNREACHABLE,
        ("connection refused", "timeout expired", "timed out", "no route to host",
         "network is unreachable", "could not connect"),
    ),
)


def classify(error: BaseException | str, shared: Shared | None = None) -> tuple[Failure, str]:
    """(what failed, a sentence with what to do) for a failed connection: a psycopg or
    SQLAlchemy error, or its text."""
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        error = error.orig
    text = str(error).strip()
    low = text.lower()
    kind = Failure.OTHER
    if "does not exist" in low and 'database "' in low:
        kind = Failure.DATABASE_MISSING
    elif "does not exist" in low and 'role "' in low:
        kind = Failure.ROLE_UNKNOWN
    elif "no pg_hba.conf entry" in low and "no encryption" in low and "hostssl" not in low:
        kind = Failure.TLS_REFUSED if "ssl" in low else Failure.NOT_ALLOWED
    else:
        kind = next((f for f, words in _RULES if any(w in low for w in words)), Failure.OTHER)
    first = text.splitlines()[0] if text else type(error).__name__
    return kind, _advice(kind, shared, first)


def _advice(kind: Failure, s: Shared | None, detail: str) -> str:
    host = f"{s.host}:{s.port}" if s else "asked for"
    db = f"“{s.database}”" if s else "the database"
    user = f"“{s.user}”" if s else "this user"
    words = {
        Failure.HOST_UNKNOWN: f"The server name {s.host if s else 'asked for'} is not known on this "
        "network. Check its spelling, or ask your administrator for its address.",
        Failure.HOST_UNREACHABLE: f"The server {host} does not answer: it is down, the port is "
        "wrong, or a firewall is in the way. Check host and port, then test again.",
        Failure.TLS_REFUSED: f"The server {host} refused the TLS mode asked for: it has no TLS "
        "while TLS is required, or it requires TLS while this asks for none. Choose the TLS mode "
        "your administrator gave you.",
        Failure.TLS_UNTRUSTED: f"The server {host}'s certificate is not trusted here "
        "(verify-full checks it against the system's authorities and the host name). Use the "
        "exact host name of the certificate, or the mode “require”.",
        Failure.PASSWORD_NEEDED: f"The server asks a password for {user}. Type it in Password.",
        Failure.WRONG_PASSWORD: f"The server refused the password of {user}. Check it (and Caps "
        "Lock), or ask your administrator to reset it.",
        Failure.ROLE_UNKNOWN: f"The server has no database user {user}. Check the user name.",
        Failure.NOT_ALLOWED: f"The server {host} does not let {user} sign in from this computer "
        "(pg_hba.conf). Ask your administrator to allow it.",
        Failure.DATABASE_MISSING: f"The server has no database {db}. Check its name, or ask "
        "your administrator to create it (CREATE DATABASE).",
        Failure.OTHER: "The connection failed.",
    }
    return f"{words[kind]} (The server said: {detail})"


def schema_state(engine: Any) -> Schema:
    revision = schema.stored_revision(engine)
    if revision is None:
        return Schema.EMPTY
    if revision == schema.HEAD_REVISION:
        return Schema.CURRENT
    from app.db import migrate

    try:
        migrate.check_not_newer(engine)
    except DatabaseTooNew:
        return Schema.NEWER
    return Schema.OLDER


SCHEMA_WORDS = {
    Schema.CURRENT: "Connected: the database is ready for this release.",
    Schema.EMPTY: "Connected, but the database is empty: an administrator creates the "
    "schema (Create the schema, here, or 'incidentdesk db upgrade').",
    Schema.OLDER: "Connected, but the database was set up by an older release: an "
    "administrator upgrades it (Upgrade the schema, here, or 'incidentdesk db upgrade'); "
    "workstations still on the older release must be updated too.",
    Schema.NEWER: "Connected, but the database was upgraded by a newer release of Incident "
    "Desk: install that release on this computer (ask your administrator).",
}


def check(url: str, shared: Shared | None = None) -> Check:
    """Connect to `url` (with its password, if any), then look at its schema."""
    try:
        engine = make_engine(url)
    except ValidationError as exc:
        return Check(Failure.OTHER, None, str(exc))
    if shared is None and make_url(url).get_backend_name() == "postgresql":
        shared = Shared.from_url(url)
    try:
        with engine.connect():  # first the connection itself: its errors are not the schema's
            pass
        state = schema_state(engine)
    except sa_exc.DBAPIError as exc:
        failure, message = classify(exc, shared)
        return Check(failure, None, message)
    except OSError as exc:  # a SQLite folder that cannot be made
        return Check(Failure.OTHER, None, f"The database file cannot be opened: {exc}")
    finally:
        engine.dispose()
    return Check(None, state, SCHEMA_WORDS[state])


def create_or_upgrade(url: str) -> str:
    """An admin's step from the wizard: the schema created or upgraded to this release."""
    from app.services import defaults

    engine = make_engine(url)
    try:
        return defaults.upgrade_database(engine)
    finally:
        engine.dispose()


# -- the password ------------------------------------------------------------------------------


def keyring_key(url: str) -> str:
    u = make_url(url)
    return f"{u.username}@{u.host}:{u.port or 5432}/{u.database}"


def keyring_available() -> bool:
    """True when the system has a keyring to keep the password in (not the fail/null one)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__module__:
        return False
    chained = getattr(backend, "backends", None)
    return chained is None or bool(chained)


def stored_password(url: str) -> str | None:
    if not keyring_available():
        return None
    import keyring

    try:
        value = keyring.get_password(KEYRING_SERVICE, keyring_key(url))
    except Exception:  # a locked or broken keyring: asked instead
        return None
    return value if isinstance(value, str) else None


def store_password(url: str, password: str) -> bool:
    """True when the keyring kept it; False: it is asked at each start."""
    if not keyring_available():
        return False
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, keyring_key(url), password)
    except Exception:
        return False
    return True


def with_password(url: str, password: str | None) -> str:
    if not password:
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def needs_password(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "postgresql" and u.password is None


# -- what is saved -----------------------------------------------------------------------------


def save(url: str) -> None:
    """The user's choice, without any password, in their incidentdesk.ini."""
    db_config.save_user_database(without_password(url))


def label(url: str) -> str:
    """The address for people: without the password."""
    return db_config.redact_url(url)


def without_password(url: str) -> str:
    u = make_url(url)
    if u.password is None:
        return url
    bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
    return bare.render_as_string(hide_password=False)


def local_url() -> str:
    return db_config.default_sqlite_url()

