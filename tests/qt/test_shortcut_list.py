"""F1's list says what the keys really do: every shortcut bound in the main window and the
incident window is listed, and every listed Ctrl shortcut of those windows is bound."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence, QShortcut

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.shortcuts import SHORTCUTS


def _bound(widget) -> set[str]:  # type: ignore[no-untyped-def]
    keys: set[str] = set()
    seqs = [seq for action in widget.findChildren(QAction) for seq in action.shortcuts()]
    seqs += [s.key() for s in widget.findChildren(QShortcut)]
    for seq in seqs:
        text = seq.toString(QKeySequence.SequenceFormat.PortableText)
        if text:
            keys.add(text.replace("Return", "Enter"))
    return keys


def _listed(where: str) -> set[str]:
    out: set[str] = set()
    for place, keys, _does in SHORTCUTS:
        if place == where:
            out |= {k.strip() for k in keys.split("/") if k.strip().startswith(("Ctrl", "F"))}
    return out


def test_the_f1_list_matches_the_bound_shortcuts(qtbot, world, ana_window) -> None:  # type: ignore[no-untyped-def]
    window = ana_window
    listed_anywhere = _listed("Anywhere")
    queue_keys = _bound(window) - {"Return", "Enter"}
    assert queue_keys - _listed("Queue") - listed_anywhere == set()
    assert _listed("Queue") - queue_keys == set()

    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Keyboard lights stay off"))
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
    window.open_incident(rec.id)
    qtbot.waitUntil(lambda: window.incident_window(rec.id) is not None)
    inc = window.incident_window(rec.id)
    incident_keys = _bound(inc)
    assert incident_keys - _listed("Incident") - listed_anywhere == set()
    assert _listed("Incident") - incident_keys == set()
    inc.close()
