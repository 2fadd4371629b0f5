"""The desk: one explicit context handed to every service (engine, sessions, clock, policies).

Each service call is one short transaction. Environment failures (database locked, gone,
disk full) become EnvironmentProblem; anything else is our bug and propagates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import EnvironmentProblem, NotFound, PermissionDenied, ValidationError
from app.domain.roles import Permission, Role, require
from app.models import Agent, BusinessCalendarRow, Setting, agent_groups

SYSTEM_USER = "system"

# session.info key: the transaction's first statement is to say it is the application's
# (`Desk.write(claim_first=True)`); taken away by the statement that says it
CLAIM_PENDING = "claim_pending"

_SQLITE_ENVIRONMENT = (
    "database is locked",
    "disk i/o error",
    "database or disk is full",
    "unable to open database",
    "readonly database",
    "database disk image is malformed",
    "no such file",
)


# PostgreSQL's "someone else holds it" (lock timeout, deadlock, serialization failure): the
# server answers, another transaction is in the way
_PG_BUSY = {"55P03", "40P01", "40001"}


def _plain(exc: BaseException) -> str:
    """The error's first line, without SQLAlchemy's "(Background on this error at: ...)"."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split(" (Background on this error at:")[0].strip()


def environment_problem(exc: BaseException) -> EnvironmentProblem | None:
    """The EnvironmentProblem `exc` stands for, or None when it is our own bug."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection to give in time
        return EnvironmentProblem(
            "The database is busy: every connection to it is in use. Retry in a moment."
        )
    if isinstance(exc, sa_exc.DisconnectionError):
        return EnvironmentProblem(
            f"The database cannot be reached: {_plain(exc)}. Retry in a moment."
        )
    if isinstance(exc, sa_exc.DBAPIError):
        text = _plain(exc.orig) if exc.orig is not None else _plain(exc)
        module = type(exc.orig).__module__ if exc.orig is not None else ""
        if getattr(exc.orig, "sqlstate", None) in _PG_BUSY and not exc.connection_invalidated:
            return EnvironmentProblem(
                "The database is busy: another workstation is changing the same record "
                f"({text}). Retry in a moment."
            )
        if exc.connection_invalidated or (
            isinstance(exc, sa_exc.OperationalError) and module.startswith("psycopg")
        ):
            return EnvironmentProblem(f"The database cannot be reached: {text}. Retry in a moment.")
        if isinstance(exc, sa_exc.OperationalError) and any(
            m in text.lower() for m in _SQLITE_ENVIRONMENT
        ):
            return EnvironmentProblem(f"The database is not available: {text}. Retry in a moment.")
    return None


def refused_value(exc: BaseException) -> ValidationError | None:
    """The ValidationError a value PostgreSQL cannot store stands for (a text longer than its
    column, a NUL character), or None. The services check lengths where they know them
    (app.services.limits); this is what every other door says instead of a traceback."""
    if not isinstance(exc, sa_exc.DataError) or exc.orig is None:
        return None
    text = _plain(exc.orig)
    if getattr(exc.orig, "sqlstate", None) == "22001":  # string_data_right_truncation
        return ValidationError(f"A text is longer than the database keeps ({text}): shorten it")
    if "NUL (0x00)" in text:
        return ValidationError(
            "A text holds a NUL character (0x00), which the database cannot keep"
        )
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Database failures of the environment become EnvironmentProblem, values the database
    cannot keep a ValidationError; our bugs propagate."""
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        problem = environment_problem(exc)
        if problem is not None:
            raise problem from exc
        refused = refused_value(exc)
        if refused is not None:
            raise refused from exc
        raise


ROLES_SETTING = "pg_roles"  # {"prefix": "desk"}: what `db roles` set up (app.services.db_roles)


def login_role_prefix(conn: Connection | Session) -> str | None:
    """The prefix of the desk's PostgreSQL role names, kept by `db roles` (None: it has not run
    on this database): a person's own login role is `<prefix>.<username>`."""
    value = conn.execute(select(Setting.value).where(Setting.key == ROLES_SETTING)).scalar()
    if isinstance(value, dict) and value.get("prefix"):
        return str(value["prefix"])
    return None


SITE_SETTING = "site"  # {"timezone": "Europe/Brussels", "holiday_country": "BE", ...}


def site_zone_name(conn: Connection) -> str:
    """The site's IANA time zone: the "site" setting, else the first calendar's, else UTC."""
    site = conn.execute(select(Setting.value).where(Setting.key == SITE_SETTING)).scalar()
    if isinstance(site, dict) and site.get("timezone"):
        return str(site["timezone"])
    first = conn.execute(
        select(BusinessCalendarRow.tz).order_by(BusinessCalendarRow.id).limit(1)
    ).scalar()
    return str(first) if first else "UTC"


@dataclass(frozen=True)
class Actor:
    """The agent on whose behalf a service runs."""

    id: int
    username: str
    full_name: str
    role: Role
    group_ids: tuple[int, ...]

    def require(self, permission: Permission) -> None:
        require(self.role, permission, who=self.username)


class Desk:
    """Engine, sessions, the clock, the site's time zone and cached policies; one per process.

    The clock is the one every rule and every window reads (`now()`); tests set it. The zone is
    the one people read times in (`zone`): the site's, from the database's configuration (see
    `site_zone_name`), never the time zone of the machine that happens to run the code."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        zone: str | None = None,
        listen_url: str | None = None,
    ) -> None:
        self.engine = engine
        # PostgreSQL: where the change feed's LISTEN connects when queries go through a pooler
        # (app.db.config.listen_address); None: where the engine connects
        self.listen_url = listen_url
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._fixed_zone = ZoneInfo(zone) if zone else None
        self._zone: ZoneInfo | None = self._fixed_zone
        self._lock = threading.Lock()
        self._cache: dict[str, object] = {}
        self._identity: dict[str, str | None] = {}  # own_login(): never dropped by invalidate

    def on_engine(self, engine: Engine, *, listen_url: str | None = None) -> Desk:
        """A desk like this one (its clock, its time zone) on another engine: the one a person's
        own PostgreSQL role signed in on (app.services.users.sign_in)."""
        desk = Desk(engine, clock=self._clock, listen_url=listen_url)
        desk._fixed_zone = self._fixed_zone
        desk._zone = self._zone
        return desk

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def now(self) -> datetime:
        """The current instant (aware, UTC) by the desk's clock."""
        return self._clock()

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone. Read from the database on first use (open the desk with
        `load_zone()` off the GUI thread), then kept: a change of configuration does not drop it
        (a window painting must never wait on the database); `load_zone()` reads it anew."""
        zone = self._zone
        if zone is None:
            zone = self.load_zone()
        return zone

    def load_zone(self) -> ZoneInfo:
        """Read the site's time zone from the database now (unless fixed at construction)."""
        if self._fixed_zone is not None:
            return self._fixed_zone
        with self.read() as conn:
            self._zone = ZoneInfo(site_zone_name(conn))
        return self._zone

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def write(self, *, claim_first: bool = False) -> Iterator[Session]:
        """One write transaction; commits on success, rolls back on any error.

        On PostgreSQL the transaction says it is the application's (the transaction-local
        setting ``incidentdesk.app``): the database's own audit of changes made around the
        application (migration 0017) leaves these alone, the services audit them. With
        `claim_first`, the caller's first statement says it (`policies.fresh_policy_book` reads
        the configuration's revision with the claim: one round trip fewer); a transaction that
        never made the claim is rolled back instead of committed."""
        with translated_errors(), self._sessions() as session:
            conn = session.connection(execution_options={"sqlite_immediate": True})
            if conn.dialect.name == "postgresql":
                if claim_first:
                    session.info[CLAIM_PENDING] = True
                else:
                    conn.exec_driver_sql("SELECT set_config('incidentdesk.app', 'on', true)")
            yield session
            if session.info.get(CLAIM_PENDING):
                raise RuntimeError("A write transaction never said it was the application's")
            session.commit()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only snapshot."""
        with translated_errors(), self.engine.connect() as conn:
            yield conn
            conn.rollback()

    @contextmanager
    def query(self) -> Iterator[Session]:
        """One read-only snapshot as an ORM session (for selects of mapped classes)."""
        with translated_errors(), self._sessions() as session:
            yield session  # closing ends the transaction; loaded objects stay readable

    # -- cache of rarely changing configuration ------------------------------------------
    def cached(self, key: str, load: Callable[[], object]) -> object:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = load()
            return self._cache[key]

    def invalidate(self) -> None:
        """Forget cached configuration (matrix, policies, calendars): it changed. The site's
        zone is read anew here, off the GUI thread (services and the change feed call this),
        and kept as it was if the database cannot say."""
        with self._lock:
            self._cache.clear()
        if self._zone is not None and self._fixed_zone is None:
            with suppress(EnvironmentProblem):  # the last known zone stays until the next
                self.load_zone()

    # -- who acts -----------------------------------------------------------------------
    def own_login(self) -> str | None:
        """The user name whose own PostgreSQL login role this desk's connections are (see
        `login_role_prefix`), read once; None: the address's user is no person's own role
        (the database's owner, SQLite)."""
        with self._lock:
            if "own_login" in self._identity:
                return self._identity["own_login"]
        own = None
        if self.dialect == "postgresql":
            with self.read() as conn:
                prefix = login_role_prefix(conn)
                user = str(conn.exec_driver_sql("SELECT session_user").scalar_one())
            if prefix is not None and user.startswith(f"{prefix}."):
                own = user[len(prefix) + 1 :]
        with self._lock:
            self._identity["own_login"] = own
        return own

    def actor(self, username: str) -> Actor:
        """The person `username`. On a desk whose connections are a person's own login role,
        only that person: their role's credentials are not a way to act as someone else (the
        desk itself, `system()`, still acts for its sweeps)."""
        own = self.own_login()
        if own is not None and username != own:
            raise PermissionDenied(
                f"This desk connects to the database as {own}'s own role: it cannot act as "
                f"{username!r}"
            )
        return self._actor(username)

    def _actor(self, username: str) -> Actor:
        with self.read() as conn:
            row = conn.execute(
                select(Agent.id, Agent.username, Agent.full_name, Agent.role, Agent.active).where(
                    Agent.username == username
                )
            ).first()
            if row is None:
                raise NotFound(f"No user named {username!r}")
            if not row.active:
                raise PermissionDenied(f"The user {username!r} is deactivated")
            groups = conn.execute(
                select(agent_groups.c.group_id).where(agent_groups.c.agent_id == row.id)
            ).scalars()
            return Actor(row.id, row.username, row.full_name, Role(row.role), tuple(groups))

    def system(self) -> Actor:
        """The desk itself (intake, auto-close, demo data)."""
        return self._actor(SYSTEM_USER)
