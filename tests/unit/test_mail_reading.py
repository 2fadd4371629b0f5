"""Reading mail as plain values: titles, quoted history in four languages, machines, HTML."""

from __future__ import annotations

import pytest

from app.domain.mail import html_to_text, read_message, reply_verdict, strip_quoted, title_of


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("RE: Fwd: AW: printer", "printer"),
        ("TR: [INC0000001] VPN", "[INC0000001] VPN"),
        ("", "(no subject)"),
        ("  Re:  ", "(no subject)"),
        ("Réunion annulée", "Réunion annulée"),
    ],
)
def test_title_of(subject: str, title: str) -> None:
    assert title_of(subject) == title


@pytest.mark.parametrize(
    "head",
    [
        "On Mon, 2 Mar 2026 at 09:10, Desk <d@x> wrote:",
        "Le lun. 2 mars 2026 à 09:10, Desk a écrit :",
        "Op ma 2 mrt. 2026 om 09:10 schreef Desk <d@x>:",
        "Am Mo., 2. März 2026 um 09:10 schrieb Desk:",
        "-----Original Message-----",
        "From: Incident Desk <desk@example.com>",
    ],
)
def test_quoted_history_is_left_out(head: str) -> None:
    assert strip_quoted(f"Yes, fixed.\n\n{head}\n> old text\nold text") == "Yes, fixed."


def test_quote_marks_are_left_out_but_the_new_text_between_stays() -> None:
    assert strip_quoted("> question?\nanswer\n> more?\nmore") == "answer\nmore"


def test_html_to_text() -> None:
    assert html_to_text("<p>a &amp; b</p><script>x()</script><br>c") == "a & b\nc"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted: auto-replied"),
        ("Precedence: bulk\r\n", "Precedence: bulk"),
        ("X-Autoreply: yes\r\n", "X-Autoreply: yes"),
        ("List-Id: <ops.example.com>\r\n", "a mailing list"),
        ("X-IncidentDesk: notification\r\n", "the desk's own notification"),
        ("Auto-Submitted: no\r\n", None),
    ],
)
def test_machines(headers: str, why: str | None) -> None:
    raw = f"From: a@example.com\r\nSubject: s\r\n{headers}\r\nbody\r\n".encode()
    assert read_message(raw).machine == why


def test_a_reply_names_its_incident_and_reply_to_wins() -> None:
    raw = (
        b"From: Robot <robot@example.com>\r\nReply-To: Jane Doe <Jane@Example.com>\r\n"
        b"Subject: Re: [inc42] x\r\n\r\nbody\r\n"
    )
    mail = read_message(raw)
    assert (mail.sender_name, mail.sender_email) == ("Jane Doe", "jane@example.com")
    assert mail.incident_number is None  # INC and seven digits or more
    mail = read_message(raw.replace(b"inc42", b"inc0000042"))
    assert mail.incident_number == "INC0000042"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Yes, it works now. Thanks!", "confirm"),
        ("Fixed, you can close it", "confirm"),
        ("Oui, ça marche, merci", "confirm"),
        ("C'est résolu.", "confirm"),
        ("Het werkt weer, bedankt", "confirm"),
        ("Opgelost!", "confirm"),
        ("No, it is not fixed: same error", "reject"),
        ("It still happening after the reboot", "reject"),
        ("Non, ça ne marche toujours pas", "reject"),
        ("Ce n'est pas résolu", "reject"),
        ("Het werkt niet, nog steeds dezelfde fout", "reject"),
        ("Niet opgelost", "reject"),
        ("Who are you?", None),
        ("", None),
        ("unfixed toaster", None),
    ],
)
def test_reply_verdict_in_three_languages(text: str, verdict: str | None) -> None:
    assert reply_verdict(text) == verdict


def test_a_reply_to_without_an_address_does_not_hide_the_from() -> None:
    mail = read_message(
        b"Reply-To: undisclosed\r\nFrom: Marie Dupont <Marie.Dupont@example.com>\r\n"
        b"Subject: VPN\r\n\r\nDown.\r\n"
    )
    assert (mail.sender_name, mail.sender_email) == ("Marie Dupont", "marie.dupont@example.com")
    kept = read_message(b"Reply-To: desk@example.com\r\nFrom: marie@example.com\r\n\r\nx\r\n")
    assert kept.sender_email == "desk@example.com"


def test_headers_the_standard_library_cannot_parse_and_nul_characters() -> None:
    # an empty Reply-To before a From holding a group: email's parser raised AttributeError
    junk = read_message(b"Reply-To: \r\nFrom: Re: [INC0000000] ;printer\r\n\r\n")
    assert (junk.sender_name, junk.sender_email) == ("", "")  # no address: no sender
    mail = read_message(
        b"From: a@example.com\r\nSubject: NUL \x00here\r\nAuto-Submitted: auto\x00-replied\r\n"
        b"\r\nbody \x00too\r\n"
    )
    assert (mail.subject, mail.body, mail.machine) == (
        "NUL here",
        "body too",
        "Auto-Submitted: auto-replied",
    )
