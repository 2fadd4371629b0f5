"""The connection test of the connection wizard, against the real local PostgreSQL (and
SQLite): each way a connection fails is named with what to do, and so is a schema that is
empty, older or newer than this release. The local server trusts every local user, so a wrong
password cannot be provoked here: those cases are classified from libpq's words."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import schema
from app.db.config import user_config_file
from app.db.engine import make_engine
from app.services import connection
from app.services.connection import Failure, Schema, Shared


def _on(url: str, **changes: object) -> str:
    return make_url(url).set(**changes).render_as_string(hide_password=False)  # type: ignore[arg-type]


@pytest.mark.pg
def test_nobody_listening_on_the_port_is_host_unreachable(pg_database: str) -> None:
    check = connection.check(_on(pg_database, port=1))
    assert check.failure is Failure.HOST_UNREACHABLE and not check.connected
    assert "127.0.0.1:1 does not answer" in check.message and "Connection refused" in check.message


def test_a_host_name_that_does_not_resolve_is_host_unknown() -> None:
    check = connection.check("postgresql+psycopg://desk@no-such-host.invalid:5432/incidentdesk")
    assert check.failure is Failure.HOST_UNKNOWN
    assert "no-such-host.invalid is not known" in check.message


@pytest.mark.pg
def test_tls_required_by_a_server_without_tls_is_tls_refused(pg_database: str) -> None:
    check = connection.check(_on(pg_database, query={"sslmode": "require"}))
    assert check.failure is Failure.TLS_REFUSED
    assert "refused the TLS mode" in check.message and "does not support SSL" in check.message


@pytest.mark.pg
def test_a_database_that_is_not_there_is_named(pg_database: str) -> None:
    check = connection.check(_on(pg_database, database="no_such_desk"))
    assert check.failure is Failure.DATABASE_MISSING
    assert "no database “no_such_desk”" in check.message and "CREATE DATABASE" in check.message


@pytest.mark.pg
def test_a_user_the_server_does_not_know_is_named(pg_database: str) -> None:
    check = connection.check(_on(pg_database, username="nobody_here"))
    assert check.failure is Failure.ROLE_UNKNOWN
    assert "no database user “nobody_here”" in check.message


@pytest.mark.parametrize(
    ("said", "failure"),
    [
        ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication '
         'failed for user "ana"', Failure.WRONG_PASSWORD),
        ('connection to server at "10.0.0.5", port 5432 failed: fe_sendauth: no password supplied',
         Failure.PASSWORD_NEEDED),
        ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  no pg_hba.conf entry for '
         'host "10.0.0.9", user "ana", database "desk", no encryption', Failure.NOT_ALLOWED),
        ('connection to server at "db", port 5432 failed: certificate verify failed: unable to get '
         'local issuer certificate', Failure.TLS_UNTRUSTED),
        ('connection to server at "10.0.0.5", port 5432 failed: timeout expired',
         Failure.HOST_UNREACHABLE),
        ("something nobody expected", Failure.OTHER),
    ],
)  # fmt: skip
def test_what_libpq_says_is_classified(said: str, failure: Failure) -> None:
    kind, message = connection.classify(said, Shared("10.0.0.5", user="ana", database="desk"))
    assert kind is failure
    assert f"(The server said: {said})" in message


def test_wrong_password_tells_what_to_do() -> None:
    _, message = connection.classify(
        'FATAL:  password authentication failed for user "ana"', Shared("db", user="ana")
    )
    assert message.startswith("The server refused the password of “ana”. Check it (and Caps Lock)")


def test_the_schema_empty_current_older_newer(db_url: str) -> None:
    check = connection.check(db_url)
    assert check.connected and check.schema is Schema.EMPTY and not check.usable
    assert "an administrator creates the schema" in check.message
    assert connection.create_or_upgrade(db_url) == schema.HEAD_REVISION
    assert connection.check(db_url).usable
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        older = connection.check(db_url)
        assert older.schema is Schema.OLDER and "set up by an older release" in older.message
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        newer = connection.check(db_url)
        assert newer.schema is Schema.NEWER and "install that release" in newer.message
    finally:
        engine.dispose()


def test_the_address_is_saved_without_its_password() -> None:
    url = Shared("db.example.com", 5433, "desk", "ana", "require").url(password="s3cret")
    assert ":s3cret@" in url
    connection.save(url)
    saved = user_config_file().read_text()
    assert "url = postgresql+psycopg://ana@db.example.com:5433/desk?sslmode=require" in saved
    assert "s3cret" not in saved


def test_the_form_says_what_is_missing() -> None:
    with pytest.raises(Exception, match="Say which server"):
        Shared("").url()
    with pytest.raises(Exception, match="Say which database user"):
        Shared("db", user="").url()


class _MemoryKeyring:
    """A keyring backend in memory (the test machine has none)."""

    priority = 1

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, key: str) -> str | None:
        return self.kept.get((service, key))

    def set_password(self, service: str, key: str, password: str) -> None:
        self.kept[(service, key)] = password


def test_the_password_goes_to_the_keyring_when_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    url = Shared("db.example.com", user="ana", database="desk").url()
    assert not connection.keyring_available()  # this machine: no keyring, so it is asked
    assert connection.store_password(url, "s3cret") is False
    assert connection.stored_password(url) is None
    memory = _MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    monkeypatch.setattr(keyring, "set_password", memory.set_password)
    monkeypatch.setattr(keyring, "get_password", memory.get_password)
    assert connection.store_password(url, "s3cret") is True
    assert memory.kept == {("IncidentDesk", "ana@db.example.com:5432/desk"): "s3cret"}
    assert connection.stored_password(url) == "s3cret"
