"""The keyboard: every underlined letter drawn in a window reaches what it names (a label its
editor, a button its click, a tab its page), no letter is drawn twice in one window, and the
new-incident form's Tab order reads top to bottom, Title two keys from Caller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QTabBar, QWidget

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.mnemonics import drawn_mnemonics, mnemonic_letter
from app.views.new_incident import NewIncidentDialog

ALT = Qt.KeyboardModifier.AltModifier


def _check_every_mnemonic(qtbot, window: QWidget, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    drawn = drawn_mnemonics(window)
    letters = [m.letter for m in drawn]
    assert sorted(letters) == sorted(set(letters)), f"a letter is drawn twice: {sorted(letters)}"
    assert set(letters) == expected
    for m in drawn:
        key = getattr(Qt.Key, f"Key_{m.letter.upper()}")
        where = QApplication.focusWidget() or window
        if isinstance(m.source, QTabBar):
            other = 0 if m.tab != 0 else 1
            m.source.setCurrentIndex(other)
            qtbot.keyClick(where, key, ALT)
            assert m.source.currentIndex() == m.tab, f"Alt+{m.letter} ({m.source.tabText(m.tab)})"
        elif isinstance(m.source, QAbstractButton):
            if not m.source.isEnabled():
                continue
            with qtbot.waitSignal(m.source.clicked, timeout=2000):
                qtbot.keyClick(where, key, ALT)
            opened = QApplication.activeModalWidget()  # the button opened a dialog: closed again
            if opened is not None and opened is not window:
                opened.close()
                qtbot.waitUntil(lambda: QApplication.activeModalWidget() in (None, window))
                window.activateWindow()
                qtbot.waitUntil(window.isActiveWindow)
        else:
            assert m.target is not None, f"Alt+{m.letter} ({m.source.text()}) has nothing to focus"
            target = m.target.focusProxy() or m.target
            if not target.isEnabled():
                continue
            qtbot.keyClick(where, key, ALT)
            qtbot.waitUntil(lambda t=target: QApplication.focusWidget() is t)


def _form(qtbot, window) -> NewIncidentDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 1)
    return dialog


def test_every_letter_of_the_new_incident_form_works(qtbot, world, ana_window) -> None:
    dialog = _form(qtbot, ana_window)
    _check_every_mnemonic(qtbot, dialog, set("cthesfiudronl"))
    dialog.grab().save("/tmp/shots/form-keys.png")
    dialog._dirty_ok = True
    dialog.reject()


def test_tab_order_reads_the_form_top_to_bottom(qtbot, world, ana_window) -> None:
    dialog = _form(qtbot, ana_window)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.caller.setFocus()
    seen = [dialog.caller]
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert dialog.title in seen[:4], [w.accessibleName() or w.objectName() for w in seen]
    names = [w.accessibleName() or getattr(w, "text", lambda: "")() for w in seen]
    assert names[:10] == [
        "Caller", "New caller…", "Title", "Description", "Channel", "Category", "Affected service",
        "Also affects", "Impact", "Urgency",
    ]
    tops = [w.mapTo(dialog, w.rect().topLeft()).y() for w in seen[:10]]
    assert tops == sorted(tops)  # never back up the form (Impact and Urgency share a row)
    dialog._dirty_ok = True
    dialog.reject()


def test_every_letter_of_the_incident_window_works(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Mnemonics everywhere"))
    inc = IncidentWindow(world.desk, world.ana, runner, rec.id)
    qtbot.addWidget(inc)
    inc.show()
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    _check_every_mnemonic(qtbot, inc, set("tdhcgiusvjylakmf"))
    inc.close()


def test_every_letter_of_the_action_dialogs_works(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Dialogs by keyboard"))
    rec = incidents.assign_to_me(world.desk, world.ana, rec.id, rec.version)
    inc = IncidentWindow(world.desk, world.ana, runner, rec.id)
    qtbot.addWidget(inc)
    inc.show()
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    for name in ("assign", "escalate", "escalate_up", "hold", "resolve"):
        dialog = inc.trigger(name)
        assert dialog is not None, name
        qtbot.waitUntil(dialog.isVisible)
        letters = {m.letter for m in drawn_mnemonics(dialog)}
        _check_every_mnemonic(qtbot, dialog, letters)
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())
    inc.close()


def test_every_letter_of_the_main_window_and_its_menus_works(qtbot, world, ana_window) -> None:
    """Alt+letter opens each menu of the menu bar; inside a menu, each item's letter is its own
    and pressing it triggers that item (its own slot swapped for a probe: nothing runs)."""
    window = ana_window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    bar = window.menuBar()
    titles = [a for a in bar.actions() if a.menu() is not None and a.isVisible()]
    letters = [mnemonic_letter(a.text()) for a in titles]
    assert None not in letters, [a.text() for a in titles]
    drawn = letters + [m.letter for m in drawn_mnemonics(window)]
    assert sorted(drawn) == sorted(set(drawn)), f"a letter is drawn twice in the main window: {sorted(drawn)}"
    assert {"f", "i", "v", "h"} <= set(letters)
    for title, letter in zip(titles, letters, strict=True):
        menu = title.menu()
        items = [a for a in menu.actions() if not a.isSeparator() and a.isVisible()]
        item_letters = [mnemonic_letter(a.text()) for a in items]
        assert None not in item_letters, f"{title.text()}: {[a.text() for a in items]}"
        assert sorted(item_letters) == sorted(set(item_letters)), f"{title.text()}: {item_letters}"
        for item, item_letter in zip(items, item_letters, strict=True):
            if not item.isEnabled():
                continue
            fired: list[bool] = []
            item.triggered.disconnect()
            item.triggered.connect(lambda *_a, f=fired: f.append(True))
            qtbot.keyClick(QApplication.focusWidget() or window, getattr(Qt.Key, f"Key_{letter.upper()}"), ALT)
            qtbot.waitUntil(menu.isVisible)
            qtbot.keyClick(menu, getattr(Qt.Key, f"Key_{item_letter.upper()}"))
            qtbot.waitUntil(lambda f=fired: f == [True])
            qtbot.waitUntil(lambda m=menu: not m.isVisible())
