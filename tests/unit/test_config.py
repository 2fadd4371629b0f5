"""Where the database is: --db, INCIDENTDESK_DB, user then site config file, built-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import config
from app.domain.errors import ValidationError


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user.ini"
    site = tmp_path / "site.ini"
    monkeypatch.setattr(config, "user_config_file", lambda: user)
    monkeypatch.setattr(config, "site_config_file", lambda: site)
    env: dict[str, str] = {}
    assert config.resolve(None, env).source == "built-in"
    assert config.resolve(None, env).url.startswith("sqlite:///")
    site.write_text("[database]\nurl = postgresql://desk@db.example/incidents\n")
    got = config.resolve(None, env)
    assert (got.url, got.source) == ("postgresql+psycopg://desk@db.example/incidents", str(site))
    user.write_text("[database]\nurl = sqlite:////srv/desk.sqlite3\n")
    assert config.resolve(None, env).url == "sqlite:////srv/desk.sqlite3"
    env["INCIDENTDESK_DB"] = "postgres://a@b/c"
    assert config.resolve(None, env).url == "postgresql+psycopg://a@b/c"
    assert config.resolve("sqlite:////tmp/x.db", env).source == "--db"


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    assert config.normalise_url(str(tmp_path / "d.sqlite3")) == f"sqlite:///{tmp_path / 'd.sqlite3'}"


@pytest.mark.parametrize(
    ("url", "message"),
    [("", "empty"), ("mysql://root@x/db", "Unsupported database address mysql://")],
)
def test_bad_addresses_are_explained(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        config.normalise_url(url)


def test_a_broken_config_file_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user.ini"
    user.write_text("this is not [ini\n")
    monkeypatch.setattr(config, "user_config_file", lambda: user)
    with pytest.raises(ValidationError, match=str(user)):
        config.resolve(None, {})


def test_the_built_in_database_lives_in_the_user_data_folder() -> None:
    # tests/conftest.py points XDG_DATA_HOME at a temporary folder
    assert str(config.user_data_dir()) in config.default_sqlite_url()
