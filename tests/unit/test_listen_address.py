"""Where the change feed listens when queries go through a pooler: INCIDENTDESK_LISTEN_DB, else
`[database] listen_url` of the first config file that has one; a bad address names its source."""

from __future__ import annotations

import pytest

from app.db import config
from app.domain.errors import ValidationError


def _write(path, text: str) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_none_by_default_the_feed_listens_where_the_queries_go() -> None:
    assert config.listen_address({}) is None


def test_the_site_config_names_the_server_beside_the_pooler() -> None:
    site = config.site_config_file()
    _write(
        site,
        "[database]\nurl = postgresql://pgbouncer.example.org:6432/incidentdesk\n"
        "listen_url = postgresql://db.example.org:5432\n",
    )
    assert config.listen_address({}) == ("postgresql+psycopg://db.example.org:5432", str(site))
    user = config.user_config_file()  # the user's file first, as for the database itself
    _write(user, "[database]\nlisten_url = postgres://db2.example.org\n")
    assert config.listen_address({}) == ("postgresql+psycopg://db2.example.org", str(user))
    env = {config.ENV_LISTEN_DB: "postgresql://db3.example.org:5433"}
    assert config.listen_address(env) == ("postgresql+psycopg://db3.example.org:5433", config.ENV_LISTEN_DB)


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("sqlite:////tmp/desk.sqlite3", "is not a PostgreSQL address"),
        ("db.example.org:5432", "is not a PostgreSQL address"),
        ("postgresql:///incidentdesk", "names no server"),
        ("postgresql://ann:secret@db.example.org:x/", "cannot be read"),
    ],
)
def test_a_bad_listener_address_says_what_and_where(address: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        config.listen_address({config.ENV_LISTEN_DB: address})
    message = str(caught.value)
    assert message.startswith(f"{config.ENV_LISTEN_DB}: ") and says in message, message
    assert "secret" not in message
    assert caught.value.field == "listen_url"
