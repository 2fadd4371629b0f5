"""incidentdesk mail server|outbox|send|retry, in-process on SQLite and PostgreSQL, against a
real SMTP server (aiosmtpd): set up by an admin, a notice queued and sent, the outbox listed;
wrong input one line and exit 2."""

from __future__ import annotations

import io
import json

import pytest
from aiosmtpd.controller import Controller

from tests.db.test_cli_matrix import one_error_line, run
from tests.intake.test_outbox import Collector, free_port


@pytest.fixture
def url(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    assert run(capsys, "--db", db_url, "db", "upgrade")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("root-password\n"))
    code, _, err = run(
        capsys, "--db", db_url, "users", "add", "root", "--name", "Root", "--role", "admin",
        "--password-stdin",
    )  # fmt: skip
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(
        capsys, "--db", db_url, "--as", "root", "users", "add", "ana", "--name", "Ana", "--role",
        "agent",
    )  # fmt: skip
    assert code == 0, err
    return db_url


def test_an_admin_sets_the_server_and_the_queue_goes_out(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", url, "mail", "server")
    assert code == 0 and out.strip() == "No mail server: the desk sends no mail to callers"
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        code, out, err = run(
            capsys, "--db", url, "--as", "root", "mail", "server", "--host", "127.0.0.1",
            "--port", str(controller.port), "--from", "desk@example.com",
            "--reason", "The desk answers callers by mail",
        )  # fmt: skip
        assert code == 0, err
        assert out.strip() == (
            f"Mail to callers goes through 127.0.0.1:{controller.port} (none), "
            "from desk@example.com"
        )
        code, _, err = run(
            capsys, "--db", url, "--as", "ana", "incident", "new", "--title", "Printer jams",
            "--caller", "Jo Caller", "--caller-email", "jo@example.com",
        )  # fmt: skip
        assert code == 0, err
        code, out, _ = run(capsys, "--db", url, "mail", "outbox", "--waiting", "--json")
        [waiting] = json.loads(out)
        assert (waiting["incident"], waiting["kind"], waiting["to"], waiting["status"]) == (
            "INC0000001", "logged", "jo@example.com", "queued",
        )  # fmt: skip
        code, out, _ = run(capsys, "--db", url, "mail", "send")
        assert code == 0 and out.strip() == "1 mail sent, 0 to try again later, 0 given up"
        assert [m["Subject"] for m in collector.messages] == ["[INC0000001] Logged: Printer jams"]
        code, out, _ = run(capsys, "--db", url, "mail", "outbox", "--waiting")
        assert out.strip() == "No mail to callers waiting"
    finally:
        controller.stop()
    code, out, _ = run(capsys, "--db", url, "--as", "root", "mail", "server", "--off")
    assert code == 0 and "off" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("mail", "server", "--host", "smtp.example.com", "--from", "desk"),
         "'desk' is not an e-mail address (the desk's From)"),
        (("mail", "server", "--host", "smtp.example.com", "--from", "d@example.com", "--port", "0"),
         "The port must be between 1 and 65535, not 0"),
        (("mail", "server", "--from", "d@example.com"), "'' is not a host name"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_wrong_input_is_one_line_and_exit_2(
    url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "--db", url, "--as", "root", *argv)
    assert code == 2
    assert message in one_error_line(err)
    assert run(capsys, "--db", url, "mail", "server")[1].startswith("No mail server")


def test_an_agent_may_not_set_the_server(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--db", url, "--as", "ana", "mail", "server", "--host", "h", "--from", "a@b.cd"
    )
    assert code == 2 and "admin" in one_error_line(err).lower()
