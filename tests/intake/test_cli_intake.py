"""`incidentdesk intake ...` end to end: the rules from the command line and a file, the
listener as a real process (token from the environment), the alerts listed."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.db.engine import make_engine
from app.services import catalog, defaults, users
from app.services.context import Desk
from app.services.defaults import Defaults

TOKEN = "cli-token-123"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        d = Desk(engine, zone="Europe/Brussels")
        defaults.upgrade_database(engine)
        defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
        root = d.actor(
            users.add_user(d, None, "root", "Root Admin", "admin", password="pw-root-1").username
        )
        catalog.add_group(d, root, "Service Desk", 1)
        catalog.add_group(d, root, "Database", 2)
        users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    finally:
        engine.dispose()
    return db_url


def test_rules_from_the_command_line_and_a_file(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "--db",
        url,
        "--as",
        "root",
        "intake",
        "rules",
        "add",
        "db",
        "--match",
        "team=db",
        "--match",
        "severity=critical|warning",
        "--group",
        "Database",
        "--impact",
        "1",
        "--resolve-code",
        "Solution provided",
    )
    assert code == 0, err
    code, out, err = run(capsys, "--db", url, "intake", "rules", "list")
    assert out.splitlines() == [
        "0\tdb\tteam=~db, severity=~critical|warning\tgroup Database, impact 1, resolves with solution_provided"
    ]
    code, out, _ = run(capsys, "--db", url, "intake", "rules", "export")
    exported = json.loads(out)
    assert exported == {
        "rules": [
            {
                "name": "db",
                "match": {"team": "db", "severity": "critical|warning"},
                "group": "Database",
                "impact": 1,
                "resolve_code": "solution_provided",
            }
        ]
    }
    # an agent may not change them
    code, _, err = run(capsys, "--db", url, "--as", "ana", "intake", "rules", "remove", "db")
    assert code == 2 and "Only an admin may configure the desk" in err
    # a file with a mistake changes nothing, and says where
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"rules": [{"name": "x", "match": {"a": "b"}, "colour": "red"}]}))
    code, _, err = run(capsys, "--db", url, "--as", "root", "intake", "rules", "load", str(bad))
    assert code == 2 and f"{bad}: rules[0]: unknown key 'colour'" in err
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"rules": [{"name": "web", "match": {"job": "web"}, "urgency": 2}]}))
    code, out, err = run(capsys, "--db", url, "--as", "root", "intake", "rules", "load", str(good))
    assert code == 0 and "Loaded 1 rule" in out
    code, out, _ = run(capsys, "--db", url, "intake", "rules", "export")
    assert [r["name"] for r in json.loads(out)["rules"]] == ["web"]
    code, out, err = run(
        capsys, "--db", url, "--as", "root", "intake", "rules", "default-group", "Database"
    )
    assert code == 0, err


def test_http_needs_a_token(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCIDENTDESK_INTAKE_TOKEN", raising=False)
    code, _, err = run(capsys, "--db", url, "intake", "http", "--listen", "127.0.0.1:0")
    assert code == 2 and "needs a token: set INCIDENTDESK_INTAKE_TOKEN" in err
    code, _, err = run(capsys, "--db", url, "intake", "http", "--listen", "nowhere")
    assert code == 2 and "expected HOST:PORT" in err


def test_http_listener_process(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**os.environ, "INCIDENTDESK_INTAKE_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--db", url, "intake", "http", "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        assert "token from INCIDENTDESK_INTAKE_TOKEN" in line and "acting as system" in line
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/alerts",
            body=json.dumps({"title": "Queue stuck", "severity": "critical"}),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        answer = json.loads(conn.getresponse().read())
        conn.close()
        assert answer["alerts"][0]["action"] == "created"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0
    code, out, err = run(capsys, "--db", url, "intake", "alerts")
    assert code == 0, err
    assert re.fullmatch(r"INC0000001\tQueue stuck\tseen 1 time, last \S+ \S+\topen\n", out)


def test_smtp_listener_process(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import smtplib
    from email.message import EmailMessage

    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--db", url, "intake", "smtp", "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        port = int(re.search(r"smtp://127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        msg = EmailMessage()
        msg["From"], msg["Subject"] = "Zoe Zimmer <zoe@example.com>", "Badge reader at door 2 dead"
        msg.set_content("Nobody gets in.")
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.send_message(msg, to_addrs=["desk@example.com"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0
    code, out, err = run(capsys, "--db", url, "--as", "ana", "incident", "show", "INC0000001")
    assert code == 0, err
    assert "Badge reader at door 2 dead" in out and "Zoe Zimmer" in out and "via email" in out
