"""Sign in: the user name is remembered, the password never is."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.views.settings import settings
from app.views.signin import SignInDialog


def test_sign_in_remembers_user_not_password(qtbot, world, runner) -> None:
    dialog = SignInDialog(world.desk, runner, database="test", demo_hint="Demo: password demo-pass")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "ana")
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert "Wrong user name or password" in dialog.message.text() and dialog.actor is None
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "demo-pass")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.actor is not None)
    assert dialog.actor.username == "ana"
    s = settings()
    stored = {k: str(s.value(k)) for k in s.allKeys()}
    assert "ana" in stored.values()
    assert not any("demo-pass" in v for v in stored.values())
    again = SignInDialog(world.desk, runner)
    qtbot.addWidget(again)
    assert again.username.text() == "ana"
