"""bench/startup.py's probe: unset, it does nothing; set, the first paint of the sign-in dialog
is stamped and the dialog submitted with the given login (checked as usual), then the main
window's first paint is stamped and the application asked to quit."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from app.views import startup_probe
from app.views.signin import SignInDialog
from tests.qt.conftest import PASSWORD


def test_unset_it_watches_nothing(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(startup_probe.ENV_FILE, raising=False)
    widget = QWidget()
    qtbot.addWidget(widget)
    startup_probe.watch_main_window(widget)
    assert not widget.findChildren(startup_probe._FirstPaint)


def test_set_it_stamps_signs_in_and_quits(
    qtbot, world, runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    probe = tmp_path / "probe.txt"
    monkeypatch.setenv(startup_probe.ENV_FILE, str(probe))
    monkeypatch.setenv(startup_probe.ENV_LOGIN, f"ana:{PASSWORD}")
    dialog = SignInDialog(world.desk, runner)
    qtbot.addWidget(dialog)
    startup_probe.watch_sign_in(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)  # the real password check
    assert dialog.actor.username == "ana"

    quits: list[bool] = []
    window = QWidget()
    qtbot.addWidget(window)
    startup_probe.watch_main_window(window, lambda: quits.append(True))
    window.show()
    qtbot.waitUntil(lambda: bool(quits))
    names = [line.split()[0] for line in probe.read_text().splitlines()]
    assert names == ["signin", "main"]
