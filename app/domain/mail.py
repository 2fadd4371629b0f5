"""Mail as the desk reads it: a message's sender, subject, text (the HTML part converted when
there is no plain one), attachments, whether it is a reply to an incident (its number in the
subject), whether a machine sent it (auto-replies, bounces, lists, the desk's own
notifications: never an incident, or two desks would mail each other forever), and the reply
without the quoted history beneath it."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from app.domain import inbound

# the header the desk's own notifications carry: mail with it never opens an incident
OWN_HEADER = "X-IncidentDesk"
NUMBER_RE = re.compile(r"\bINC(\d{7,})\b", re.IGNORECASE)
NO_SUBJECT = "(no subject)"
MAX_SUBJECT = 300


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MailIn:
    """One message received, read."""

    sender_name: str
    sender_email: str
    subject: str
    body: str  # the text, the quoted history of a reply left out
    message_id: str | None
    incident_number: str | None  # INC0000042 named in the subject
    machine: str | None  # why a machine sent it (auto-reply, bounce, list, ours), or None
    attachments: tuple[MailAttachment, ...] = field(default=())


class _Text(HTMLParser):
    """HTML to readable text: blocks become lines, lists get bullets, scripts and styles go."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "tr",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "blockquote",
            "pre",
            "hr",
            "section",
            "article",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


