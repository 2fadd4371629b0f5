"""Admin > Categories and services, driven as an admin: a category's default group, impact and
urgency set with the keyboard and saved (the tree and the History tab show it), a subcategory
added under it, and the new-incident form starting from those defaults; a category deactivated
with what is under it; deletes refused with the referrers named; services and CIs with an owner
group added, edited and deactivated; a change on another workstation reaching the open window
(a draft kept); an agent refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.services import catalog, incidents, queries
from app.services.incidents import NewIncident
from app.views.admin.catalog_window import CatalogWindow, open_catalog_window
from app.views.new_incident import NewIncidentDialog
from tests.qt.conftest import BOTH_ENGINES, open_main


def _window(qtbot, world, runner) -> CatalogWindow:  # type: ignore[no-untyped-def]
    window = CatalogWindow(world.desk, world.admin, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.data is not None and window.category is not None)
    return window


def _tree(window: CatalogWindow, parent: QModelIndex | None = None) -> list[tuple[str, ...]]:
    """The tree as shown: one row per category, its path first, then its columns."""
    model = window.tree_model
    parent = parent or QModelIndex()
    out: list[tuple[str, ...]] = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        cells = tuple(model.index(row, c, parent).data() for c in range(model.columnCount()))
        out.append((model.data(index, Qt.ItemDataRole.ToolTipRole), *cells[1:]))
        out.extend(_tree(window, index))
    return out


def _pick_category(qtbot, window: CatalogWindow, category_id: int) -> None:  # type: ignore[no-untyped-def]
    window.tree.setFocus()
    window.tree.setCurrentIndex(window.tree_model.index_of(category_id))
    qtbot.waitUntil(lambda: window.category is not None and window.category.id == category_id)


def _choose(qtbot, combo, text: str) -> None:  # type: ignore[no-untyped-def]
    """Pick by typing, as a user does in a closed combo box."""
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text), combo.currentText()


def test_defaults_set_by_keyboard_a_subcategory_and_the_new_incident_form(
    qtbot, world, runner, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtmodeltester.check(window.tree_model)
    assert _tree(window) == [
        ("Network", "Network", "", "", "Active"),
        ("Network > VPN", "Network", "", "", "Active"),
        ("Software", "Service Desk", "", "", "Active"),
        ("Software > Email", "Messaging", "", "", "Active"),
    ]
    _pick_category(qtbot, window, world.email_category)
    _choose(qtbot, window.cat_impact, "2")
    _choose(qtbot, window.cat_urgency, "1")
    assert window.category_dirty
    qtbot.keyClicks(window.cat_reason, "Mail outages hurt")
    qtbot.keyClick(window.cat_urgency, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.cat_message.text() == "Saved Email")
    qtbot.waitUntil(lambda: _tree(window)[3][2] == "2 - Medium")
    assert _tree(window)[3] == ("Software > Email", "Messaging", "2 - Medium", "1 - High", "Active")
    qtbot.waitUntil(lambda: len(window.cat_history_model.rows) >= 3)
    assert {r[2:5] for r in window.cat_history_model.rows} >= {
        ("Default impact", "", "2"),
        ("Default urgency", "", "1"),
    }
    assert {r[5] for r in window.cat_history_model.rows[:2]} == {"Mail outages hurt"}
    qtmodeltester.check(window.cat_history_model)

    # a subcategory beside it (one level of subcategories: under Software); a subcategory is
    # not offered as a parent
    qtbot.mouseClick(window.cat_new_sub, Qt.MouseButton.LeftButton)
    assert window.cat_parent.currentText() == "Software" and window.cat_name.hasFocus()
    parents = [window.cat_parent.itemText(i) for i in range(window.cat_parent.count())]
    assert parents == ["(the top)", "Network", "Software"]
    qtbot.keyClicks(window.cat_name, "Outlook")
    qtbot.mouseClick(window.cat_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_tree(window)) == 5)
    assert _tree(window)[4] == ("Software > Outlook", "", "", "", "Active")
    assert window.category is not None and window.category.path == "Software > Outlook"
    qtmodeltester.check(window.tree_model)

    # an agent picks Email in the new-incident form: it starts from the category's defaults
    main = open_main(qtbot, world, runner, world.ana)
    try:
        dialog = main.new_incident()  # File > New incident (its Ctrl+N: tests/qt/test_new_incident)
        assert isinstance(dialog, NewIncidentDialog)
        qtbot.waitUntil(lambda: dialog.category.count() > 1)
        assert dialog.impact.currentText() == "3 - Low"
        qtbot.keyClicks(dialog.title, "Mail stuck in the outbox")
        dialog.category.setFocus()
        qtbot.keyClicks(dialog.category, "Softw")
        qtbot.keyClick(dialog.category, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: dialog.category.currentData() == world.email_category)
        assert (dialog.impact.currentText(), dialog.urgency.currentText()) == (
            "2 - Medium",
            "1 - High",
        )
        assert "Messaging" in dialog.route_info.text()
        qtbot.waitUntil(lambda: dialog.priority_info.text().startswith("2 - High"))
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: dialog.record is not None)
        assert (dialog.record.impact, dialog.record.urgency, dialog.record.priority) == (2, 1, 2)
    finally:
        main.shutdown()
        runner.wait()


def test_deactivated_with_what_is_under_it_and_deletes_refused(
    qtbot, world, runner, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk,
        world.ana,
        NewIncident("VPN drops", category_id=world.vpn_category, config_item_id=None),
    )
    window = _window(qtbot, world, runner)
    _pick_category(qtbot, window, world.vpn_category)
    qtbot.mouseClick(window.cat_delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.cat_message.error)
    assert window.cat_message.text() == (
        f"The category VPN cannot be deleted, referred to by 1 incident (1 open: {rec.number}). "
        "Deactivate it instead: it leaves the pickers and stays in the history"
    )
    assert any("cannot be deleted" in m for m in no_dialogs)
    network = next(c.id for c in window.data.categories if c.path == "Network")
    _pick_category(qtbot, window, network)
    qtbot.mouseClick(window.cat_active, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.cat_message.text()
            == "Network is deactivated with the one under it: not offered when logging"
        )
    )
    qtbot.waitUntil(lambda: _tree(window)[1][4] == "Deactivated")
    assert [r[4] for r in _tree(window)] == ["Deactivated", "Deactivated", "Active", "Active"]
    assert window.cat_active.text() == "&Activate"
    _pick_category(qtbot, window, world.vpn_category)
    qtbot.mouseClick(window.cat_active, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.cat_message.error)
    assert window.cat_message.text() == (
        "Network > VPN is under Network, which is deactivated: activate that first"
    )


def test_services_and_cis_with_an_owner_group(
    qtbot, world, runner, no_dialogs, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    vpn = next(s.id for s in queries.services(world.desk) if s.name == "VPN")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down", config_item_id=vpn))
    window = _window(qtbot, world, runner)
    window.tabs.setCurrentIndex(1)
    qtmodeltester.check(window.svc_model)
    assert window.svc_model.rows == [
        ("E-mail", "Service", "", "Active"),
        ("VPN", "Service", "", "Active"),
    ]
    qtbot.mouseClick(window.svc_new, Qt.MouseButton.LeftButton)
    assert window.svc_name.hasFocus()
    qtbot.keyClicks(window.svc_name, "db-07")
    _choose(qtbot, window.svc_kind, "Conf")
    _choose(qtbot, window.svc_group, "Netw")
    qtbot.keyClicks(window.svc_description, "Database server in room 2")
    qtbot.mouseClick(window.svc_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.svc_model.rows) == 3)  # by name, whatever the case
    assert window.svc_model.rows[0] == ("db-07", "Configuration item", "Network", "Active")
    assert window.service is not None and window.service.name == "db-07"
    qtbot.waitUntil(lambda: len(window.svc_history_model.rows) == 3)
    assert {r[2:5] for r in window.svc_history_model.rows} == {
        ("Configuration item", "", "db-07"),
        ("Owner group", "", "Network"),
        ("Description", "", "Database server in room 2"),
    }
    qtbot.mouseClick(window.svc_active, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.svc_model.rows[0][3] == "Deactivated")
    # VPN: refused, naming the incident
    window.svc_table.setFocus()
    window.svc_table.selectRow(2)
    qtbot.waitUntil(lambda: window.service is not None and window.service.name == "VPN")
    qtbot.mouseClick(window.svc_delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.svc_message.error)
    assert window.svc_message.text().startswith(
        f"The service VPN cannot be deleted, referred to by 1 incident (1 open: {rec.number})"
    )
    # a name taken: said, the field gets the focus, the typing stays
    window.svc_name.selectAll()
    qtbot.keyClicks(window.svc_name, "E-mail")
    qtbot.mouseClick(window.svc_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "exists already" in window.svc_message.text())
    assert window.svc_name.text() == "E-mail" and window.svc_name.hasFocus()
    assert catalog.find_service(world.desk, "VPN").active


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_a_change_on_another_workstation_reaches_the_open_window(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    main = open_main(qtbot, world, runner, world.admin)
    try:
        window = main.open_catalog_window()
        assert isinstance(window, CatalogWindow)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.category is not None)
        _pick_category(qtbot, window, world.email_category)
        qtbot.keyClicks(window.cat_name, " and calendars")
        catalog.add_category(other_desk, other_desk.actor("admin"), "Hardware", default_impact=2)
        qtbot.waitUntil(lambda: len(_tree(window)) == 5, timeout=10_000)
        assert ("Hardware", "", "2 - Medium", "", "Active") in _tree(window)
        assert window.cat_name.text() == "Email and calendars"
        assert window.cat_message.text().startswith("Changed on another workstation")
        assert window.category is not None and window.category.id == world.email_category
    finally:
        main.shutdown()
        runner.wait()


def test_an_agent_is_refused(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        assert not window.catalog_action.isEnabled()
        assert window.catalog_action.toolTip().startswith("Only an admin may configure")
        assert window.open_catalog_window() is None
        assert open_catalog_window(world.desk, world.ana, runner) is None
        assert len(no_dialogs) == 2 and "ana is an agent" in no_dialogs[0]
    finally:
        window.shutdown()
        runner.wait()


def test_an_open_new_incident_form_follows_the_catalog(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    main = open_main(qtbot, world, runner, world.ana)
    try:
        dialog = main.new_incident()
        assert isinstance(dialog, NewIncidentDialog)
        qtbot.waitUntil(lambda: dialog.category.count() > 1)
        dialog.category.setCurrentIndex(dialog.category.findData(world.email_category))
        admin = other_desk.actor("admin")
        catalog.add_category(other_desk, admin, "Hardware", default_impact=2)
        catalog.add_service(other_desk, admin, "Printers")
        catalog.set_service_active(other_desk, admin, "VPN", False)
        qtbot.waitUntil(lambda: dialog.category.findText("Hardware") >= 0, timeout=10_000)
        qtbot.waitUntil(lambda: dialog.service.findText("VPN") < 0, timeout=10_000)
        assert dialog.category.currentData() == world.email_category  # the agent's pick stays
        assert [dialog.service.itemText(i) for i in range(dialog.service.count())] == [
            "(none)", "E-mail", "Printers",
        ]  # fmt: skip
        assert dialog.also_affects.count() == 2
        dialog.reject()
    finally:
        main.shutdown()
        runner.wait()


def test_every_alt_letter_is_unique_on_each_tab(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    from tests.qt.test_groups_window import _letters

    window = _window(qtbot, world, runner)
    for tab, new in ((0, window.cat_new), (1, window.svc_new)):
        window.tabs.setCurrentIndex(tab)
        for _state in ("selected", "new"):
            letters = _letters(window)
            assert len(letters) == len(set(letters)) and len(letters) >= 12, letters
            qtbot.mouseClick(new, Qt.MouseButton.LeftButton)
