"""`incidentdesk package`'s checks before any build: the site's address without a password,
a package name and version Debian takes, a real time zone and holiday country; and the site
file the bundle carries."""

from __future__ import annotations

import pytest

from app import cli
from app.cli_package import site_ini


def _request(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["package", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--db-url", "postgresql://desk:s3cret@db/incidentdesk"],
         "has a password (postgresql+psycopg://desk:***@db/incidentdesk)"),
        (["--db-url", "postgresql://desk@db/x", "--name", "Incident Desk"], "--name 'Incident Desk'"),
        (["--db-url", "postgresql://desk@db/x", "--version", "v1"], "--version 'v1': a Debian version"),
        (["--db-url", "postgresql://desk@db/x", "--timezone", "Mars/Base"], "--timezone Mars/Base"),
        (["--db-url", "postgresql://desk@db/x", "--holiday-country", "ZZ"], "Unknown holiday country 'ZZ'"),
        (["--db-url", "mysql://desk@db/x"], "Unsupported database address mysql://"),
        (["--no-site", "--db-url", "postgresql://desk@db/x"], "not allowed with argument --no-site"),
    ],
)  # fmt: skip
def test_a_bad_request_is_one_line_and_builds_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path, args: list[str], said: str
) -> None:
    code, err = _request(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 2
    assert said in err and err.startswith("incidentdesk: error: ")
    assert "s3cret" not in err
    assert not (tmp_path / "out").exists()


def test_the_site_file_names_the_database_and_the_calendar() -> None:
    from app.cli_package import Request

    text = site_ini(
        Request("postgresql+psycopg://desk@db:5432/incidentdesk", None, "incidentdesk", "1.0",  # type: ignore[arg-type]
                "Europe/Brussels", "BE", None)
    )  # fmt: skip
    assert "[database]\nurl = postgresql+psycopg://desk@db:5432/incidentdesk\n" in text
    assert "[site]\ntimezone = Europe/Brussels\nholiday_country = BE\n" in text


def test_a_built_application_reads_the_site_file_next_to_it_after_the_users(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from app.db import config

    (tmp_path / "incidentdesk-site.ini").write_text(
        "[database]\nurl = postgresql://desk@db/incidentdesk\n[site]\ntimezone = Asia/Tokyo\n"
    )
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "incidentdesk"))
    found = config.resolve(None, environ={})
    assert found.url == "postgresql+psycopg://desk@db/incidentdesk"
    assert found.source == str(tmp_path / "incidentdesk-site.ini")
    assert config.site_config(environ={}).timezone == "Asia/Tokyo"
    config.save_user_database("sqlite:////tmp/mine.sqlite3")  # the user's own choice comes first
    assert config.resolve(None, environ={}).url == "sqlite:////tmp/mine.sqlite3"
