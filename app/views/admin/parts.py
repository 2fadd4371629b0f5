"""Pieces the catalog windows share (groups, categories, services): a read-only list table, the
History tab's table of the admin audit, the message line under a form, and the refusal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from app.domain.errors import PermissionDenied
from app.domain.roles import Permission
from app.domain.sla_config import AdminAuditRecord
from app.domain.wording import local_time
from app.services.context import Actor
from app.views.admin.models import RowsTableModel
from app.views.colors import error_look

HISTORY_HEADERS = ("When", "Who", "What", "Was", "Now", "Why")


def may_configure(actor: Actor) -> str | None:
    """None when `actor` may shape the catalog, else why not (the services' own words)."""
    try:
        actor.require(Permission.CONFIGURE)
    except PermissionDenied as exc:
        return str(exc)
    return None


def list_table(model: RowsTableModel, name: str, parent: QWidget | None = None) -> QTableView:
    """A read-only table of whole rows, one selected at a time."""
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setModel(model)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def history_rows(entries: Sequence[AdminAuditRecord], zone: tzinfo) -> list[tuple[str, ...]]:
    return [
        (local_time(e.at, zone), e.who or "", e.field, e.old or "", e.new or "", e.reason or "")
        for e in entries
    ]


class Message(QLabel):
    """What the last action did, or what is wrong (the error look)."""

    def __init__(self) -> None:
        super().__init__(" ")
        self.setWordWrap(True)
        self._plain = (self.palette(), self.font())
        self.error = False

    def say(self, text: str, *, error: bool = False) -> None:
        self.setText(text)
        self.error = error
        if error:
            error_look(self)
        else:
            self.setStyleSheet("")
            self.setPalette(self._plain[0])
            self.setFont(self._plain[1])
