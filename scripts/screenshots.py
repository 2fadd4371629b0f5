"""Regenerate docs/screenshots/*.png from the real windows on demo data (offscreen).

.venv/bin/python scripts/screenshots.py [--incidents 3000] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=3000)
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QDeadlineTimer, QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from app.db.engine import make_engine
    from app.demo.loader import load_demo
    from app.services import defaults, queries
    from app.services.context import Desk
    from app.views.main_window import MainWindow
    from app.views.new_incident import NewIncidentDialog
    from app.views.tasks import TaskRunner

    tmp = Path(tempfile.mkdtemp(prefix="incidentdesk-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    app = QApplication(sys.argv)
    app.setFont(QFont("DejaVu Sans", 10))
    engine = make_engine(f"sqlite:///{tmp / 'demo.sqlite3'}")
    defaults.upgrade_database(engine)
    desk = Desk(engine)
    load_demo(desk, args.incidents)
    agent = next(a for a in queries.agents(desk) if a.role == "agent" and a.group_names)
    actor = desk.actor(agent.username)
    runner = TaskRunner()

    def settle(ms: int = 600) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        runner.wait(5000)
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, QDeadlineTimer(50))

    window = MainWindow(desk, actor, runner, database=f"sqlite:///{tmp.name}/demo.sqlite3")
    window.resize(1600, 880)
    window.show()
    window.select_view("All open")
    settle(1200)
    window.table.setCurrentIndex(window.model.index(2, 0))
    settle()
    window.grab().save(str(out / "queue.png"))
    print("wrote", out / "queue.png")

    # the new-incident form during a call
    dialog = window.new_incident()
    assert isinstance(dialog, NewIncidentDialog)
    dialog.resize(1280, 760)
    settle()
    dialog.caller.setText("")
    first_caller = queries.find_callers(desk, "a", 1)
    if first_caller:
        dialog._set_caller(first_caller[0].id, first_caller[0].display)
    dialog.title.setText("Outlook crashes when opening a shared calendar")
    dialog.description.setPlainText(
        "Since this morning Outlook closes as soon as the shared team calendar opens."
    )
    email = dialog.category.findText("Email", Qt.MatchFlag.MatchContains)
    if email >= 0:
        dialog.category.setCurrentIndex(email)
    dialog.impact.setCurrentIndex(2)
    dialog.urgency.setCurrentIndex(1)
    dialog._priority_inputs_changed()
    settle(1200)
    dialog.grab().save(str(out / "new-incident.png"))
    print("wrote", out / "new-incident.png")
    dialog._dirty_ok = True
    dialog.close()

    # one incident with its journal: the first one whose resolution clock runs and is not overdue
    now = desk.now()
    incident_id = window.model.incident_id(2)
    for r in range(window.model.rowCount()):
        row = window.model.cached_row(window.model.incident_id(r) or -1)
        if (
            row is not None
            and row.state.active
            and not row.sla_paused
            and row.resolution_due
            and row.resolution_due > now
        ):
            incident_id = row.id
            break
    if incident_id is not None:
        inc = window.open_incident(incident_id)
        inc.resize(1200, 860)
        settle(1200)
        inc.grab().save(str(out / "incident.png"))
        print("wrote", out / "incident.png")

        # a screenshot pasted into a journal entry (Ctrl+V), added, as the journal shows it
        from PySide6.QtGui import QColor, QImage, QPainter

        shot = QImage(480, 300, QImage.Format.Format_RGB32)
        shot.fill(QColor("#dfe6ee"))
        paint = QPainter(shot)
        paint.fillRect(0, 0, 480, 34, QColor("#2b5797"))
        paint.setPen(QColor("white"))
        paint.drawText(12, 22, "Microsoft Outlook")
        paint.fillRect(60, 90, 360, 150, QColor("white"))
        paint.setPen(QColor("#b00020"))
        paint.drawText(80, 130, "Outlook has stopped working")
        paint.setPen(QColor("#333333"))
        paint.drawText(80, 160, "A problem caused the program to stop working")
        paint.drawText(80, 180, "correctly. Please close the program.")
        paint.fillRect(330, 205, 76, 24, QColor("#2b5797"))
        paint.end()
        inc.tabs.setCurrentIndex(0)
        inc.journal_edit.setPlainText("The caller's screen when the shared calendar opens")
        inc.entry_files.add_image(shot, "screenshot-outlook.png")
        inc.add_note()
        settle(1200)
        inc.grab().save(str(out / "journal-attachment.png"))
        print("wrote", out / "journal-attachment.png")
        inc.close()

    # the conflict dialog: a supervisor changed the urgency and the title while the agent edited
    from app.services import incidents

    supervisor = next(a for a in queries.agents(desk) if a.role == "supervisor")
    mine = None
    for r in range(window.model.rowCount()):
        row = window.model.cached_row(window.model.incident_id(r) or -1)
        if row is not None and row.state.active and row.group_name in agent.group_names:
            mine = row.id
            break
    if mine is not None:
        inc = window.open_incident(mine)
        inc.resize(1200, 860)
        settle(1200)
        record = inc.record
        assert record is not None
        urgencies = [inc.urgency_edit.itemData(i) for i in range(inc.urgency_edit.count())]
        my_urgency = next(u for u in urgencies if u != record.urgency)
        their_urgency = next(u for u in urgencies if u not in (record.urgency, my_urgency))
        inc.urgency_edit.setCurrentIndex(inc.urgency_edit.findData(my_urgency))
        inc.description_edit.setPlainText(record.description + "\nThe caller rebooted; no change.")
        incidents.update_fields(
            desk,
            desk.actor(supervisor.username),
            mine,
            None,
            {"urgency": their_urgency, "title": record.title + " (whole floor)"},
        )
        inc.save()
        settle(1200)
        dialog = getattr(inc, "last_conflict_dialog", None)
        if dialog is not None:
            dialog.adjustSize()
            settle()
            dialog.grab().save(str(out / "conflict.png"))
            print("wrote", out / "conflict.png")
            dialog.take_theirs("urgency")
            dialog.merge_button.click()  # their urgency and title, my description
            settle(1500)
        # the History tab of that incident: who changed what, in words
        inc.reload()
        settle(1200)
        inc.tabs.setCurrentIndex(1)
        settle()
        inc.grab().save(str(out / "incident-history.png"))
        print("wrote", out / "incident-history.png")
        inc.discard_ok = True
        inc.close()

    # the admin's priority-matrix editor: one cell changed from the keyboard, its live preview
    from app.views.admin.matrix_editor import MatrixEditor

    admin = next(a for a in queries.agents(desk) if a.role == "admin" and a.username != "system")
    editor = MatrixEditor(desk, desk.actor(admin.username), runner)
    editor.resize(1320, 800)
    editor.show()
    settle(1200)
    editor.grid.setFocus()
    editor.grid.setCurrentIndex(editor.model.index(1, 1))
    editor.model.setData(editor.model.index(1, 1), 2)  # impact 2 x urgency 2: Moderate -> High
    editor.reason.setText(
        "A department without e-mail for a day costs too much: medium x medium is P2"
    )
    settle(2000)
    editor.grab().save(str(out / "matrix-editor.png"))
    print("wrote", out / "matrix-editor.png")
    editor.stack.clear()
    editor.active = editor.draft  # nothing to ask on close: a throwaway draft
    editor.close()

    # Admin > Users: the list and one user's details
    from app.views.admin.users_window import UsersWindow

    people = UsersWindow(desk, desk.actor(admin.username), runner)
    people.resize(1240, 680)
    people.show()
    settle(1200)
    people.table.selectRow(1)
    settle(800)
    people.grab().save(str(out / "users.png"))
    print("wrote", out / "users.png")
    people.close()

    # Admin > Groups: one group's line, supervisor, assignment and members
    from app.services import catalog
    from app.views.admin.catalog_window import CatalogWindow
    from app.views.admin.groups_window import GroupsWindow

    boss = desk.actor(admin.username)
    shown_group = queries.groups(desk)[min(3, len(queries.groups(desk)) - 1)]
    catalog.edit_group(
        desk, boss, shown_group.name, email="dba@example.com", assignment="least_loaded"
    )
    groups = GroupsWindow(desk, boss, runner)
    groups.resize(1200, 640)
    groups.show()
    settle(1200)
    groups.table.selectRow(
        next(i for i, g in enumerate(groups.groups) if g.name == shown_group.name)
    )
    settle(800)
    groups.grab().save(str(out / "groups.png"))
    print("wrote", out / "groups.png")
    groups.close()

    # Admin > Categories and services: the tree with an email category's defaults, and the
    # services with their owner groups
    shelf = CatalogWindow(desk, desk.actor(admin.username), runner)
    shelf.resize(1200, 660)
    shelf.show()
    settle(1200)
    picked = (
        next((c for c in shelf.data.categories if c.parent_id is not None), None)
        if shelf.data
        else None
    )
    if picked is not None:
        catalog.edit_category(desk, boss, picked.id, default_impact=2, default_urgency=1)
        shelf.load()
        settle(800)
        shelf.tree.setCurrentIndex(shelf.tree_model.index_of(picked.id))
    settle(800)
    shelf.grab().save(str(out / "categories.png"))
    print("wrote", out / "categories.png")
    shelf.tabs.setCurrentIndex(1)
    shelf.svc_table.selectRow(1)
    settle(800)
    shelf.grab().save(str(out / "services.png"))
    print("wrote", out / "services.png")
    shelf.close()

    # Admin > SLA policies and calendars: a calendar edited (split shifts, Belgian holidays, a site
    # closure) with its month view and due times; then the policies and the History
    from datetime import UTC, datetime

    from PySide6.QtCore import QDate

    from app.views.admin.sla_window import SlaWindow

    sla = SlaWindow(desk, desk.actor(admin.username), runner)
    sla.confirm = lambda _title, _text: True  # the screenshots save what they show
    sla.show()
    settle(1200)
    sla.cal_zone.setEditText("Europe/Brussels")
    for edit in sla.day_edits[:5]:
        edit.setText("08:00-12:00, 13:00-17:00")
    sla.cal_country.setText("BE")
    sla.custom_date.setDate(QDate(2026, 4, 10))
    sla.add_custom_day()
    sla.cal_reason.setText("Lunch break; the site closes on 10 April")
    sla._calendar_edited()
    sla.targets_combo.setCurrentIndex(1)
    sla.set_start(datetime(2026, 4, 3, 14, 30, tzinfo=UTC))  # Friday before Easter, 16:30 CEST
    sla.month.setCurrentPage(2026, 4)
    settle(400)
    sla.grab().save(str(out / "sla-calendars.png"))
    print("wrote", out / "sla-calendars.png")
    sla.save_calendar()
    settle(2500)
    print("saved:", sla.cal_message.text())
    sla.tabs.setCurrentIndex(1)
    settle(400)
    sla.target_rows[1][2].setText("9 hours")  # P2: an hour longer to resolve, not saved
    sla._policy_edited()
    sla.pol_reason.setText("Mail is slower to fix than we said")
    settle(1500)
    sla.grab().save(str(out / "sla-policies.png"))
    print("wrote", out / "sla-policies.png")
    sla.policy_dirty = False  # a throwaway draft: nothing to ask on close
    sla.close()

    # Admin > Escalation rules, the default policy's with one change drafted
    from app.domain.escalation import RuleAction
    from app.views.admin.escalation_window import ACTIONS, COLUMNS, EscalationWindow

    rules = EscalationWindow(desk, desk.actor(admin.username), runner)
    rules.resize(1100, 640)
    rules.show()
    settle(1200)
    cell = rules.model.index(
        ACTIONS.index(RuleAction.ESCALATE_FUNCTIONAL), COLUMNS.index(("resolution", 100))
    )
    rules.model.setData(cell, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    rules.grid.setCurrentIndex(cell)
    rules.reason.setText("Breaches go to the next line")
    settle(600)
    rules.grab().save(str(out / "escalation-rules.png"))
    print("wrote", out / "escalation-rules.png")
    rules.dirty = False  # a throwaway draft
    rules.close()

    # Supervisor > Workload board, over the demo desk
    from app.views.workload import WorkloadWindow

    board = WorkloadWindow(desk, runner)
    board.resize(900, 640)
    board.show()
    settle(1200)
    board.grab().save(str(out / "workload-board.png"))
    print("wrote", out / "workload-board.png")
    board.close()

    # Supervisor > Dashboard, over the demo desk (the last 30 days)
    from app.views.dashboard import DashboardWindow

    dash = DashboardWindow(desk, runner)
    dash.resize(1180, 1400)
    dash.show()
    settle(1500)
    dash.grab().save(str(out / "dashboard.png"))
    print("wrote", out / "dashboard.png")
    dash.close()

    # View > Problems: the demo's problem records, the first one's form
    from app.views.problems import ProblemsWindow

    probs = ProblemsWindow(desk, actor, runner)
    probs.resize(1280, 680)
    probs.show()
    settle(1200)
    probs.filter_box.setCurrentIndex(1)  # All
    settle(800)
    with_incidents = next((k for k, r in enumerate(probs.model.rows) if r.incidents), 0)
    probs.table.selectRow(with_incidents)
    settle(1000)
    probs.grab().save(str(out / "problems.png"))
    print("wrote", out / "problems.png")
    probs.close()

    # Supervisor > Reports: reassignments over the demo desk
    from app.views.reports import ReportsWindow

    reps = ReportsWindow(desk, runner)
    reps.resize(1180, 560)
    reps.show()
    settle(800)
    reps.name_box.setCurrentIndex(reps.name_box.findData("reassignments"))
    settle(1200)
    reps.grab().save(str(out / "reports.png"))
    print("wrote", out / "reports.png")
    reps.close()

    window.shutdown()
    runner.shutdown()
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)  # the demo database and settings were throwaway
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
