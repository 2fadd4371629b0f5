"""Database addresses are shown without their password in every message: the CLI's errors and
lines, the status bar's label, an address that cannot even be parsed."""

from __future__ import annotations

import pytest

from app import cli
from app.db.config import redact_url
from app.main import database_label


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://ana:s3cret@db.example.com/desk",
            "postgresql+psycopg://ana:***@db.example.com/desk",
        ),
        ("postgresql://ana:p@ss:w0rd@db/desk", "postgresql://ana:***@db/desk"),
        (
            "postgresql://ana@db/desk?password=s3cret&sslmode=require",
            "postgresql://ana@db/desk?password=***&sslmode=require",
        ),
        (
            "host=db user=ana password=s3cret dbname=desk",
            "host=db user=ana password=*** dbname=desk",
        ),
        ("sqlite:////srv/desk.sqlite3", "sqlite:////srv/desk.sqlite3"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert database_label(url) == shown


def test_the_cli_never_prints_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    # nothing listens on port 1: the message names the database, without its password
    code = cli.main(["users", "list", "--db", "postgresql://ana:s3cret@127.0.0.1:1/desk"])
    captured = capsys.readouterr()
    assert code == 2
    assert "s3cret" not in captured.err + captured.out
    assert "ana:***@127.0.0.1:1/desk" in captured.err
    code = cli.main(["users", "list", "--db", "postgresql://ana:s3cret@127.0.0.1:notaport/desk"])
    captured = capsys.readouterr()
    assert code == 2
    assert "s3cret" not in captured.err + captured.out
