"""Mail in, with real clients (Debian's swaks and Python's smtplib) talking to the SMTP intake,
on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import shutil
import smtplib
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.lifecycle import State
from app.intake.smtp import MailServer
from app.models import Caller, Incident, MailRow
from app.services import attachments as attachment_service
from app.services import incidents as inc
from app.services import queries
from app.services.context import Desk

SWAKS = shutil.which("swaks")


@pytest.fixture
def smtp(desk: Desk) -> Iterator[MailServer]:
    server = MailServer(desk, desk.system(), "127.0.0.1", 0)
    server.start()
    yield server
    server.stop()


def swaks(server: MailServer, *args: str) -> str:
    if SWAKS is None:
        if os.environ.get("CI") == "true":
            pytest.fail("swaks is not installed (scripts/setup.sh installs it)")
        pytest.skip("swaks is not installed (scripts/setup.sh installs it)")
    done = subprocess.run(
        [SWAKS, "--server", f"127.0.0.1:{server.port}", "--to", "desk@example.com", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def send(server: MailServer, msg: EmailMessage | bytes, sender: str = "john@example.com") -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
        if isinstance(msg, bytes):
            client.sendmail(sender, ["desk@example.com"], msg)
        else:
            client.send_message(msg, from_addr=sender, to_addrs=["desk@example.com"])


def count(desk: Desk, model: type) -> int:
    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


def only_incident(desk: Desk):  # type: ignore[no-untyped-def]
    [row] = queries.queue_rows(desk, [1])
    return queries.get_incident(desk, row.number)


def test_swaks_mail_logs_an_incident_with_a_new_caller(smtp: MailServer, desk: Desk) -> None:
    out = swaks(
        smtp,
        "--from",
        "marie.dupont@example.com",
        "--header",
        "From: Marie Dupont <marie.dupont@example.com>",
        "--header",
        "Subject: Printer on floor 3 jams on every page",
        "--body",
        "Since this morning.\nThe display says E-42.",
    )
    assert "250 INC0000001 created" in out
    rec = queries.get_incident(desk, "INC0000001")
    assert rec.title == "Printer on floor 3 jams on every page"
    assert rec.description == "Since this morning.\nThe display says E-42."
    assert (rec.channel, rec.caller_name, rec.group_name) == (
        "email",
        "Marie Dupont",
        "Service Desk",
    )
    # the same sender again: the same caller, not a second one
    swaks(
        smtp,
        "--from",
        "marie.dupont@example.com",
        "--header",
        "Subject: Scanner too",
        "--body",
        "x",
    )
    assert count(desk, Caller) == 1 and count(desk, Incident) == 2


def test_html_only_no_subject_and_a_non_utf8_body(smtp: MailServer, desk: Desk) -> None:
    html = EmailMessage()
    html["From"] = "Jan Peeters <jan@example.be>"
    html["Subject"] = "VPN"
    html.set_content(
        "<html><head><style>p{}</style></head><body><p>The VPN <b>drops</b></p>"
        "<ul><li>every hour</li><li>since Monday</li></ul></body></html>",
        subtype="html",
    )
    send(smtp, html, "jan@example.be")
    rec = queries.get_incident(desk, "INC0000001")
    assert rec.description == "The VPN drops\n- every hour\n- since Monday"
    raw = (
        b"From: anna@example.com\r\nTo: desk@example.com\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nL'\xe9cran reste noir apr\xe8s la mise \xe0 jour\r\n"
    )
    send(smtp, raw, "anna@example.com")
    rec = queries.get_incident(desk, "INC0000002")
    assert (rec.title, rec.description) == (
        "(no subject)",
        "L'écran reste noir après la mise à jour",
    )
    # bytes that are not the declared charset: read, not refused
    bad = (
        b"From: x@example.com\r\nSubject: broken\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"caf\xe9 \xff\r\n"
    )
    send(smtp, bad, "x@example.com")
    assert queries.get_incident(desk, "INC0000003").description == "café ÿ"


def test_a_20_mb_attachment_is_kept(smtp: MailServer, desk: Desk, tmp_path: Path) -> None:
    data = os.urandom(1024) * (20 * 1024)  # 20 MB
    path = tmp_path / "capture.pcap"
    path.write_bytes(data)
    out = swaks(
        smtp,
        "--from",
        "ops@example.com",
        "--header",
        "Subject: Capture attached",
        "--body",
        "See the capture.",
        "--attach-type",
        "application/vnd.tcpdump.pcap",
        "--attach-name",
        "capture.pcap",
        "--attach",
        f"@{path}",
    )
    assert "250 INC0000001 created" in out
    rec = queries.get_incident(desk, "INC0000001")
    [att] = attachment_service.attachments(desk, rec.id)
    assert (att.filename, att.content_type, att.size) == (
        "capture.pcap",
        "application/vnd.tcpdump.pcap",
        len(data),
    )
    _, content = attachment_service.content(desk, att.id)
    assert hashlib.sha256(content).hexdigest() == hashlib.sha256(data).hexdigest() == att.sha256
    assert rec.description == "See the capture."


def test_machines_do_not_open_incidents(smtp: MailServer, desk: Desk) -> None:
    out = swaks(
        smtp,
        "--from",
        "john@example.com",
        "--header",
        "Subject: Out of office",
        "--header",
        "Auto-Submitted: auto-replied",
        "--body",
        "I am away",
    )
    assert "250 not opened: Auto-Submitted: auto-replied" in out
    swaks(
        smtp,
        "--from",
        "desk@example.com",
        "--header",
        "Subject: [INC0000009] Resolved",
        "--header",
        "X-IncidentDesk: notification",
        "--body",
        "ours",
    )
    swaks(
        smtp,
        "--from",
        "MAILER-DAEMON@example.com",
        "--header",
        "Subject: Undelivered",
        "--body",
        "bounce",
    )
    assert count(desk, Incident) == 0
    with desk.read() as conn:
        reasons = conn.execute(select(MailRow.outcome, MailRow.reason).order_by(MailRow.id)).all()
    assert [tuple(r) for r in reasons] == [
        ("ignored", "Auto-Submitted: auto-replied"),
        ("ignored", "the desk's own notification"),
        ("ignored", "sent by mailer-daemon@example.com"),
    ]


def test_a_message_without_a_sender_is_refused_and_nothing_created(
    smtp: MailServer, desk: Desk
) -> None:
    with (
        smtplib.SMTP("127.0.0.1", smtp.port, timeout=60) as client,
        pytest.raises(smtplib.SMTPDataError) as err,
    ):
        client.sendmail("", ["desk@example.com"], b"Subject: \xff\xfe garbage\r\n\r\n\x00\x01")
    assert err.value.smtp_code == 550
    assert b"no sender address" in err.value.smtp_error
    assert count(desk, Incident) == 0


def test_the_same_message_twice_is_taken_once(smtp: MailServer, desk: Desk) -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = (
        "john@example.com",
        "Wifi down",
        "<abc@example.com>",
    )
    msg.set_content("no wifi")
    send(smtp, msg)
    send(smtp, msg)
    assert count(desk, Incident) == 1 and count(desk, MailRow) == 1


def test_a_reply_comments_without_the_quoted_history_and_resumes_a_hold(
    smtp: MailServer, desk: Desk
) -> None:
    swaks(
        smtp,
        "--from",
        "john@example.com",
        "--header",
        "Subject: Outlook crashes",
        "--body",
        "It crashes.",
    )
    rec = queries.get_incident(desk, "INC0000001")
    dev = desk.actor("dev")
    rec = inc.start_work(desk, dev, rec.id, rec.version)
    rec = inc.hold(
        desk, dev, rec.id, rec.version, "awaiting_caller", comment="Which version do you run?"
    )
    assert rec.state is State.ON_HOLD
    body = (
        "Version 2405, build 17628.\n\nOn Mon, 2 Mar 2026 at 09:10, Incident Desk wrote:\n"
        "> Which version do you run?\n> --\n> Incident Desk\n"
    )
    out = swaks(
        smtp,
        "--from",
        "john@example.com",
        "--header",
        "From: John Smith <john@example.com>",
        "--header",
        "Subject: RE: [INC0000001] Outlook crashes",
        "--body",
        body,
    )
    assert "250 comment on INC0000001" in out
    rec = queries.get_incident(desk, "INC0000001")
    assert rec.state is State.IN_PROGRESS
    comments = [j.body for j in queries.journal(desk, rec.id) if j.kind.value == "comment"]
    assert (
        comments[-1] == "E-mail from John Smith <john@example.com>:\n\nVersion 2405, build 17628."
    )
    assert count(desk, Incident) == 1


@pytest.mark.parametrize(
    ("reply", "state", "answer"),
    [
        ("Yes, it works now. Thanks!", State.CLOSED, "closed: the caller confirmed"),
        (
            "Non, ça ne marche toujours pas.",
            State.IN_PROGRESS,
            "reopened: the caller says it is not fixed",
        ),
        ("Who changed my password?", State.RESOLVED, None),
    ],
)
def test_the_callers_reply_to_resolved_closes_reopens_or_comments(
    smtp: MailServer, desk: Desk, reply: str, state: State, answer: str | None
) -> None:
    swaks(
        smtp,
        "--from",
        "john@example.com",
        "--header",
        "Subject: Outlook crashes",
        "--body",
        "It crashes.",
    )
    rec = queries.get_incident(desk, "INC0000001")
    inc.resolve(
        desk, desk.actor("dev"), rec.id, rec.version, "solution_provided", "Repaired the profile"
    )
    body = f"{reply}\n\nOn Mon, 2 Mar 2026, Incident Desk wrote:\n> Resolved: please confirm or reject\n"
    out = swaks(
        smtp,
        "--from",
        "john@example.com",
        "--header",
        "Subject: Re: [INC0000001] Resolved",
        "--body",
        body,
    )
    assert "250 comment on INC0000001" in out
    if answer:
        assert answer in out
    rec = queries.get_incident(desk, "INC0000001")
    assert rec.state is state
    if state is State.IN_PROGRESS:
        assert rec.reopen_count == 1
        assert any(
            "The caller replied: Non, ça ne marche toujours pas." in j.body
            for j in queries.journal(desk, rec.id)
        )
    if state is State.CLOSED:
        assert rec.close_reason == "caller_confirmed"


def test_an_attachment_over_the_admins_lower_limit_is_refused_naming_it(
    smtp: MailServer, desk: Desk
) -> None:
    from app.models import Setting

    with desk.write() as s:  # the admin lowered the limit to 1 MB a file
        s.merge(Setting(key=attachment_service.LIMIT_SETTING, value=1))
    msg = EmailMessage()
    msg["From"] = "ops@example.com"
    msg["Subject"] = "Dump and log attached"
    msg.set_content("The dump and the log.")
    msg.add_attachment(
        b"\x00" * (2 * 1024 * 1024), "application", "octet-stream", filename="core.dump"
    )
    msg.add_attachment(b"10:00 crash\n", "text", "plain", filename="app.log")
    send(smtp, msg, "ops@example.com")
    rec = only_incident(desk)  # the mail's incident is kept
    assert rec.title == "Dump and log attached" and rec.description == "The dump and the log."
    assert [a.filename for a in attachment_service.attachments(desk, rec.id)] == ["app.log"]
    notes = [j.body for j in queries.journal(desk, rec.id)]
    assert "Not kept: core.dump is 2 MB: the limit is 1 MB a file (set by the admin)" in notes
    assert [h.new for h in queries.history(desk, rec.id) if h.field == "attachment"] == [
        "app.log (12 B)"
    ]


def test_the_largest_message_taken_follows_the_admins_limit() -> None:
    from app.intake.smtp import MAX_MESSAGE, message_limit

    mb = 1024 * 1024
    assert message_limit(25 * mb) == MAX_MESSAGE  # a 25 MB file, base64-encoded, fits in 40 MB
    assert message_limit(60 * mb) >= 60 * mb * 4 // 3 + mb  # a raised limit: its file still fits
