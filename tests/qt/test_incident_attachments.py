"""Attachments in the incident window, driven like a user: a screenshot pasted into the journal
(Ctrl+V) goes with the entry and shows as a thumbnail under it on another workstation; files
dropped on the entry go with it, one over the limit refuses the entry and keeps everything, a
file's link in the journal opens it; a file dropped on the window is attached; over the limit
it is refused with the limit named; the same file twice is kept once; Save as writes the bytes
back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDropEvent,
    QGuiApplication,
    QImage,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.models import AttachmentBlob, Setting
from app.services import attachments, incidents, queries
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
def test_a_screenshot_pasted_into_the_journal_shows_under_its_entry_on_another_workstation(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
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
    # it waits with the entry being written, a thumbnail under the editor
    [waiting] = ana.entry_files.names()
    assert waiting.startswith("screenshot-") and waiting.endswith(".png")
    assert ana.entry_files.list.isVisible()
    assert not ana.entry_files.list.item(0).icon().isNull()
    ana.grab().save("/tmp/journal_pending.png")
    assert _names(ana) == []  # nothing written before the entry is
    qtbot.keyClick(ana.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: _names(ana) == [waiting])
    qtbot.waitUntil(lambda: ana.entry_files.names() == [] and ana.journal_edit.toPlainText() == "")
    assert not ana.entry_files.list.isVisible()
    [entry] = [j for j in incidents_journal(world.desk, rec.id) if j.body == "See the screenshot"]
    [kept] = attachments.attachments(world.desk, rec.id)
    assert kept.journal_id == entry.id and kept.content_type == "image/png"
    assert any(h.field == "attachment" and h.new_text.startswith(waiting) for h in queries.history(world.desk, rec.id))

    # Ben's window follows the live feed: the entry, its thumbnail under it
    qtbot.waitUntil(lambda: "See the screenshot" in ben.journal_view.toPlainText(), timeout=5000)
    qtbot.waitUntil(lambda: waiting in ben.journal_view.toPlainText(), timeout=5000)
    picture = ben.journal_view.document().resource(QTextDocument.ResourceType.ImageResource.value, QUrl(f"attachment:{kept.id}"))
    assert isinstance(picture, QImage) and (picture.width(), picture.height()) == (240, 150)
    html = ben.journal_view.toHtml()
    assert html.index("See the screenshot") < html.index(f"attachment:{kept.id}")  # under its entry
    assert "Image ·" not in ben.journal_view.toPlainText()  # shown once, with its entry
    thumb = ben.attachments_tab.model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert thumb is not None and not thumb.isNull()
    history = [ben.history_table.item(r, 2).text() + " " + ben.history_table.item(r, 3).text() for r in range(ben.history_table.rowCount())]
    assert any(h.startswith(f"Attachment — → {waiting}") for h in history), history
    ben.grab().save("/tmp/journal_thumb.png")
    for w in (ana, ben):
        w.discard_ok = True
        w.close()
    ben_main.shutdown()
    runner.wait()
    QApplication.clipboard().clear()


def test_files_dropped_on_the_entry_go_with_it_and_a_refusal_keeps_them(qtbot, world, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Tunnel flaps", impact=3, urgency=3))
    win = _window(qtbot, world.desk, runner, world.ana, rec.id)
    with world.desk.write() as s:  # the admin's limit: 1 MB a file
        s.merge(Setting(key=attachments.LIMIT_SETTING, value=1))
    log = tmp_path / "vpn.log"
    log.write_bytes(b"10:00 tunnel down\n")
    big = tmp_path / "capture.pcap"
    big.write_bytes(b"\x00" * (2 * 1024 * 1024))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(log)), QUrl.fromLocalFile(str(big))])
    assert win.journal_edit.canInsertFromMimeData(mime)
    win.journal_edit.insertFromMimeData(mime)  # what a drop on the editor hands it
    assert win.entry_files.names() == ["vpn.log", "capture.pcap"]
    assert win.journal_edit.toPlainText() == ""  # no path typed into the note
    win.journal_edit.setFocus()
    qtbot.keyClicks(win.journal_edit, "Logs from the concentrator")
    qtbot.keyClick(win.journal_edit, Qt.Key.Key_Return, CTRL)
    refusal = "capture.pcap is 2 MB: the limit is 1 MB a file (set by the admin); nothing was added"
    qtbot.waitUntil(lambda: refusal in win.banner.text())
    # nothing lost, nothing half-written
    assert win.journal_edit.toPlainText() == "Logs from the concentrator"
    assert win.entry_files.names() == ["vpn.log", "capture.pcap"]
    assert _names(win) == [] and "Logs from the concentrator" not in win.journal_view.toPlainText()
    win.entry_files.list.setFocus()
    win.entry_files.list.setCurrentRow(1)
    qtbot.keyClick(win.entry_files.list, Qt.Key.Key_Delete)  # takes the big one off
    assert win.entry_files.names() == ["vpn.log"]
    qtbot.keyClick(win.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: _names(win) == ["vpn.log"])
    qtbot.waitUntil(lambda: not win.banner.isVisible())  # the refusal went with its cause
    qtbot.waitUntil(lambda: "File vpn.log · text/plain · 18 B" in win.journal_view.toPlainText())
    [kept] = win.attachments_tab.model.rows
    opened: list[QUrl] = []
    handler = _Opened(opened)
    QDesktopServices.setUrlHandler("file", handler, "open")  # the desktop's application, here
    try:
        win.journal_view.anchorClicked.emit(QUrl(f"attachment:{kept.id}"))  # a click on its link
        qtbot.waitUntil(lambda: bool(opened))
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert Path(opened[0].toLocalFile()).read_bytes() == log.read_bytes()
    win.grab().save("/tmp/journal_files.png")
    win.discard_ok = True
    win.close()
    runner.wait()


class _Opened(QObject):
    def __init__(self, seen: list[QUrl]) -> None:
        super().__init__()
        self.seen = seen

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.seen.append(url)


def incidents_journal(desk, incident_id: int):  # type: ignore[no-untyped-def]
    return queries.journal(desk, incident_id)


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
