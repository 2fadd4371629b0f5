"""Mail messages, generated, handed to the SMTP intake's message handler (both engines), as the
SMTP server hands them over: any headers, bodies, encodings and MIME structures are answered
250 (created, a comment, not opened, a duplicate) or refused with a reason (550/554), never an
exception (aiosmtpd would answer "500 Error" for it, and the sender would bounce the mail)."""

from __future__ import annotations

import asyncio
import base64

from aiosmtpd.smtp import Envelope
from hypothesis import event, example, given
from hypothesis import strategies as st

from app.intake.smtp import MailHandler
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import NASTY, TEXT, one_in

CHARSETS = st.sampled_from(
    ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16", "x-unknown", "", "utf-8'en'"]
)
ENCODINGS = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "bogus"])
HEADER_NAMES = st.sampled_from(
    [
        "From",
        "Reply-To",
        "Subject",
        "Message-ID",
        "Date",
        "To",
        "Auto-Submitted",
        "Precedence",
        "List-Id",
        "Return-Path",
        "X-Loop",
        "In-Reply-To",
        "Content-Type",
        "Content-Disposition",
    ]
)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    name = draw(
        st.one_of(
            st.sampled_from(["", "Marie Dupont", '"Dupont, Marie"', "=?utf-8?q?Andr=C3=A9?="]),
            NASTY,
        )
    )
    local = draw(st.sampled_from(["john", "marie.dupont", "", '"odd one"', "a@b"]))
    domain = draw(st.sampled_from(["example.com", "", "[127.0.0.1]", "ex ample.com"]))
    return f"{name} <{local}@{domain}>" if name else f"{local}@{domain}"


@st.composite
def header_values(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "address", "encoded", "broken", "number"]))
    if kind == "address":
        return draw(addresses())
    if kind == "encoded":
        raw = draw(NASTY).encode("utf-8", "surrogatepass")
        charset = draw(CHARSETS)
        how = draw(st.sampled_from(["B", "Q"]))
        payload = base64.b64encode(raw).decode() if how == "B" else raw.hex("=").upper()
        return f"=?{charset}?{how}?{payload}?="
    if kind == "broken":
        return draw(
            st.sampled_from(["=?utf-8?B?not base64?=", "=?", "<", '"', "(", ";;", "=?utf-8?Q?"])
        )
    if kind == "number":
        return f"Re: [INC{draw(st.integers(0, 10**9)):07d}] " + draw(NASTY)
    return draw(NASTY)


@st.composite
def headers(draw: st.DrawFn) -> list[str]:
    """Header lines; a value breaks its line now and then (a folded header, or a broken
    header block), else stays on one line."""

    def value(text: str) -> str:
        if one_in(draw, 8):
            return text.replace("\n", draw(st.sampled_from(["\r\n ", "\r\n", "\n"])))
        return " ".join(text.splitlines())

    lines = [
        f"{draw(st.one_of(HEADER_NAMES, st.from_regex(r'[A-Za-z-]{1,12}', fullmatch=True)))}: "
        f"{value(draw(header_values()))}"
        for _ in range(draw(st.integers(0, 6)))
    ]
    if not one_in(draw, 4):  # mostly with a sender
        sender = value(draw(st.one_of(addresses(), addresses(), header_values())))
        lines.insert(draw(st.integers(0, len(lines))), f"From: {sender}")
    return lines


@st.composite
def part(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """A MIME entity's lines: its Content-* headers, a blank line and its body."""
    ctype = draw(
        st.sampled_from(
            ["text/plain", "text/html", "application/pdf", "image/png", "message/rfc822"]
            + (["multipart/mixed", "multipart/alternative"] if depth < 2 else [])
        )
    )
    out = []
    if ctype.startswith("multipart/"):
        boundary = draw(st.sampled_from(["b1", "==x==", "", '"quoted b"']))
        out.append(f"Content-Type: {ctype}; boundary={boundary}")
        body = []
        for _ in range(draw(st.integers(0, 3))):
            body += [f"--{boundary.strip(chr(34))}", *draw(part(depth + 1))]
        if draw(st.booleans()):
            body.append(f"--{boundary.strip(chr(34))}--")
        return [*out, "", *body]
    charset = draw(CHARSETS)
    out.append(f"Content-Type: {ctype}" + (f"; charset={charset}" if charset else ""))
    encoding = draw(ENCODINGS)
    out.append(f"Content-Transfer-Encoding: {encoding}")
    if draw(st.booleans()):
        disposition = draw(st.sampled_from(["attachment", "inline", "weird", ""]))
        name = draw(st.one_of(NASTY, st.sampled_from(["a.pdf", "../../etc/passwd", "x" * 300])))
        form = draw(st.sampled_from(["plain", "2231", "none"]))
        if form == "plain":
            out.append(f'Content-Disposition: {disposition}; filename="{name}"')
        elif form == "2231":
            out.append(f"Content-Disposition: {disposition}; filename*=utf-8''{name}")
        else:
            out.append(f"Content-Disposition: {disposition}")
    text = draw(st.one_of(NASTY, TEXT))
    if encoding == "base64" and draw(st.booleans()):
        text = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
    return [*out, "", *text.splitlines()]


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    lines = [*draw(headers()), *draw(part())]
    text = "\r\n".join(lines) + "\r\n"
    raw = text.encode(draw(st.sampled_from(["utf-8", "latin-1"])), "replace")
    if one_in(draw, 10):
        raw = draw(st.binary(min_size=1, max_size=300))
    return raw


def handle(desk: Desk, raw: bytes, mail_from: str | None) -> str:
    envelope = Envelope()
    envelope.mail_from = mail_from
    envelope.rcpt_tos = ["desk@example.com"]
    envelope.content = envelope.original_content = raw
    handler = MailHandler(desk, desk.system())
    return asyncio.run(handler.handle_DATA(None, None, envelope))  # type: ignore[arg-type]


@cases(ci=25, long=2000)
@given(
    raw=messages(),
    mail_from=st.one_of(st.none(), st.sampled_from(["john@example.com", "", "<>", "no-at"])),
)
@example(
    raw=b"From: a@example.com\r\nSubject: NUL \x00 here\r\n\r\nbody \x00 too\r\n", mail_from=None
)
@example(
    raw=b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n",
    mail_from=None,
)
@example(  # the standard library's header parser raised AttributeError reading this Reply-To
    raw=b"Reply-To: \r\nFrom: Re: [INC0000000] ;printer\r\n\r\n", mail_from=None
)
@example(
    raw=b"Auto-Submitted: \x00 <john@example.com>\r\nFrom: a@example.com\r\n\r\n", mail_from=None
)
def test_any_message_is_taken_or_refused_with_a_reason(
    desk: Desk, raw: bytes, mail_from: str | None
) -> None:
    reply = handle(desk, raw, mail_from)
    code, _, text = reply.partition(" ")
    event(f"SMTP {code}")
    assert code in ("250", "550", "554"), reply
    assert text.strip(), reply
    assert "\n" not in reply and "\r" not in reply, reply
