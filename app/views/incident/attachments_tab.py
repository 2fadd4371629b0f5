"""The incident window's Attachments tab: the files kept with the incident (images as
thumbnails), Add files…, Open and Save as…; the window adds dropped files and screenshots pasted
into the journal through `add_files` / `add_image`. Bytes are read and written off the GUI
thread; the database keeps them (app.services.attachments)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.domain.wording import local_time
from app.services import attachments
from app.services.attachments import AttachmentRecord
from app.services.context import Actor, Desk
from app.views.colors import error_look
from app.views.tasks import TaskRunner

COLUMNS = ("Name", "Type", "Size", "Added")
THUMB = 64
PREVIEW = 240  # an image in the journal: a screenshot still readable at a glance
Index = QModelIndex | QPersistentModelIndex


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


class AttachmentsTableModel(QAbstractTableModel):
    def __init__(self, zone: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.rows: list[AttachmentRecord] = []
        self.thumbs: dict[int, QPixmap] = {}
        self.previews: dict[int, QImage] = {}  # larger, for the journal

    def set_rows(self, rows: list[AttachmentRecord], images: dict[int, bytes]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        for key, data in images.items():
            if key not in self.thumbs:
                image = QImage.fromData(data)
                if not image.isNull():
                    self.previews[key] = (
                        image
                        if max(image.width(), image.height()) <= PREVIEW
                        else image.scaled(
                            PREVIEW,
                            PREVIEW,
                            Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )
                    self.thumbs[key] = QPixmap.fromImage(
                        image.scaled(
                            THUMB,
                            THUMB,
                            Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        a = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                a.filename,
                a.content_type,
                size_text(a.size),
                local_time(a.added_at, self.zone),
            )[index.column()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return self.thumbs.get(a.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{a.filename} · {a.content_type} · {a.size:,} bytes"
        return None

    def record_at(self, row: int) -> AttachmentRecord | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


def png_bytes(image: QImage) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    buffer.close()
    return bytes(array.data())


class AttachmentsTab(QWidget):
    changed = Signal()  # a file was attached here: the window reloads
    refused = Signal(str)  # why a file was not attached (the window's banner says it too)

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.incident_id: int | None = None
        self.model = AttachmentsTableModel(desk.zone, self)
        self.table = QTableView()
        self.table.setAccessibleName("Attachments")
        self.table.setModel(self.model)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.hint = QLabel("Drop files on the window, or paste a screenshot in the journal")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Attachment problem")
        error_look(self.message)
        self.message.hide()
        self.add_button = QPushButton("Add &files…")
        self.open_button = QPushButton("&Open")
        self.save_button = QPushButton("Sav&e as…")
        self.add_button.clicked.connect(self.choose_files)
        self.open_button.clicked.connect(self.open_selected)
        self.save_button.clicked.connect(self.save_selected)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self._update()

    def fill(
        self, incident_id: int, rows: list[AttachmentRecord], images: dict[int, bytes]
    ) -> None:
        self.incident_id = incident_id
        self.model.set_rows(rows, images)
        self._update()

    def selected(self) -> AttachmentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def _update(self) -> None:
        has = self.selected() is not None
        self.open_button.setEnabled(has)
        self.save_button.setEnabled(has)

    # -- adding -----------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self._add(path.name, path.read_bytes)

    def add_image(self, image: QImage, name: str) -> None:
        data = png_bytes(image)
        self._add(name, lambda: data)

    def _add(self, name: str, read: Callable[[], bytes]) -> None:
        if self.incident_id is None:
            return
        desk, actor, iid = self.desk, self.actor, self.incident_id

        def work() -> AttachmentRecord:
            try:
                data = read()
            except OSError as exc:
                raise DeskError(f"Cannot read {name}: {exc.strerror or exc}") from exc
            return attachments.add_attachment(desk, actor, iid, name, data)

        self.runner.run(work, self._added, self._failed, write=True, what=f"attaching {name}")

    def _added(self, _record: AttachmentRecord) -> None:
        self.message.hide()
        self.changed.emit()

    def _failed(self, exc: DeskError) -> None:
        self.message.setText(str(exc))
        self.message.show()
        self.refused.emit(str(exc))

    # -- reading ----------------------------------------------------------------------------
    def save_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, "Save attachment", a.filename)
        if target:
            self.save_to(a, Path(target))

    def save_to(
        self, a: AttachmentRecord, target: Path, then: Callable[[Path], object] | None = None
    ) -> None:
        desk = self.desk

        def work() -> Path:
            _record, data = attachments.content(desk, a.id)
            try:
                target.write_bytes(data)
            except OSError as exc:
                raise DeskError(f"Cannot write {target}: {exc.strerror or exc}") from exc
            return target

        def done(path: Path) -> None:
            if then is not None:
                then(path)

        self.runner.run(work, done, self._failed, what=f"saving {a.filename}")

    def open_selected(self) -> None:
        a = self.selected()
        if a is not None:
            self.open_record(a)

    def open_record(self, a: AttachmentRecord) -> None:
        """A copy in a new temporary folder, opened with the desktop's application for it."""
        folder = Path(tempfile.mkdtemp(prefix="incidentdesk-"))
        self.save_to(
            a, folder / a.filename, lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p)))
        )
