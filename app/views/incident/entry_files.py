"""The files that go with the journal entry being written: a screenshot pasted with Ctrl+V, files
dropped on the editor or chosen with "Attach file…". They wait here (a thumbnail or a name each,
Delete takes one off) and are saved with the entry, in its transaction; a refusal (a file over the
admin's limit) keeps them and the text, so nothing typed or pasted is lost."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QWidget,
)

from app.domain.errors import ValidationError
from app.services.attachments import size_words
from app.views.incident.attachments_tab import THUMB, png_bytes


@dataclass(frozen=True, eq=False)
class PendingFile:
    """A file waiting for its entry: bytes already (a pasted image) or a path read on save."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    def read(self) -> bytes:
        """The bytes (off the GUI thread, when saving); a file that cannot be read says why."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"Cannot read {self.path}: {exc.strerror or exc}; the note was not added",
                field="attachment",
            ) from exc


def local_files(source: QMimeData) -> list[Path]:
    if not source.hasUrls():
        return []
    paths = [Path(u.toLocalFile()) for u in source.urls() if u.isLocalFile()]
    return [p for p in paths if p.is_file()]


class JournalEdit(QPlainTextEdit):
    """The new journal entry: text pastes as text; an image (a screenshot) pasted, or a file
    dropped, goes with the entry."""

    image_pasted = Signal(object)  # QImage
    files_dropped = Signal(list)  # list[Path]

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            source.hasImage() or bool(local_files(source)) or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.files_dropped.emit(files)
            return
        if source.hasImage():
            image = QImage(source.imageData())
            if not image.isNull():
                self.image_pasted.emit(image)
                return
        super().insertFromMimeData(source)


class _PendingList(QListWidget):
    removed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentItem():
            self.takeItem(self.currentRow())
            self.removed.emit()
            return
        super().keyPressEvent(event)


class EntryFiles(QWidget):
    """The waiting files, in a row under the editor (hidden while there are none)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = _PendingList()
        self.list.setAccessibleName("Files with this entry")
        self.list.setToolTip("Saved with the entry; Delete takes the selected one off")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB * 2 + 24, THUMB + 34))
        self.list.setFixedHeight(THUMB + 44)
        self.list.setMovement(QListView.Movement.Static)
        self.list.removed.connect(self._changed)
        self.attach_button = QPushButton("Attach &file…")
        self.attach_button.setToolTip(
            "Files to save with this entry (or drop them on it, or paste a screenshot: Ctrl+V)"
        )
        self.attach_button.clicked.connect(self.choose_files)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        self.list.hide()

    def pending(self) -> list[PendingFile]:
        out = []
        for r in range(self.list.count()):
            p = self.list.item(r).data(Qt.ItemDataRole.UserRole)
            assert isinstance(p, PendingFile)
            out.append(p)
        return out

    def names(self) -> list[str]:
        return [p.name for p in self.pending()]

    def _add(self, pending: PendingFile, icon: QIcon, size: int | None) -> None:
        text = pending.name if size is None else f"{pending.name}\n{size_words(size)}"
        item = QListWidgetItem(icon, text)
        item.setData(Qt.ItemDataRole.UserRole, pending)
        item.setToolTip(pending.name)
        self.list.addItem(item)
        self._changed()

    def add_image(self, image: QImage, name: str) -> None:
        data = png_bytes(image)
        thumb = image.scaled(
            THUMB,
            THUMB,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._add(PendingFile(name, data=data), QIcon(QPixmap.fromImage(thumb)), len(data))

    def add_paths(self, paths: list[Path]) -> None:
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        for path in paths:
            try:
                size: int | None = path.stat().st_size
            except OSError:
                size = None  # said when saving, with the reason
            self._add(PendingFile(path.name, path=path), icon, size)

    def choose_files(self) -> QFileDialog:
        """The file dialog, window-modal and without a loop of its own: the chosen files join
        the entry when the user accepts it."""
        dialog = QFileDialog(self, "Attach files to the entry")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda paths: self.add_paths([Path(p) for p in paths]))
        dialog.open()
        return dialog

    def saved(self, sent: list[PendingFile]) -> None:
        """The entry was added with `sent`: they leave the row (files added since stay)."""
        for r in reversed(range(self.list.count())):
            if self.list.item(r).data(Qt.ItemDataRole.UserRole) in sent:
                self.list.takeItem(r)
        self._changed()

    def _changed(self) -> None:
        self.list.setVisible(self.list.count() > 0)
        self.changed.emit()
