"""The agent's "available for automatic assignment" switch, in the main window's Incident menu
and status bar (app.services.assignment)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.domain.errors import DeskError
from app.services import assignment
from app.services.context import Actor, Desk
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

ON = "Available: automatic assignment may give you incidents"
OFF = "Away: automatic assignment gives you nothing"


class AvailabilityAction(QAction):
    """Checked: available. Read off the GUI thread at start; a toggle is saved the same way
    (and put back, with the reason, if it could not be)."""

    def __init__(self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__("Available for automatic &assignment", parent)
        self._desk, self._actor, self._runner, self._parent = desk, actor, runner, parent
        self.setCheckable(True)
        self.setChecked(True)
        self.setEnabled(False)  # until the database has said
        self.setStatusTip(ON)
        self.toggled.connect(self._toggled)
        self._quiet = False
        runner.run(lambda: assignment.is_available(desk, actor), self._read, key="availability")

    def _show(self, available: bool) -> None:
        self._quiet = True
        self.setChecked(available)
        self._quiet = False
        self.setStatusTip(ON if available else OFF)
        self.setToolTip(ON if available else OFF)

    def _read(self, available: bool) -> None:
        self._show(available)
        self.setEnabled(True)

    def _toggled(self, available: bool) -> None:
        if self._quiet:
            return
        self.setToolTip(ON if available else OFF)
        desk, actor = self._desk, self._actor

        def failed(exc: DeskError) -> None:
            self._show(not available)
            show_problem(self._parent, f"Your availability was not saved: {exc}")

        self._runner.run(
            lambda: assignment.set_available(desk, actor, available),
            self._show,
            failed,
            write=True,
            what="your availability",
        )