# the line that starts the quoted history of a reply, in English, French, Dutch and German
_QUOTE_HEADS = (
    re.compile(r"^On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^Le .{0,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^Op .{0,200}(schreef|geschreven).{0,100}:\s*$", re.IGNORECASE),
    re.compile(r"^Am .{0,200}schrieb.{0,100}:\s*$", re.IGNORECASE),
    re.compile(
        r"^-{2,}\s*(Original Message|Message d'origine|Oorspronkelijk bericht|Ursprüngliche Nachricht)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(From|De|Van|Von)\s*:\s.+", re.IGNORECASE),
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: up to the first "On ... wrote:" (or its French, Dutch, German
    forms, an "Original Message" line, a forwarded header block), without "> " lines."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if any(p.match(stripped) for p in _QUOTE_HEADS):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept).strip()


def _header(msg: EmailMessage, name: str) -> str:
    """The header's text ("" without it). The standard library's header parser fails on some
    malformed headers (an empty Reply-To before a From holding a group raises AttributeError,
    among others): such a header is read as its raw text instead, never an exception. NUL
    characters are dropped (app.domain.inbound)."""
    try:
        return inbound.text(str(msg.get(name) or ""))
    except Exception:
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return inbound.text(" ".join(str(value).split()))
        return ""


def _sender(msg: EmailMessage) -> tuple[str, str]:
    """(name, address) of Reply-To, else From: a Reply-To without an address ("", junk) does
    not hide a From that has one. ("", "") when neither has an address (with an @): the
    envelope's sender, if any, is the sender then."""
    for header in ("Reply-To", "From"):
        try:
            pairs = getaddresses([_header(msg, header)])
        except (TypeError, ValueError, IndexError):
            pairs = []
        for name, address in pairs[:1]:
            address = address.strip().lower()
            if "@" in address:
                return name, address
    return "", ""


def machine_sent(msg: EmailMessage, sender: str) -> str | None:
    """Why this message came from a machine (RFC 3834 and what mailers really send), or None."""
    if _header(msg, OWN_HEADER):
        return "the desk's own notification"
    auto = (_header(msg, "Auto-Submitted") or "no").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _header(msg, header).strip()
        if value and header != "X-Auto-Response-Suppress":
            return f"{header}: {value}"
        if header == "X-Auto-Response-Suppress" and value.lower() in ("all", "oof", "autoreply"):
            return f"{header}: {value}"
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "a mailing list"
    local = sender.split("@", 1)[0].lower()
    if local in (
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "do-not-reply",
        "donotreply",
    ):
        return f"sent by {sender}"
    if msg.get_content_type() == "multipart/report":
        return "a delivery report"
    return None


def _decoded_text(part: EmailMessage) -> str:
    """The part's text in its declared charset; a wrong or missing charset falls back to
    UTF-8, then Latin-1 (which decodes any byte), never an exception. Lines end with a newline."""
    return _decode(part).replace("\r\n", "\n").replace("\r", "\n")


def _decode(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    for enc in (charset, "utf-8", "latin-1"):
        try:
            return payload.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")  # pragma: no cover - latin-1 decodes every byte


def read_message(raw: bytes) -> MailIn:
    """Parse a raw message (RFC 5322 bytes). Lenient as mail must be: what cannot be read is
    left out, never an exception; a message without a sender is the caller's to refuse."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    name, address = _sender(msg)
    try:
        subject = " ".join(_header(msg, "Subject").split())
    except (TypeError, ValueError):
        subject = ""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[MailAttachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        filename = part.get_filename()
        if (
            disposition == "attachment"
            or (filename and disposition != "inline")
            or (not ctype.startswith("text/") and ctype != "message/rfc822")
        ):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                attachments.append(
                    MailAttachment(
                        filename=inbound.text(filename or "attachment").strip()[:255]
                        or "attachment",
                        content_type=inbound.text(ctype),
                        data=data,
                    )
                )
            continue
        if ctype == "text/plain":
            plain.append(_decoded_text(part))
        elif ctype == "text/html":
            html.append(html_to_text(_decoded_text(part)))
    text = inbound.text("\n\n".join(t.strip() for t in plain if t.strip()) or "\n\n".join(html))
    number = NUMBER_RE.search(subject)
    return MailIn(
        sender_name=" ".join(name.split()) or address.split("@", 1)[0],
        sender_email=address,
        subject=subject[:MAX_SUBJECT],
        body=strip_quoted(text) if number else text.strip(),
        message_id=(_header(msg, "Message-ID").strip()[:300] or None),
        incident_number=f"INC{int(number.group(1)):07d}" if number else None,
        machine=machine_sent(msg, address),
        attachments=tuple(attachments),
    )


def title_of(subject: str) -> str:
    """The incident's title from a subject: without Re:/Fwd:/AW:/TR: prefixes; "(no subject)"."""
    text = subject
    while True:
        stripped = re.sub(
            r"^\s*(re|fw|fwd|aw|tr|wg|antw|réf|ref)\s*(\[\d+\])?\s*:\s*",
            "",
            text,
            flags=re.IGNORECASE,
        )
        if stripped == text:
            break
        text = stripped
    return " ".join(text.split()) or NO_SUBJECT


# -- the caller's answer to "resolved: please confirm" ------------------------------------------

CONFIRM = "confirm"
REJECT = "reject"

# Words and phrases understood in a reply to a resolved incident, by language. A reply that
# says it is not fixed is read first ("not fixed" holds "fixed"); a reply with neither is a
# comment, and the incident is left to the automatic closure.
REJECT_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "not fixed",
        "not resolved",
        "not solved",
        "isn't fixed",
        "is not fixed",
        "doesn't work",
        "does not work",
        "not working",
        "still broken",
        "still not",
        "still happening",
        "still the same",
        "happened again",
        "reopen",
        "reject",
    ),
    "fr": (
        "pas résolu",
        "pas resolu",
        "pas réglé",
        "pas regle",
        "ne fonctionne pas",
        "ne marche pas",
        "toujours pas",
        "toujours en panne",
        "rouvrir",
        "refuse",
    ),
    "nl": (
        "niet opgelost",
        "werkt niet",
        "werkt nog niet",
        "nog steeds",
        "niet in orde",
        "heropenen",
        "weiger",
    ),
}
CONFIRM_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "fixed",
        "resolved",
        "solved",
        "it works",
        "works now",
        "working now",
        "works fine",
        "confirm",
        "you can close",
        "please close",
        "ok to close",
        "all good",
    ),
    "fr": (
        "résolu",
        "resolu",
        "réglé",
        "regle",
        "ça marche",
        "ca marche",
        "ça fonctionne",
        "ca fonctionne",
        "fonctionne",
        "vous pouvez fermer",
        "vous pouvez clôturer",
        "confirme",
        "c'est bon",
    ),
    "nl": (
        "opgelost",
        "het werkt",
        "werkt weer",
        "werkt nu",
        "werkt",
        "mag gesloten",
        "mag dicht",
        "bevestig",
        "in orde",
    ),
}


def _has(text: str, phrases: dict[str, tuple[str, ...]]) -> bool:
    for words in phrases.values():
        for phrase in words:
            if re.search(rf"(?<!\w){re.escape(phrase)}", text):
                return True
    return False


def reply_verdict(text: str) -> str | None:
    """REJECT, CONFIRM or None for the new text of a reply (its first 500 characters)."""
    head = " ".join(text.lower().split())[:500].replace("’", "'")
    if not head:
        return None
    if _has(head, REJECT_WORDS):
        return REJECT
    if _has(head, CONFIRM_WORDS):
        return CONFIRM
    return None
