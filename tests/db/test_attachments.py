"""Attachments from the incident window's door on SQLite and PostgreSQL: the same file twice is
stored once, the admin's limit refuses a bigger file by name, the type comes from the bytes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.errors import PermissionDenied, ValidationError
from app.models import Attachment, AttachmentBlob, Setting
from app.services import attachments, catalog, defaults, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    catalog.add_group(d, root, "Service Desk", 1)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    return d


def _incident(desk: Desk, title: str = "Screen flickers") -> int:
    return inc.log_incident(
        desk, desk.actor("ana"), inc.NewIncident(title=title, impact=3, urgency=3)
    ).id


def _count(desk: Desk, model: type) -> int:
    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_same_file_twice_is_stored_once(desk: Desk) -> None:
    a, b = _incident(desk), _incident(desk, "Other")
    ana = desk.actor("ana")
    first = attachments.add_attachment(desk, ana, a, "shot.png", PNG)
    again = attachments.add_attachment(desk, ana, a, "copy of shot.png", PNG)
    elsewhere = attachments.add_attachment(desk, ana, b, "../../shot.png", PNG)
    assert first.sha256 == again.sha256 == elsewhere.sha256
    assert (_count(desk, AttachmentBlob), _count(desk, Attachment)) == (1, 3)
    assert elsewhere.filename == "shot.png" and first.content_type == "image/png"
    assert [x.filename for x in attachments.attachments(desk, a)] == [
        "shot.png",
        "copy of shot.png",
    ]
    record, data = attachments.content(desk, again.id)
    assert data == PNG and record.size == len(PNG)
    assert set(attachments.image_bytes(desk, a)) == {first.id, again.id}


def test_a_file_over_the_limit_is_refused_with_the_limit_named(desk: Desk) -> None:
    iid = _incident(desk)
    ana = desk.actor("ana")
    with pytest.raises(ValidationError, match=r"big.log is 30 MB: the limit is 25 MB a file"):
        attachments.add_attachment(desk, ana, iid, "big.log", b"x" * (30 * 1024 * 1024))
    with desk.write() as s:
        s.merge(Setting(key=attachments.LIMIT_SETTING, value=1))
    with pytest.raises(ValidationError, match=r"the limit is 1 MB a file"):
        attachments.add_attachment(desk, ana, iid, "two.bin", b"\x00" * (2 * 1024 * 1024))
    assert _count(desk, AttachmentBlob) == 0 and attachments.attachments(desk, iid) == []


def test_the_type_comes_from_the_bytes_and_final_incidents_refuse(desk: Desk) -> None:
    iid = _incident(desk)
    ana = desk.actor("ana")
    assert (
        attachments.add_attachment(desk, ana, iid, "fake.png", b"hello").content_type
        == "text/plain"
    )
    assert (
        attachments.add_attachment(desk, ana, iid, "x.txt", b"%PDF-1.7").content_type
        == "application/pdf"
    )
    inc.cancel(desk, desk.actor("dev"), iid, None, "Duplicate")
    with pytest.raises((PermissionDenied, Exception), match="Cancelled"):
        attachments.add_attachment(desk, ana, iid, "late.txt", b"late")


def test_the_admin_sets_the_limit_every_door_obeys_it_and_the_admin_audit_says_so(desk: Desk) -> None:
    from app.services.admin_audit import admin_history

    iid = _incident(desk)
    dev, ana = desk.actor("dev"), desk.actor("ana")
    assert attachments.limit_mb(desk) == 25
    with pytest.raises(PermissionDenied):
        attachments.set_limit_mb(desk, ana, 1)
    with pytest.raises(ValidationError, match="more than 0 and at most 1024 MB"):
        attachments.set_limit_mb(desk, dev, 0)
    attachments.set_limit_mb(desk, dev, 0.5, reason="the database is small")
    assert attachments.limit_mb(desk) == 0.5
    with pytest.raises(ValidationError, match=r"one.bin is 1 MB: the limit is 0.5 MB a file"):
        attachments.add_attachment(desk, ana, iid, "one.bin", b"\x00" * (1024 * 1024))
    [line] = admin_history(desk, "attachments")
    assert (line.field, line.old, line.new, line.reason) == (
        "Largest file kept",
        "25 MB",
        "0.5 MB",
        "the database is small",
    )
