"""F1: every keyboard shortcut, in one list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Queue", "Ctrl+N", "New incident"),
    ("Queue", "Enter / Ctrl+O", "Open the selected incident"),
    ("Queue", "Ctrl+M", "Assign the selected incidents to me"),
    ("Queue", "Ctrl+A", "Select every incident of the view (also the rows not read yet)"),
    ("Queue", "Ctrl+Shift+B", "Bulk change the selected incidents (supervisors)"),
    ("Queue", "Ctrl+F", "Search"),
    ("Queue", "F5", "Refresh"),
    ("Queue", "Ctrl+L", "Go to the queue"),
    ("Queue", "Ctrl+1", "Go to the saved views"),
    ("Queue", "Ctrl+2", "Show or hide the notifications"),
    ("Queue", "Ctrl+Shift+S", "Save the current filter as a view"),
    ("Queue", "Ctrl+Shift+P", "Problems (the problem records and known errors)"),
    ("Queue", "Ctrl+Q", "Quit"),
    ("New incident", "Ctrl+Enter", "Log the incident"),
    (
        "New incident",
        "Alt+1 … Alt+9",
        "Link the n-th similar incident as parent / apply the known error",
    ),
    ("New incident", "Ctrl+Shift+N", "Add the typed caller as a new caller"),
    ("New incident", "Esc", "Close (asks when something is typed)"),
    ("Incident", "Ctrl+S", "Save field changes"),
    ("Incident", "Ctrl+Enter", "Add the journal entry"),
    ("Incident", "Ctrl+M", "Assign to me"),
    ("Incident", "Ctrl+Shift+A", "Assign…"),
    ("Incident", "Ctrl+E", "Escalate to a group (functional)"),
    ("Incident", "Ctrl+Shift+E", "Escalate to the supervisor (hierarchical)"),
    ("Incident", "Ctrl+H", "Put on hold"),
    ("Incident", "Ctrl+U", "Resume"),
    ("Incident", "Ctrl+R", "Resolve"),
    ("Incident", "Ctrl+Shift+L", "Close (caller confirmed)"),
    ("Incident", "Ctrl+Shift+O", "Reopen"),
    ("Incident", "Ctrl+Shift+X", "Cancel the incident"),
    ("Incident", "Ctrl+Shift+J", "Mark major"),
    ("Incident", "F5", "Reload"),
    ("Incident", "Ctrl+W", "Close the window"),
    ("Anywhere", "F1", "This list"),
)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 3)
        table.setAccessibleName("Keyboard shortcuts")
        table.setHorizontalHeaderLabels(["Where", "Keys", "Does"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (where, keys, does) in enumerate(SHORTCUTS):
            for c, text in enumerate((where, keys, does)):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        # wide enough for the longest line ("Link the n-th similar incident as parent / ...")
        width = (
            table.horizontalHeader().length() + table.verticalScrollBar().sizeHint().width() + 48
        )
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(max(620, width), 640)
