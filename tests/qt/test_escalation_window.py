"""Admin > Escalation rules, driven as an admin with the keyboard: a rule ticked with Space
(bold until saved, listed in words), a functional escalation pointed at a group with F2, saved
with a reason (the rules the sweep reads, the History tab); Revert; a change on another
workstation reaching the open window; an agent refused; the grid's model checked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from app.domain.escalation import EscalationRule, RuleAction
from app.services import escalation_rules, sla_policies
from app.views.admin.escalation_window import (
    ACTIONS,
    COLUMNS,
    EscalationWindow,
    RulesGridModel,
    open_escalation_window,
)
from tests.qt.conftest import open_main


def _window(qtbot, world, runner) -> EscalationWindow:  # type: ignore[no-untyped-def]
    window = EscalationWindow(world.desk, world.admin, runner)
    qtbot.addWidget(window)
    window.confirm = lambda _title, _text: True
    window.show()
    qtbot.waitUntil(lambda: window.policy.count() > 0 and window.words.count() > 0)
    return window


def _go(qtbot, window: EscalationWindow, action: RuleAction, clock: str, threshold: int) -> None:  # type: ignore[no-untyped-def]
    """Put the grid's current cell on (action, clock, threshold) with the arrow keys."""
    grid = window.grid
    grid.setFocus()
    grid.setCurrentIndex(window.model.index(0, 0))
    for _ in range(ACTIONS.index(action)):
        qtbot.keyClick(grid, Qt.Key.Key_Down)
    for _ in range(COLUMNS.index((clock, threshold))):
        qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert window.model.key(grid.currentIndex()) == (clock, threshold, action)


def _words(window: EscalationWindow) -> list[str]:
    return [window.words.item(i).text() for i in range(window.words.count())]


def test_an_admin_ticks_a_rule_points_it_at_a_group_and_saves(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    policy = window.policy_id
    assert policy is not None
    # the default policy's rules, as migrations gave them
    assert "At 75% of the resolution target: notify the group" in _words(window)
    assert not window.save_button.isEnabled()

    _go(qtbot, window, RuleAction.ESCALATE_FUNCTIONAL, "resolution", 100)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    index = window.grid.currentIndex()
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert index.data(Qt.ItemDataRole.FontRole).bold()  # changed, not saved
    assert index.data() == "next line"
    assert window.save_button.isEnabled()
    assert "At breach of the resolution target: escalate to the next line's group" in _words(
        window
    )

    qtbot.keyClick(window.grid, Qt.Key.Key_F2)  # pick where it goes
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QComboBox))
    combo = QApplication.focusWidget()
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Next line's first group",
        "Messaging (2nd line)",
        "Network (2nd line)",
    ]
    combo.setCurrentIndex(combo.findText("Network (2nd line)"))
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.grid.currentIndex().data() == "Network")

    _go(qtbot, window, RuleAction.NOTIFY_GROUP, "resolution", 75)  # untick a default one
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    assert "At 75% of the resolution target: notify the group" not in _words(window)

    qtbot.keyClicks(window.reason, "Network takes breaches; the group is told by the board")
    with qtbot.waitSignal(window.saved, timeout=5000):
        qtbot.keyClick(window.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.message.text().startswith("Saved"))
    assert "has 3 rules" in window.message.text()
    assert not window.save_button.isEnabled()
    assert not window.grid.currentIndex().data(Qt.ItemDataRole.FontRole)

    stored = escalation_rules.list_rules(world.desk, policy)
    assert EscalationRule(
        "resolution", 100, RuleAction.ESCALATE_FUNCTIONAL, world.network
    ) in [EscalationRule(r.clock, r.threshold, r.action, r.group_id) for r in stored]
    assert ("resolution", 75, RuleAction.NOTIFY_GROUP) not in [
        (r.clock, r.threshold, r.action) for r in stored
    ]
    qtbot.waitUntil(lambda: window.history_model.rowCount() == 1)
    _when, who, _name, was, now, why = window.history_model.rows[0]
    assert who == "Dev Admin" and why.startswith("Network takes breaches")
    assert "notify the group" in was and "(Network)" in now
    window.grab().save("/tmp/shots/escalation-rules.png")


def test_revert_drops_the_change_and_a_policy_switch_asks(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    before = dict(window.model.draft)
    _go(qtbot, window, RuleAction.FLAG, "response", 50)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    assert window.dirty
    asked: list[str] = []
    window.confirm = lambda _t, text: asked.append(text) or False  # type: ignore[func-returns-value]
    window.close()  # refused: the change is not saved
    assert window.isVisible() and asked == ["A change is not saved. Close and lose it?"]
    qtbot.mouseClick(window.revert_button, Qt.MouseButton.LeftButton)
    assert window.model.draft == before and not window.dirty
    assert window.message.text() == "Reverted to the saved rules"


def test_a_change_on_another_workstation_reaches_the_open_window(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    main = open_main(qtbot, world, runner, world.admin)
    try:
        window = main.open_escalation_window()
        assert isinstance(window, EscalationWindow)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.words.count() > 0)
        policy = sla_policies.policies(other_desk)[0]
        escalation_rules.set_rules(
            other_desk,
            other_desk.actor("admin"),
            policy.id,
            [EscalationRule("response", 50, RuleAction.FLAG)],
            reason="Flags only, for the pilot",
        )
        qtbot.waitUntil(
            lambda: _words(window) == ["At 50% of the response target: raise a flag"],
            timeout=10_000,
        )
        qtbot.waitUntil(lambda: window.history_model.rowCount() == 1)
        assert window.history_model.rows[0][5] == "Flags only, for the pilot"
    finally:
        main.shutdown()
        runner.wait()


def test_an_agent_is_refused(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        assert not window.escalation_action.isEnabled()
        assert window.escalation_action.toolTip() != ""
        assert window.open_escalation_window() is None
        assert open_escalation_window(world.desk, world.ana, runner) is None
        assert len(no_dialogs) == 2 and "ana is an agent" in no_dialogs[0]
    finally:
        window.shutdown()
        runner.wait()


def test_the_grid_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RulesGridModel()
    model.show(
        {("resolution", 100, RuleAction.ESCALATE_FUNCTIONAL): 2},
        {("resolution", 75, RuleAction.NOTIFY_GROUP): None},
        {2: "Network"},
    )
    qtmodeltester.check(model)
