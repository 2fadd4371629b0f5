"""The incident window's Attachments tab, driven like a user: a screenshot pasted into the
journal (Ctrl+V) is attached and shows as a thumbnail on another workstation; a dropped file is
attached; a file over the limit is refused with the limit named; the same file twice is kept once;
Save as writes the bytes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QGuiApplication, QImage, QTextDocument
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.models import AttachmentBlob
from app.services import attachments, incidents
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.incident.attachments_tab import AttachmentsTableModel
from app.views.main_window import MainWindow
from tests.qt.conftest import BOTH_ENGINES

CTRL = Qt.KeyboardModifier.ControlModifier


def _window(qtbot, desk, runner, actor, incident_id: int) -> IncidentWindow:  # type: ignore[no-untyped-def]
    win = IncidentWindow(desk, actor, runner, incident_id)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.record is not None and win._lookups is not None)
    return win


def _names(win: IncidentWindow) -> list[str]:
    m = win.attachments_tab.model
    return [m.index(r, 0).data() for r in range(m.rowCount())]


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_a_pasted_screenshot_shows_as_a_thumbnail_on_another_workstation(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Error dialog on start", impact=3, urgency=3))
    ana = _window(qtbot, world.desk, runner, world.ana, rec.id)
    ben_main = MainWindow(other_desk, other_desk.actor("ben"), runner, database="b.sqlite3")
    qtbot.addWidget(ben_main)
    ben_main.show()
    assert ben_main.feed.wait_ready()
    ben = ben_main.open_incident(rec.id)
    qtbot.waitUntil(lambda: ben.record is not None)

    shot = QImage(320, 200, QImage.Format.Format_RGB32)
    shot.fill(QColor("#3070c0"))
    QGuiApplication.clipboard().setImage(shot)
    ana.activateWindow()
    qtbot.waitUntil(ana.isActiveWindow)
    ana.journal_edit.setFocus()
    qtbot.keyClicks(ana.journal_edit, "See the screenshot")
    qtbot.keyClick(ana.journal_edit, Qt.Key.Key_V, CTRL)
    assert ana.journal_edit.toPlainText() == "See the screenshot"  # the image is not text
    qtbot.waitUntil(lambda: len(_names(ana)) == 1)
    assert _names(ana)[0].startswith("screenshot-") and _names(ana)[0].endswith(".png")
    assert ana.attachments_tab.model.index(0, 1).data() == "image/png"

    qtbot.waitUntil(lambda: len(_names(ben)) == 1, timeout=5000)
    thumb = ben.attachments_tab.model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert thumb is not None and not thumb.isNull()
    assert max(thumb.width(), thumb.height()) == 64
    # and in Ben's journal, at its time, as a picture
    qtbot.waitUntil(lambda: "Image" in ben.journal_view.toPlainText(), timeout=5000)
    assert _names(ben)[0] in ben.journal_view.toPlainText()
    picture = ben.journal_view.document().resource(
        QTextDocument.ResourceType.ImageResource.value, QUrl(f"attachment:{ben.attachments_tab.model.rows[0].id}")
    )
    assert isinstance(picture, QImage) and picture.width() == 64
    ben.grab().save("/tmp/journal_thumb.png")
    ben.tabs.setCurrentWidget(ben.attachments_tab)
    ben.grab().save("/tmp/attachments_ben.png")
    for w in (ana, ben):
        w.discard_ok = True
        w.close()
    ben_main.shutdown()
    runner.wait()
    QApplication.clipboard().clear()


def test_drop_twice_is_kept_once_over_the_limit_is_refused_and_save_as_writes(qtbot, world, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Log attached", impact=3, urgency=3))
    win = _window(qtbot, world.desk, runner, world.ana, rec.id)
    log = tmp_path / "vpn.log"
    log.write_bytes(b"10:00 tunnel down\n10:01 tunnel up\n")

    def drop(*paths: Path) -> None:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        event = QDropEvent(
            QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        win.dropEvent(event)

    drop(log)
    qtbot.waitUntil(lambda: _names(win) == ["vpn.log"])
    drop(log)
    qtbot.waitUntil(lambda: _names(win) == ["vpn.log", "vpn.log"])
    with world.desk.read() as conn:
        assert conn.execute(select(func.count()).select_from(AttachmentBlob)).scalar_one() == 1

    big = tmp_path / "capture.pcap"
    with big.open("wb") as f:
        f.truncate(30 * 1024 * 1024)
    drop(big)
    tab = win.attachments_tab
    refusal = "capture.pcap is 30 MB: the limit is 25 MB a file (set by the admin); nothing was attached"
    qtbot.waitUntil(win.banner.isVisible)  # said where the user looks, whichever tab is shown
    assert win.banner.text() == refusal and tab.message.text() == refusal
    assert _names(win) == ["vpn.log", "vpn.log"]

    win.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)
    assert tab.save_button.isEnabled()
    target = tmp_path / "saved.log"
    tab.save_to(tab.selected(), target)
    qtbot.waitUntil(target.exists)
    qtbot.waitUntil(lambda: target.read_bytes() == log.read_bytes())
    win.grab().save("/tmp/attachments_window.png")
    win.discard_ok = True
    win.close()
    runner.wait()


def test_the_attachments_model_passes_the_model_tester(qtmodeltester, world) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("x", impact=3, urgency=3))
    attachments.add_attachment(world.desk, world.ana, rec.id, "a.txt", b"hello")
    model = AttachmentsTableModel(world.desk.zone)
    model.set_rows(attachments.attachments(world.desk, rec.id), {})
    qtmodeltester.check(model)
    assert model.rowCount() == 1
