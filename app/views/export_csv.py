"""File > Export view as CSV…: every row of the view on screen, written off the GUI thread by
the same service as ``incidentdesk export csv``."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow

from app.domain.errors import ValidationError
from app.domain.wording import plural
from app.services.context import Desk
from app.services.export import export_queue_csv
from app.views.errors import show_problem
from app.views.queue_model import Query
from app.views.tasks import TaskRunner


def default_name(view_name: str) -> str:
    """'My groups' unassigned' -> 'my-groups-unassigned.csv'."""
    slug = re.sub(r"[^\w]+", "-", view_name.lower()).strip("-")
    return f"{slug or 'incidents'}.csv"


def export_view(
    window: QMainWindow, desk: Desk, runner: TaskRunner, query: Query, view_name: str
) -> None:
    """Ask where, then write the view there on a worker; the status bar says how many."""
    path, _ = QFileDialog.getSaveFileName(
        window,
        "Export view as CSV",
        str(Path.home() / default_name(view_name)),
        "CSV files (*.csv)",
    )
    if not path:
        return
    target = Path(path)

    def work() -> int:
        try:
            with target.open("w", newline="", encoding="utf-8") as f:
                return export_queue_csv(
                    desk, query.flt, f, sort=query.sort, descending=query.descending
                )
        except OSError as exc:
            raise ValidationError(f"Cannot write {target}: {exc.strerror or exc}") from exc

    runner.run(
        work,
        lambda n: window.statusBar().showMessage(
            f"Exported {plural(n, 'incident')} of “{view_name}” to {target}", 10000
        ),
        lambda exc: show_problem(window, str(exc)),
        what=f"the export of “{view_name}”",
    )
